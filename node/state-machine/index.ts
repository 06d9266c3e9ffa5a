// Public API of the state machine layer: the interface, the storage-engine-backed transactional
// state machine (production) and the in-memory KV fixture (tests).
export { type AppliedCommand, type DurableStateMachine, isDurable, type StateMachine } from "./api.js";
export {
  DEFAULT_GC_LEAVES_PER_COMMAND,
  DEFAULT_GC_RETENTION_ENTRIES,
  DEFAULT_GC_STEP_ENTRIES,
  type GcPolicy,
  gcHorizonAt,
  gcPolicy,
} from "./gc-policy.js";
export { MAX_SCAN_ROWS, MemoryKvStateMachine } from "./memory-kv.js";
export {
  COMMIT_TS_PER_ENTRY,
  commitTimestampOf,
  entryIndexOf,
  MAX_TXN_OPS,
  snapshotTimestampAt,
  TxnStoreStateMachine,
} from "./txn-store.js";
