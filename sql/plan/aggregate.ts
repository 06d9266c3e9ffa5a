// Hash aggregation: groups rows by key values and folds aggregate functions (count, sum, avg,
// min/max, string_agg, array_agg, bool_and/or, statistics, percentiles) with PostgreSQL's result
// types and NULL rules. One accumulator object per group and aggregate.
import { KodiakError, SqlState } from "../../util/index.js";
import { Decimal } from "../types/decimal.js";
import type { DataType } from "../types/types.js";
import { checkInt8, compareValues, hashKey, type Row, type Value } from "../types/values.js";
import { type Col, type Env, type Fn, type PlanNode, runNode } from "./context.js";
import { checkArrayLength, checkTextLength } from "./limits.js";
import { estimateRowBytes, kilobytes, noteSpill } from "./spill/memory.js";
import { PARTITION_DEPTH_MAX, Partitions } from "./spill/partition.js";

export interface AggSpec {
  readonly name: string;
  readonly args: readonly Fn[];
  readonly argType: DataType | undefined;
  readonly star: boolean;
  readonly distinct: boolean;
  readonly filter: Fn | undefined;
  /** WITHIN GROUP (ORDER BY ...) for percentiles, or ORDER BY inside string_agg/array_agg. */
  readonly orderBy: { fn: Fn; descending: boolean } | undefined;
  /** Direct argument of percentile_cont/disc (constant). */
  readonly fraction: Fn | undefined;
}

interface Acc {
  add(vs: Value[]): void;
  result(): Value;
}

const toNum = (v: Value): number => (v instanceof Decimal ? v.toNumber() : Number(v));
const toDec = (v: Value): Decimal =>
  v instanceof Decimal ? v : typeof v === "bigint" ? Decimal.fromBigInt(v) : Decimal.fromNumber(v as number);

