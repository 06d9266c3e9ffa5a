// Hash join bounded by work_mem (grace hash join). When the build side's estimated size exceeds
// the budget, both inputs are hash-partitioned on the join key into temp files and each pair of
// partitions is joined in memory by the ordinary HashJoinNode; equal keys land in the same
// partition, so inner/outer/semi/anti results are the same as one big join (order may differ).
// Rows with a NULL key never match; they all go to partition 0 and come out as unmatched rows.
import { hashKey, type Row } from "../../types/values.js";
import { type Col, type Env, type Fn, type PlanNode, runNode } from "../context.js";
import { HashJoinNode } from "../nodes.js";
import { kilobytes, noteSpill, RowSizeMeter, type SpillContext } from "./memory.js";
import { PARTITION_DEPTH_MAX, Partitions, partitionCount } from "./partition.js";

/** A leaf that hands out rows computed elsewhere (one partition of a join input). */
export class RowsNode implements PlanNode {
  readonly label = "Rows";
  readonly detail = "";
  readonly children: PlanNode[] = [];
  constructor(
    readonly cols: readonly Col[],
    readonly rows: Row[],
  ) {}
  run(): Row[] {
    return this.rows;
  }
}

function keyText(r: Row, fs: readonly Fn[], env: Env): string {
  let k = "";
  for (const f of fs) {
    const v = f(r, env);
    if (v === null) return "";
    k += `${hashKey(v)}\u0001`;
  }
  return k;
}

/** Estimated bytes of a build side; stops counting once past `limit` (only the comparison matters). */
function bytesOf(rows: readonly Row[], limit: number): number {
  const m = new RowSizeMeter();
  for (const r of rows) if (m.add(r) > limit) break;
  return m.bytes;
}

export class SpillingHashJoinNode extends HashJoinNode {
  override run(env: Env): Row[] {
    const L = runNode(this.left, env);
    const R = runNode(this.right, env);
    const ctx = env.spill;
    const buildRows = this.buildsLeft() ? L : R;
    if (!ctx || bytesOf(buildRows, ctx.workMemBytes) <= ctx.workMemBytes) return this.joinInMemory(L, R, env);
    const stats = { batches: 0, disk: 0 };
    const out: Row[] = [];
    this.joinPartitioned(L, R, env, ctx, 0, out, stats);
    noteSpill(ctx, this, `Batches: ${stats.batches}  Disk Usage: ${kilobytes(stats.disk)}`);
    return out;
  }

  private buildsLeft(): boolean {
    return this.buildLeft && this.joinType === "inner";
  }

  private joinInMemory(L: Row[], R: Row[], env: Env): Row[] {
    const inner = new HashJoinNode(
      new RowsNode(this.left.cols, L),
      new RowsNode(this.right.cols, R),
      this.joinType,
      this.leftKeys,
      this.rightKeys,
      this.residual,
      this.detail,
      this.buildLeft,
    );
    return inner.run({ ...env, stats: undefined });
  }

  private joinPartitioned(
    L: Row[],
    R: Row[],
    env: Env,
    ctx: SpillContext,
    level: number,
    out: Row[],
    stats: { batches: number; disk: number },
  ): void {
    const buildBytes = bytesOf(this.buildsLeft() ? L : R, Number.POSITIVE_INFINITY);
    if (buildBytes <= ctx.workMemBytes || level >= PARTITION_DEPTH_MAX) {
      stats.batches++;
      for (const r of this.joinInMemory(L, R, env)) out.push(r);
      return;
    }
    const n = partitionCount(buildBytes, ctx.workMemBytes);
    const lp = new Partitions(ctx, n, level);
    const rp = new Partitions(ctx, n, level);
    try {
      for (const r of L) lp.add(keyText(r, this.leftKeys, env), r);
      for (const r of R) rp.add(keyText(r, this.rightKeys, env), r);
      lp.flush();
      rp.flush();
      stats.disk += lp.bytes + rp.bytes;
      for (let i = 0; i < n; i++) {
        const pl = [...lp.files[i].rows()];
        lp.files[i].remove();
        const pr = [...rp.files[i].rows()];
        rp.files[i].remove();
        if (pl.length === 0 && (pr.length === 0 || this.joinType === "inner" || this.joinType === "left")) continue;
        this.joinPartitioned(pl, pr, env, ctx, level + 1, out, stats);
      }
    } finally {
      lp.removeAll();
      rp.removeAll();
    }
  }
}
