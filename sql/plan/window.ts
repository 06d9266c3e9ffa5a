// Window functions: partitions rows by hash, orders each partition, and appends one column per
// window call (ranking, offsets, first/last/nth value, ntile, and aggregates over ROWS/RANGE
// frames). Frame aggregates are recomputed per row: fine for the partition sizes we target.
// Past work_mem, partitions are spread over temp files and computed one file at a time.
import { KodiakError, SqlState } from "../../util/index.js";
import type { WindowFrame } from "../parser/ast.js";
import type { DataType } from "../types/types.js";
import { compareValues, hashKey, type Row, type Value } from "../types/values.js";
import { type AggSpec, AggregateNode } from "./aggregate.js";
import type { BoundExpr, Col, Env, Fn, PlanNode } from "./context.js";
import { runNode } from "./context.js";
import { ValuesNode } from "./nodes.js";
import { sortRowsBounded } from "./spill/external-sort.js";
import { kilobytes, noteSpill, RowSizeMeter, type SpillContext } from "./spill/memory.js";
import { Partitions, partitionCount } from "./spill/partition.js";

export interface WindowSpecBound {
  readonly name: string;
  readonly args: readonly Fn[];
  readonly argType: DataType | undefined;
  readonly type: DataType;
  readonly partition: readonly Fn[];
  readonly order: readonly { fn: Fn; descending: boolean; nullsFirst: boolean }[];
  readonly frame: WindowFrame | undefined;
  readonly frameOffsets: readonly (Fn | undefined)[];
  readonly star: boolean;
  readonly distinct: boolean;
  readonly filter: Fn | undefined;
  readonly aggSpec: ((args: readonly BoundExpr[]) => AggSpec) | undefined;
  readonly boundArgs: readonly BoundExpr[];
}

export class WindowNode implements PlanNode {
  readonly label = "WindowAgg";
  readonly detail = "";
  readonly children: PlanNode[];
  constructor(
    readonly child: PlanNode,
    readonly specs: readonly WindowSpecBound[],
    readonly cols: readonly Col[],
  ) {
    this.children = [child];
  }

  run(env: Env): Row[] {
    const input = runNode(this.child, env);
    const ctx = env.spill;
    if (ctx && input.length > 1) {
      const meter = new RowSizeMeter();
      let over = false;
      for (const r of input) {
        over = meter.add(r) > ctx.workMemBytes;
        if (over) break;
      }
      if (over) {
        const spilled = this.runPartitioned(input, env, ctx);
        if (spilled) return spilled;
      }
    }
    const rows = input.map((r) => r.slice());
    for (const spec of this.specs) computeWindow(spec, rows, env);
    return rows;
  }

  /**
   * Past work_mem: rows go to hash partitions by their window partition key (numbered, so input
   * order can be restored), each partition file's rows get their window values, and a bounded
   * sort on the number puts them back in input order. Only when every window call has the same
   * PARTITION BY values (checked row by row) and there is a PARTITION BY at all; otherwise
   * returns undefined and the caller computes in memory.
   */
  private runPartitioned(input: readonly Row[], env: Env, ctx: SpillContext): Row[] | undefined {
    if (this.specs.some((s) => s.partition.length === 0)) return undefined;
    const keyOf = (spec: WindowSpecBound, r: Row): string => {
      let k = "";
      for (const f of spec.partition) k += `${hashKey(f(r, env))}\u0001`;
      return k;
    };
    const parts = new Partitions(ctx, partitionCount(2 * ctx.workMemBytes + 1, ctx.workMemBytes), 0);
    try {
      for (let i = 0; i < input.length; i++) {
        const r = input[i];
        const k = keyOf(this.specs[0], r);
        for (let j = 1; j < this.specs.length; j++) if (keyOf(this.specs[j], r) !== k) return undefined;
        parts.add(k, [...r, i]);
      }
      parts.flush();
      const disk = parts.bytes;
      const specs = this.specs;
      const computed = function* (): Generator<Row> {
        for (const f of parts.files) {
          const rows = [...f.rows()];
          f.remove();
          const seqs = rows.map((r) => r.pop() as number);
          for (const spec of specs) computeWindow(spec, rows, env);
          for (let i = 0; i < rows.length; i++) {
            rows[i].push(seqs[i]);
            yield rows[i];
          }
        }
      };
      const seq = (r: Row): number => r[r.length - 1] as number;
      const ordered = sortRowsBounded(computed(), (a, b) => seq(a) - seq(b), ctx, {});
      for (const r of ordered) r.pop();
      noteSpill(ctx, this, `Batches: ${parts.count}  Disk Usage: ${kilobytes(disk)}`);
      return ordered;
    } finally {
      parts.removeAll();
    }
  }
}