function makeAcc(spec: AggSpec, env: Env): Acc {
  const t = spec.argType?.id;
  switch (spec.name) {
    case "count": {
      let n = 0;
      return { add: () => void n++, result: () => BigInt(n) };
    }
    case "sum": {
      if (t === "int2" || t === "int4") {
        let s = 0;
        let any = false;
        return {
          add: ([v]) => {
            s += v as number;
            any = true;
          },
          result: () => (any ? BigInt(s) : null),
        };
      }
      if (t === "float4" || t === "float8") {
        let s = 0;
        let any = false;
        return {
          add: ([v]) => {
            s += v as number;
            any = true;
          },
          result: () => (any ? s : null),
        };
      }
      let s: Decimal | null = null;
      return {
        add: ([v]) => {
          s = s === null ? toDec(v) : s.add(toDec(v));
        },
        result: () => s,
      };
    }
    case "avg": {
      let n = 0;
      if (t === "float4" || t === "float8") {
        let s = 0;
        return {
          add: ([v]) => {
            s += v as number;
            n++;
          },
          result: () => (n === 0 ? null : s / n),
        };
      }
      let s = new Decimal(0n, 0);
      return {
        add: ([v]) => {
          s = s.add(toDec(v));
          n++;
        },
        result: () => (n === 0 ? null : s.div(Decimal.fromBigInt(BigInt(n)))),
      };
    }
    case "min":
    case "max": {
      const sign = spec.name === "max" ? 1 : -1;
      let best: Value = null;
      return {
        add: ([v]) => {
          if (best === null || compareValues(v, best) * sign > 0) best = v;
        },
        result: () => best,
      };
    }
    case "bool_and":
    case "every":
    case "bool_or": {
      let r: boolean | null = null;
      const and = spec.name !== "bool_or";
      return {
        add: ([v]) => {
          const b = v as boolean;
          r = r === null ? b : and ? r && b : r || b;
        },
        result: () => r,
      };
    }
    case "string_agg": {
      const parts: { v: string; sep: string; k: Value }[] = [];
      let chars = 0;
      return {
        add: ([v, sep, k]) => {
          const part = { v: v as string, sep: (sep as string | null) ?? "", k };
          chars += part.v.length + part.sep.length;
          checkTextLength(chars);
          parts.push(part);
        },
        result: () => {
          if (parts.length === 0) return null;
          sortParts(parts, spec);
          return parts.map((p, i) => (i === 0 ? p.v : p.sep + p.v)).join("");
        },
      };
    }
    case "array_agg": {
      const parts: { v: Value; k: Value }[] = [];
      return {
        add: ([v, k]) => {
          checkArrayLength(parts.length + 1);
          parts.push({ v, k });
        },
        result: () => {
          if (parts.length === 0) return null;
          sortParts(parts, spec);
          return parts.map((p) => p.v);
        },
      };
    }
    case "stddev":
    case "stddev_samp":
    case "stddev_pop":
    case "variance":
    case "var_samp":
    case "var_pop": {
      const float = t === "float4" || t === "float8";
      const xs: number[] = [];
      let n = 0;
      let sum = new Decimal(0n, 0);
      let sumSq = new Decimal(0n, 0);
      return {
        add: ([v]) => {
          n++;
          if (float) xs.push(toNum(v));
          else {
            const d = toDec(v);
            sum = sum.add(d);
            sumSq = sumSq.add(d.mul(d));
          }
        },
        result: () => {
          const pop = spec.name.endsWith("_pop");
          if (n === 0 || (!pop && n === 1)) return null;
          const std = spec.name.startsWith("std");
          if (float) {
            const mean = xs.reduce((a, b) => a + b, 0) / n;
            const ss = xs.reduce((a, b) => a + (b - mean) * (b - mean), 0);
            const variance = ss / (pop ? n : n - 1);
            return std ? Math.sqrt(variance) : variance;
          }
          // Exact, as PostgreSQL's numeric path: (N*sum(x^2) - sum(x)^2) / (N*(N-1) or N^2).
          const N = Decimal.fromBigInt(BigInt(n));
          const num = N.mul(sumSq).sub(sum.mul(sum));
          const den = pop ? N.mul(N) : N.mul(Decimal.fromBigInt(BigInt(n - 1)));
          const variance = num.div(den);
          return std ? sqrtDecimal(variance) : variance;
        },
      };
    }
    case "corr":
    case "covar_pop":
    case "covar_samp":
    case "regr_slope":
    case "regr_intercept": {
      const ys: number[] = [];
      const xs: number[] = [];
      return {
        add: ([y, x]) => {
          if (x === null) return;
          ys.push(toNum(y));
          xs.push(toNum(x));
        },
        result: () => {
          const n = xs.length;
          if (n === 0) return null;
          const mx = xs.reduce((a, b) => a + b, 0) / n;
          const my = ys.reduce((a, b) => a + b, 0) / n;
          let sxy = 0;
          let sxx = 0;
          let syy = 0;
          for (let i = 0; i < n; i++) {
            sxy += (xs[i] - mx) * (ys[i] - my);
            sxx += (xs[i] - mx) ** 2;
            syy += (ys[i] - my) ** 2;
          }
          switch (spec.name) {
            case "corr":
              return sxx === 0 || syy === 0 ? null : sxy / Math.sqrt(sxx * syy);
            case "covar_pop":
              return sxy / n;
            case "covar_samp":
              return n < 2 ? null : sxy / (n - 1);
            case "regr_slope":
              return sxx === 0 ? null : sxy / sxx;
            default:
              return sxx === 0 ? null : my - (sxy / sxx) * mx;
          }
        },
      };
    }
    case "median":
    case "percentile_cont":
    case "percentile_disc": {
      const vals: Value[] = [];
      const frac = spec.fraction ? spec.fraction([], env) : 0.5;
      return {
        add: ([v]) => void vals.push(v),
        result: () => {
          if (vals.length === 0) return null;
          const f = toNum(frac);
          if (f < 0 || f > 1 || Number.isNaN(f))
            throw new KodiakError(SqlState.numericValueOutOfRange, `percentile value ${f} is not between 0 and 1`);
          vals.sort((a, b) => compareValues(a, b) * (spec.orderBy?.descending ? -1 : 1));
          if (spec.name === "percentile_disc") return vals[Math.max(Math.ceil(f * vals.length) - 1, 0)];
          const pos = f * (vals.length - 1);
          const lo = Math.floor(pos);
          const hi = Math.ceil(pos);
          return toNum(vals[lo]) + (toNum(vals[hi]) - toNum(vals[lo])) * (pos - lo);
        },
      };
    }
    default:
      throw new KodiakError(SqlState.undefinedFunction, `aggregate ${spec.name} is not supported`);
  }
}

