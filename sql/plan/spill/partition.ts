// Hash partitioning of rows into spill files, shared by the spilling hash join, hash aggregation
// and DISTINCT. A level number seeds the hash so that a partition that is still too big splits
// differently when it is partitioned again.
import type { Row } from "../../types/values.js";
import type { SpillContext } from "./memory.js";
import type { SpillFile } from "./temp-space.js";

/** Most partitions per pass: each holds a write buffer of PARTITION_BLOCK_BYTES while filling. */
export const PARTITIONS_MAX = 64;
export const PARTITION_BLOCK_BYTES = 32 * 1024;
/** Re-partitioning stops here: what is left is one key too big to split (processed in memory). */
export const PARTITION_DEPTH_MAX = 4;

/** FNV-1a over the key text, seeded by level. */
export function partitionOf(key: string, level: number, parts: number): number {
  let h = (0x811c9dc5 ^ Math.imul(level + 1, 0x9e3779b1)) >>> 0;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 15;
  return (h >>> 0) % parts;
}

/** How many partitions make each about half of work_mem (at least 2, at most PARTITIONS_MAX). */
export function partitionCount(bytes: number, workMemBytes: number): number {
  return Math.max(2, Math.min(PARTITIONS_MAX, Math.ceil((bytes * 2) / Math.max(workMemBytes, 1))));
}

export class Partitions {
  readonly files: SpillFile[];
  constructor(
    ctx: SpillContext,
    readonly count: number,
    readonly level: number,
  ) {
    this.files = [];
    for (let i = 0; i < count; i++) this.files.push(ctx.temp.create(PARTITION_BLOCK_BYTES));
  }
  add(key: string, row: Row): void {
    this.files[partitionOf(key, this.level, this.count)].write(row);
  }
  get bytes(): number {
    return this.files.reduce((n, f) => n + f.bytes, 0);
  }
  flush(): void {
    for (const f of this.files) f.flush();
  }
  removeAll(): void {
    for (const f of this.files) f.remove();
  }
}