function computeWindow(spec: WindowSpecBound, rows: Row[], env: Env): void {
  const parts = new Map<string, Row[]>();
  for (const r of rows) {
    let k = "";
    for (const f of spec.partition) k += `${hashKey(f(r, env))}\u0001`;
    const p = parts.get(k);
    if (p) p.push(r);
    else parts.set(k, [r]);
  }
  for (const part of parts.values()) {
    const keys = part.map((r) => spec.order.map((o) => o.fn(r, env)));
    const idx = part.map((_r, i) => i);
    const cmp = (a: number, b: number): number => {
      for (let j = 0; j < spec.order.length; j++) {
        const x = keys[a][j];
        const y = keys[b][j];
        const o = spec.order[j];
        if (x === null || y === null) {
          if (x === y) continue;
          return (x === null) === o.nullsFirst ? -1 : 1;
        }
        const c = compareValues(x, y);
        if (c !== 0) return o.descending ? -c : c;
      }
      return 0;
    };
    idx.sort((a, b) => cmp(a, b) || a - b);
    const sorted = idx.map((i) => part[i]);
    const sortedKeys = idx.map((i) => keys[i]);
    const peerCmp = (a: number, b: number): number => {
      for (let j = 0; j < spec.order.length; j++) {
        const x = sortedKeys[a][j];
        const y = sortedKeys[b][j];
        if (x === null || y === null) {
          if (x !== y) return 1;
          continue;
        }
        if (compareValues(x, y) !== 0) return 1;
      }
      return 0;
    };
    const values = evaluate(spec, sorted, peerCmp, env, sortedKeys);
    for (let i = 0; i < sorted.length; i++) sorted[i].push(values[i]);
  }
}

function evaluate(spec: WindowSpecBound, rows: Row[], peerDiff: (a: number, b: number) => number, env: Env, keys: Value[][]): Value[] {
  const n = rows.length;
  const out: Value[] = new Array(n);
  // Peer group boundaries.
  const peerStart: number[] = new Array(n);
  const peerEnd: number[] = new Array(n);
  for (let i = 0; i < n; i++) peerStart[i] = i > 0 && peerDiff(i - 1, i) === 0 ? peerStart[i - 1] : i;
  for (let i = n - 1; i >= 0; i--) peerEnd[i] = i < n - 1 && peerDiff(i, i + 1) === 0 ? peerEnd[i + 1] : i;
  const arg = (k: number, i: number): Value => (spec.args[k] ? spec.args[k](rows[i], env) : null);
  switch (spec.name) {
    case "row_number":
      for (let i = 0; i < n; i++) out[i] = BigInt(i + 1);
      return out;
    case "rank":
      for (let i = 0; i < n; i++) out[i] = BigInt(peerStart[i] + 1);
      return out;
    case "dense_rank": {
      let r = 0;
      for (let i = 0; i < n; i++) {
        if (peerStart[i] === i) r++;
        out[i] = BigInt(r);
      }
      return out;
    }
    case "percent_rank":
      for (let i = 0; i < n; i++) out[i] = n <= 1 ? 0 : peerStart[i] / (n - 1);
      return out;
    case "cume_dist":
      for (let i = 0; i < n; i++) out[i] = (peerEnd[i] + 1) / n;
      return out;
    case "ntile":
      for (let i = 0; i < n; i++) {
        const b = Number(arg(0, i));
        if (!(b > 0))
          throw new KodiakError(SqlState.invalidParameterValue.replace("22023", "22014"), "argument of ntile must be greater than zero");
        const size = Math.floor(n / b);
        const extra = n % b;
        const big = extra * (size + 1);
        out[i] = BigInt(i < big ? Math.floor(i / (size + 1)) + 1 : extra + Math.floor((i - big) / Math.max(size, 1)) + 1);
      }
      return out;
    case "lag":
    case "lead":
      for (let i = 0; i < n; i++) {
        const off = spec.args[1] ? Number(arg(1, i)) : 1;
        const j = spec.name === "lag" ? i - off : i + off;
        out[i] = j >= 0 && j < n ? arg(0, j) : spec.args[2] ? arg(2, i) : null;
      }
      return out;
  }
  // Frame-based: first_value, last_value, nth_value, aggregates.
  for (let i = 0; i < n; i++) {
    const [s, e] = frameBounds(spec, i, n, peerStart, peerEnd, rows, env, keys);
    if (spec.name === "first_value") out[i] = s <= e ? arg(0, s) : null;
    else if (spec.name === "last_value") out[i] = s <= e ? arg(0, e) : null;
    else if (spec.name === "nth_value") {
      const k = Number(arg(1, i));
      out[i] = s + k - 1 <= e ? arg(0, s + k - 1) : null;
    } else {
      const frameRows = s <= e ? rows.slice(s, e + 1) : [];
      out[i] = aggregateOver(spec, frameRows, env);
    }
  }
  return out;
}