/** Square root rounded half up at the operand's scale (PostgreSQL keeps the division's scale). */
function sqrtDecimal(d: Decimal): Decimal {
  if (d.sign() <= 0) return new Decimal(0n, d.scale);
  const scale = d.scale;
  // sqrt(u / 10^s) at scale s+1 = isqrt(u * 10^(s+2)) / 10^(s+1); then round to s.
  const target = d.unscaled * 10n ** BigInt(scale + 2);
  let x = BigInt(Math.floor(Math.sqrt(Number(target))));
  if (x === 0n) x = 1n;
  for (;;) {
    const y = (x + target / x) / 2n;
    if (y >= x && y - x <= 1n) break;
    x = y;
  }
  while (x * x > target) x--;
  while ((x + 1n) * (x + 1n) <= target) x++;
  return new Decimal(x, scale + 1).withScale(scale);
}

function sortParts<P extends { k: Value }>(parts: P[], spec: AggSpec): void {
  if (!spec.orderBy) return;
  const d = spec.orderBy.descending ? -1 : 1;
  parts.sort((a, b) => (a.k === null ? (b.k === null ? 0 : 1) : b.k === null ? -1 : compareValues(a.k, b.k) * d));
}

/** Argument values an aggregate sees for one row, or undefined if the row is skipped (NULL input, FILTER). */
function argsFor(spec: AggSpec, row: Row, env: Env): Value[] | undefined {
  if (spec.filter && spec.filter(row, env) !== true) return undefined;
  if (spec.star) return [];
  const vs = spec.args.map((f) => f(row, env));
  if (spec.name === "string_agg" || spec.name === "array_agg") {
    if (spec.name === "string_agg" && vs[0] === null) return undefined;
    vs.push(spec.orderBy ? spec.orderBy.fn(row, env) : null);
    return vs;
  }
  if (spec.name.startsWith("percentile")) {
    const v = spec.orderBy ? spec.orderBy.fn(row, env) : null;
    return v === null ? undefined : [v];
  }
  if (spec.name === "corr" || spec.name.startsWith("covar") || spec.name.startsWith("regr")) {
    return vs[0] === null || vs[1] === null ? undefined : vs;
  }
  if (vs[0] === null) return undefined;
  return vs;
}

export class AggregateNode implements PlanNode {
  readonly label: string;
  readonly detail = "";
  readonly children: PlanNode[];
  constructor(
    readonly child: PlanNode,
    readonly keys: readonly Fn[],
    readonly aggs: readonly AggSpec[],
    readonly cols: readonly Col[],
  ) {
    this.children = [child];
    this.label = keys.length > 0 ? "HashAggregate" : "Aggregate";
  }
  run(env: Env): Row[] {
    const rows = runNode(this.child, env);
    const out: Row[] = [];
    const stats = { batches: 0, diskBytes: 0, memoryBytes: 0 };
    this.aggregate(rows, env, 0, out, stats);
    if (this.keys.length > 0) {
      noteSpill(
        env.spill,
        this,
        stats.diskBytes > 0
          ? `Batches: ${stats.batches}  Disk Usage: ${kilobytes(stats.diskBytes)}`
          : `Batches: 1  Memory Usage: ${kilobytes(stats.memoryBytes)}`,
      );
    }
    return out;
  }

