// Deterministic write batches for storage crash tests: batch `index` of workload `seed` is the
// same in every process, so a parent can rebuild what a killed child wrote.

import type { WriteOp } from "../../storage/index.js";
import { SeededRandom } from "../../util/index.js";

export function workloadBatch(seed: number, index: number): WriteOp[] {
  const r = new SeededRandom(seed * 1_000_003 + index);
  const key = () => Buffer.from(`key${String(r.int(20000)).padStart(6, "0")}`);
  return Array.from({ length: 50 + r.int(100) }, (): WriteOp => {
    const x = r.int(100);
    // 1 in 100: a value beyond the inline limit of a 4 KiB page, stored in overflow pages.
    if (x < 1) return { type: "put", key: key(), value: Buffer.alloc(1500 + r.int(10000), index & 0xff) };
    if (x < 90) return { type: "put", key: key(), value: Buffer.alloc(20 + r.int(100), index & 0xff) };
    if (x < 99) return { type: "delete", key: key() };
    const a = key();
    return { type: "deleteRange", start: a, end: Buffer.concat([a, Buffer.from("2")]) };
  });
}
