// DISTINCT / DISTINCT ON bounded by work_mem. Keeps the first row of each key in input order, as
// DistinctNode does (DISTINCT ON relies on it after its sort). Past the budget the rows are
// numbered, hash-partitioned by key to temp files, de-duplicated per partition (a partition keeps
// input order, so its first row per key is the global first), and the survivors are put back in
// input order by a bounded sort on the row number.
import { type Row, rowHashKey } from "../../types/values.js";
import { type Env, runNode } from "../context.js";
import { DistinctNode } from "../nodes.js";
import { sortRowsBounded } from "./external-sort.js";
import { estimateRowBytes, kilobytes, noteSpill, type SpillContext } from "./memory.js";
import { Partitions, partitionCount } from "./partition.js";

/** A Set entry's cost besides the key text. */
const SET_ENTRY_BYTES = 48;

export class SpillingDistinctNode extends DistinctNode {
  override run(env: Env): Row[] {
    const rows = runNode(this.child, env);
    const ctx = env.spill;
    const seen = new Set<string>();
    const out: Row[] = [];
    let bytes = 0;
    for (const r of rows) {
      const k = rowHashKey(r, this.keyCols);
      if (seen.has(k)) continue;
      seen.add(k);
      out.push(r);
      bytes += SET_ENTRY_BYTES + k.length + estimateRowBytes(r);
      if (ctx && bytes > ctx.workMemBytes) return this.runPartitioned(rows, ctx, bytes);
    }
    return out;
  }

  private runPartitioned(rows: readonly Row[], ctx: SpillContext, bytesSoFar: number): Row[] {
    const width = this.child.cols.length;
    const parts = new Partitions(ctx, partitionCount(bytesSoFar * 2, ctx.workMemBytes), 0);
    const survivors: Row[] = [];
    try {
      for (let i = 0; i < rows.length; i++) parts.add(rowHashKey(rows[i], this.keyCols), [...rows[i], i]);
      parts.flush();
      const disk = parts.bytes;
      const firstOfEach = function* (this: SpillingDistinctNode): Generator<Row> {
        for (const f of parts.files) {
          const seen = new Set<string>();
          for (const r of f.rows()) {
            const k = rowHashKey(r.slice(0, width), this.keyCols);
            if (seen.has(k)) continue;
            seen.add(k);
            yield r;
          }
          f.remove();
        }
      };
      const ordered = sortRowsBounded(firstOfEach.call(this), (a, b) => (a[width] as number) - (b[width] as number), ctx, {});
      for (const r of ordered) survivors.push(r.slice(0, width));
      noteSpill(ctx, this, `Batches: ${parts.count}  Disk Usage: ${kilobytes(disk)}`);
    } finally {
      parts.removeAll();
    }
    return survivors;
  }
}