  /**
   * One pass of hash aggregation over `input`. Once the groups held exceed work_mem, rows of
   * groups not yet held go to hash partitions on disk (rows of held groups keep folding in
   * memory); each partition is then aggregated by a further pass. Every group is folded in
   * exactly one pass, so results equal the one-pass result.
   */
  private aggregate(
    input: Iterable<Row>,
    env: Env,
    level: number,
    out: Row[],
    stats: { batches: number; diskBytes: number; memoryBytes: number },
  ): void {
    stats.batches++;
    const ctx = this.keys.length > 0 && level < PARTITION_DEPTH_MAX ? env.spill : undefined;
    const groups = new Map<string, { keys: Value[]; accs: Acc[]; seen: (Set<string> | undefined)[] }>();
    const newGroup = (keys: Value[]) => ({
      keys,
      accs: this.aggs.map((a) => makeAcc(a, env)),
      seen: this.aggs.map((a) => (a.distinct ? new Set<string>() : undefined)),
    });
    const collects = this.aggs.map((a) => COLLECTING_AGGREGATES.has(a.name));
    let bytes = 0;
    let parts: Partitions | undefined;
    try {
      for (const row of input) {
        let k = "";
        const kv: Value[] = new Array(this.keys.length);
        for (let i = 0; i < this.keys.length; i++) {
          kv[i] = this.keys[i](row, env);
          k += `${hashKey(kv[i])}\u0001`;
        }
        let g = groups.get(k);
        if (!g) {
          if (parts) {
            parts.add(k, row);
            continue;
          }
          g = newGroup(kv);
          groups.set(k, g);
          bytes += GROUP_BYTES + k.length + estimateRowBytes(kv) + ACC_BYTES * this.aggs.length;
        }
        for (let i = 0; i < this.aggs.length; i++) {
          const vs = argsFor(this.aggs[i], row, env);
          if (!vs) continue;
          const seen = g.seen[i];
          if (seen) {
            const dk = hashKey(vs[0]);
            if (seen.has(dk)) continue;
            seen.add(dk);
            bytes += GROUP_BYTES + dk.length;
          }
          g.accs[i].add(vs);
          if (collects[i]) bytes += estimateRowBytes(vs);
        }
        if (ctx && !parts && bytes > ctx.workMemBytes) parts = new Partitions(ctx, AGGREGATE_PARTITIONS, level);
      }
      if (groups.size === 0 && this.keys.length === 0) groups.set("", newGroup([]));
      stats.memoryBytes = Math.max(stats.memoryBytes, bytes);
      for (const g of groups.values()) {
        const r: Row = g.keys.slice();
        for (const a of g.accs) {
          const v = a.result();
          r.push(typeof v === "bigint" ? checkInt8(v) : v);
        }
        out.push(r);
      }
      groups.clear();
      if (!parts) return;
      parts.flush();
      stats.diskBytes += parts.bytes;
      for (const f of parts.files) {
        if (f.rowCount > 0) this.aggregate(f.rows(), env, level + 1, out, stats);
        f.remove();
      }
    } finally {
      parts?.removeAll();
    }
  }
}

/** Aggregates whose state grows with every input row (their inputs count against work_mem). */
const COLLECTING_AGGREGATES = new Set([
  "string_agg",
  "array_agg",
  "median",
  "percentile_cont",
  "percentile_disc",
  "stddev",
  "stddev_samp",
  "stddev_pop",
  "variance",
  "var_samp",
  "var_pop",
  "corr",
  "covar_pop",
  "covar_samp",
  "regr_slope",
  "regr_intercept",
]);
/** Estimated heap cost of one group's map entry and of one accumulator closure. */
const GROUP_BYTES = 64;
const ACC_BYTES = 96;
/** Partitions a spilling aggregation pass writes (each a PARTITION_BLOCK_BYTES write buffer). */
const AGGREGATE_PARTITIONS = 16;
