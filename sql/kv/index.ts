// The KV seam of the SQL layer: the interface the engine needs and an in-memory implementation.
export type { CommitRequest, Key, KeyRange, KvEntry, KvScanEntry, KvStore } from "./kv.js";
export { encodeKey, keyPart, prefixEnd, tablePrefix } from "./keys.js";
export { keyString, MemoryKvStore } from "./memory.js";
export { SortedStringSet } from "./sorted-set.js";
