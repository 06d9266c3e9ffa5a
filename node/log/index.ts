// Public API of the durable Raft log (the node's WAL). Other folders import from here only.
export type { Wal, WalOptions, WalStats } from "./api.js";
export { CACHE_MAX_BYTES, CACHE_MAX_ENTRIES } from "./entry-cache.js";
export { CompactedError, isCompactedError, isUnavailableError, UnavailableError } from "./errors.js";
export { RECORD_HEADER_BYTES, RECORD_PAYLOAD_MAX_BYTES } from "./record.js";
export { SEGMENT_MAX_BYTES, segmentName } from "./segments.js";
export { HARD_STATE_FILE, LOG_META_FILE } from "./state-file.js";
export { BATCH_MAX_BYTES, BATCH_MAX_ENTRIES, ENTRY_DATA_MAX_BYTES, openWal, PENDING_MAX_SAVES } from "./wal.js";
