// Public API of the state machine layer: the interface and the in-memory KV fixture.
export type { AppliedCommand, StateMachine } from "./api.js";
export { MAX_SCAN_ROWS, MemoryKvStateMachine } from "./memory-kv.js";