function frameBounds(
  spec: WindowSpecBound,
  i: number,
  n: number,
  peerStart: number[],
  peerEnd: number[],
  rows: Row[],
  env: Env,
  keys: Value[][],
): [number, number] {
  const f = spec.frame;
  if (!f) return spec.order.length === 0 ? [0, n - 1] : [0, peerEnd[i]];
  if (f.unit === "range" && (f.start.offset || f.end.offset)) return rangeOffsetBounds(spec, i, n, rows, env, keys);
  const bound = (b: WindowFrame["start"], off: Fn | undefined, isStart: boolean): number => {
    switch (b.type) {
      case "unboundedPreceding":
        return 0;
      case "unboundedFollowing":
        return n - 1;
      case "currentRow":
        return f.unit === "rows" ? i : isStart ? peerStart[i] : peerEnd[i];
      case "preceding":
        return i - Number(off ? off(rows[i], env) : 0);
      case "following":
        return i + Number(off ? off(rows[i], env) : 0);
    }
  };
  const s = Math.max(0, bound(f.start, spec.frameOffsets[0], true));
  const e = Math.min(n - 1, bound(f.end, spec.frameOffsets[1], false));
  return [s, e];
}

function aggregateOver(spec: WindowSpecBound, rows: Row[], env: Env): Value {
  if (!spec.aggSpec) throw new KodiakError(SqlState.undefinedFunction, `window function ${spec.name} is not supported`);
  const agg = spec.aggSpec(spec.boundArgs);
  const node = new AggregateNode(new ValuesNode([], []), [], [{ ...agg, filter: spec.filter }], []);
  // Feed the frame rows through a one-group aggregation.
  const fake: PlanNode = { label: "", detail: "", cols: [], children: [], run: () => rows };
  const res = new AggregateNode(fake, [], node.aggs, []).run(env);
  return res[0][0];
}

/** RANGE frames with offsets: rows whose (single, numeric) ORDER BY key lies within key ± offset. */
function rangeOffsetBounds(spec: WindowSpecBound, i: number, n: number, rows: Row[], env: Env, keys: Value[][]): [number, number] {
  const f = spec.frame!;
  if (spec.order.length !== 1) throw new KodiakError("42P20", "RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY column");
  const desc = spec.order[0].descending;
  const num = (v: Value): number | undefined => (v === null ? undefined : Number(typeof v === "object" ? String(v) : v));
  const me = num(keys[i][0]);
  const bound = (b: WindowFrame["start"], off: Fn | undefined, isStart: boolean): number => {
    if (b.type === "unboundedPreceding") return 0;
    if (b.type === "unboundedFollowing") return n - 1;
    const delta = b.type === "currentRow" ? 0 : Number(off ? off(rows[i], env) : 0) * (b.type === "preceding" ? -1 : 1) * (desc ? -1 : 1);
    if (me === undefined) {
      // NULL keys are peers of each other only.
      let j = i;
      if (isStart) while (j > 0 && keys[j - 1][0] === null) j--;
      else while (j < n - 1 && keys[j + 1][0] === null) j++;
      return j;
    }
    const target = me + delta;
    const inRange = (k: Value): boolean => {
      const x = num(k);
      if (x === undefined) return false;
      return isStart ? (desc ? x <= target : x >= target) : desc ? x >= target : x <= target;
    };
    if (isStart) {
      for (let j = 0; j < n; j++) if (inRange(keys[j][0])) return j;
      return n;
    }
    for (let j = n - 1; j >= 0; j--) if (inRange(keys[j][0])) return j;
    return -1;
  };
  return [bound(f.start, spec.frameOffsets[0], true), bound(f.end, spec.frameOffsets[1], false)];
}
