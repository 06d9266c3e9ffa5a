// Operators that keep within work_mem by spilling to temp files, and the pieces they share.
export { SpillingDistinctNode } from "./distinct.js";
export { MERGE_FANIN_MAX, sortRowsBounded } from "./external-sort.js";
export { SpillingHashJoinNode } from "./hash-join.js";
export { estimateRowBytes, noteSpill, type SpillContext } from "./memory.js";
export { PARTITION_DEPTH_MAX, Partitions, partitionCount } from "./partition.js";
export { ByteSink, decodeRowAt, encodeRow } from "./row-codec.js";
export { SpillingSortNode } from "./sort.js";
export { SpillFile, spillCounters, TempSpace } from "./temp-space.js";
