// Public API of the pure Raft core. Other folders import only from here.
export { applyToConfState, decodeConfChange, encodeConfChange } from "./confchange.js";
export { MAX_SAFE_INDEX } from "./log.js";
export { MAX_INFLIGHT_MSGS_LIMIT } from "./progress.js";
export { DEFAULT_MAX_CLOCK_DRIFT_PERCENT, leaseTicks } from "./lease.js";
export { CAMPAIGN_TRANSFER } from "./messages.js";
export {
  MAX_COMMITTED_BYTES_PER_READY,
  MAX_PENDING_READ_INDEX_MESSAGES,
  MAX_UNCOMMITTED_ENTRIES,
  type RaftCoreConfig,
  type RaftTestingKnobs,
} from "./raft.js";
export { MAX_PENDING_READS } from "./read-only.js";
export { RawNode } from "./rawnode.js";
export { CompactedError, MemoryRaftStorage, UnavailableError } from "./storage.js";
export * from "./types.js";
