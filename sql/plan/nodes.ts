// Physical plan operators. Each produces its whole output as a batch of rows from its children's
// batches: predicates and projections run as tight loops over arrays, joins and aggregation hash
// on value keys. No operator reads the catalog; everything is decided by the planner.
import { KodiakError, SqlState } from "../../util/index.js";
import { decodeColumns, decodeRow } from "../catalog/rowcodec.js";
import type { KeyRange } from "../kv/index.js";
import { Decimal } from "../types/decimal.js";
import { compareValues, hashKey, type Row, rowHashKey, type Value } from "../types/values.js";
import { type Col, checkInterrupt, type Env, type Fn, type PlanNode, runNode } from "./context.js";

/**
 * Which stored columns a scan materializes: `columns` (1 = decode) for rows that are returned,
 * `filterColumns` (a subset) decoded first so the filter runs before the rest is decoded.
 * Columns left out are null in the row; the planner leaves out only columns no expression reads.
 */
export interface ScanProjection {
  readonly columns: Uint8Array;
  readonly filterColumns: Uint8Array | undefined;
  /** `columns` minus `filterColumns`. Masks end at their last decoded column. */
  readonly restColumns: Uint8Array | undefined;
}

export class ScanNode implements PlanNode {
  readonly label: string;
  readonly children: PlanNode[] = [];
  constructor(
    readonly cols: readonly Col[],
    tableName: string,
    readonly ranges: (env: Env) => KeyRange[],
    readonly filter: Fn | undefined,
    readonly detail: string,
    /** Index scans: entries hold the full row too (covering), so no second lookup. */
    indexName?: string,
    readonly projection?: ScanProjection,
  ) {
    this.label = indexName ? `Index Scan using ${indexName} on ${tableName}` : `Seq Scan on ${tableName}`;
  }
  run(env: Env): Row[] {
    const out: Row[] = [];
    const f = this.filter;
    const p = this.projection;
    let n = 0;
    for (const range of this.ranges(env)) {
      const entries = range.exact === true ? pointRead(env, range.start) : env.txn.scan(range);
      for (const e of entries) {
        if ((++n & 4095) === 0) checkInterrupt(env);
        if (p === undefined) {
          const row = decodeRow(e.value);
          if (f === undefined || f(row, env) === true) out.push(row);
        } else if (f === undefined) {
          out.push(decodeColumns(e.value, p.columns));
        } else if (p.filterColumns === undefined || p.restColumns === undefined) {
          const row = decodeColumns(e.value, p.columns);
          if (f(row, env) === true) out.push(row);
        } else {
          // Filter first on the columns it reads; decode the rest only for rows that pass.
          const row = decodeColumns(e.value, p.filterColumns);
          if (f(row, env) === true) out.push(decodeColumns(e.value, p.restColumns, row));
        }
      }
    }
    return out;
  }
}

/** The entry at exactly `key` as a scan would yield it (zero or one), recorded as a read. */
function pointRead(env: Env, key: Uint8Array): { value: Uint8Array }[] {
  const value = env.txn.get(key);
  return value === undefined ? [] : [{ value }];
}

export class ValuesNode implements PlanNode {
  readonly label = "Values Scan";
  readonly detail = "";
  readonly children: PlanNode[] = [];
  constructor(
    readonly cols: readonly Col[],
    readonly rows: readonly (readonly Fn[])[],
  ) {}
  run(env: Env): Row[] {
    return this.rows.map((r) => r.map((f) => f([], env)));
  }
}

export class FilterNode implements PlanNode {
  readonly label = "Filter";
  readonly children: PlanNode[];
  constructor(
    readonly child: PlanNode,
    readonly pred: Fn,
    readonly detail: string,
  ) {
    this.children = [child];
  }
  get cols(): readonly Col[] {
    return this.child.cols;
  }
  run(env: Env): Row[] {
    const rows = runNode(this.child, env);
    const p = this.pred;
    const out: Row[] = [];
    for (const r of rows) if (p(r, env) === true) out.push(r);
    return out;
  }
}

export class ProjectNode implements PlanNode {
  readonly label = "Project";
  readonly detail = "";
  readonly children: PlanNode[];
  constructor(
    readonly child: PlanNode,
    readonly exprs: readonly Fn[],
    readonly cols: readonly Col[],
  ) {
    this.children = [child];
  }
  run(env: Env): Row[] {
    const rows = runNode(this.child, env);
    const fs = this.exprs;
    const n = fs.length;
    const out: Row[] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      const o: Row = new Array(n);
      for (let j = 0; j < n; j++) o[j] = fs[j](r, env);
      out[i] = o;
    }
    return out;
  }
}

export type JoinType = "inner" | "left" | "right" | "full" | "cross" | "semi" | "anti";

/** Hash join on equality keys (NULL keys never match), with an optional residual predicate. */
export class HashJoinNode implements PlanNode {
  readonly label: string;
  readonly children: PlanNode[];
  readonly cols: readonly Col[];
  constructor(
    readonly left: PlanNode,
    readonly right: PlanNode,
    readonly joinType: JoinType,
    readonly leftKeys: readonly Fn[],
    readonly rightKeys: readonly Fn[],
    readonly residual: Fn | undefined,
    readonly detail: string,
    /** Inner joins only: hash the left input (the smaller one) and probe with the right. */
    readonly buildLeft = false,
  ) {
    this.children = [left, right];
    this.cols = [...left.cols, ...right.cols];
    this.label = `Hash ${joinType === "inner" ? "" : `${joinType[0].toUpperCase()}${joinType.slice(1)} `}Join`;
  }
  run(env: Env): Row[] {
    const L = runNode(this.left, env);
    const R = runNode(this.right, env);
    if (this.buildLeft && this.joinType === "inner") return this.runBuildLeft(L, R, env);
    const key = (r: Row, fs: readonly Fn[]) => joinKey(r, fs, env);
    const table = buildJoinTable(R, this.rightKeys, env);
    const out: Row[] = [];
    const rightMatched = this.joinType === "right" || this.joinType === "full" ? new Uint8Array(R.length) : undefined;
    const nl = this.left.cols.length;
    const nr = this.right.cols.length;
    const res = this.residual;
    for (const l of L) {
      const k = key(l, this.leftKeys);
      let matched = false;
      const bucket = k === undefined ? undefined : table.get(k);
      if (bucket) {
        for (const i of bucket) {
          const row = l.concat(R[i]);
          if (res && res(row, env) !== true) continue;
          matched = true;
          if (rightMatched) rightMatched[i] = 1;
          if (this.joinType === "semi" || this.joinType === "anti") break;
          out.push(row);
        }
      }
      if (this.joinType === "semi" && matched) out.push(l);
      else if (this.joinType === "anti" && !matched) out.push(l);
      else if (!matched && (this.joinType === "left" || this.joinType === "full")) out.push(l.concat(new Array(nr).fill(null)));
    }
    if (rightMatched) for (let i = 0; i < R.length; i++) if (!rightMatched[i]) out.push(new Array(nl).fill(null).concat(R[i]));
    return out;
  }
  private runBuildLeft(L: Row[], R: Row[], env: Env): Row[] {
    const key = (r: Row, fs: readonly Fn[]) => joinKey(r, fs, env);
    const table = buildJoinTable(L, this.leftKeys, env);
    const out: Row[] = [];
    const res = this.residual;
    for (const r of R) {
      const k = key(r, this.rightKeys);
      const bucket = k === undefined ? undefined : table.get(k);
      if (!bucket) continue;
      for (const i of bucket) {
        const row = L[i].concat(r);
        if (res && res(row, env) !== true) continue;
        out.push(row);
      }
    }
    return out;
  }
}

export class NestedLoopJoinNode implements PlanNode {
  readonly label: string;
  readonly children: PlanNode[];
  readonly cols: readonly Col[];
  constructor(
    readonly left: PlanNode,
    readonly right: PlanNode,
    readonly joinType: JoinType,
    readonly pred: Fn | undefined,
    readonly detail: string,
  ) {
    this.children = [left, right];
    this.cols = [...left.cols, ...right.cols];
    this.label = `Nested Loop${joinType === "inner" || joinType === "cross" ? "" : ` ${joinType[0].toUpperCase()}${joinType.slice(1)} Join`}`;
  }
  run(env: Env): Row[] {
    const L = runNode(this.left, env);
    const R = runNode(this.right, env);
    const out: Row[] = [];
    const p = this.pred;
    const nl = this.left.cols.length;
    const nr = this.right.cols.length;
    const rightMatched = this.joinType === "right" || this.joinType === "full" ? new Uint8Array(R.length) : undefined;
    for (const l of L) {
      checkInterrupt(env);
      let matched = false;
      for (let i = 0; i < R.length; i++) {
        const row = l.concat(R[i]);
        if (p && p(row, env) !== true) continue;
        matched = true;
        if (rightMatched) rightMatched[i] = 1;
        out.push(row);
      }
      if (!matched && (this.joinType === "left" || this.joinType === "full")) out.push(l.concat(new Array(nr).fill(null)));
    }
    if (rightMatched) for (let i = 0; i < R.length; i++) if (!rightMatched[i]) out.push(new Array(nl).fill(null).concat(R[i]));
    return out;
  }
}

export interface SortKey {
  readonly index: number;
  readonly descending: boolean;
  readonly nullsFirst: boolean;
}

export function compareRows(keys: readonly SortKey[]): (a: Row, b: Row) => number {
  return (a, b) => {
    for (const k of keys) {
      const x = a[k.index];
      const y = b[k.index];
      if (x === null || y === null) {
        if (x === y) continue;
        return (x === null) === k.nullsFirst ? -1 : 1;
      }
      const c = compareValues(x, y);
      if (c !== 0) return k.descending ? -c : c;
    }
    return 0;
  };
}

export class SortNode implements PlanNode {
  readonly label = "Sort";
  readonly children: PlanNode[];
  constructor(
    readonly child: PlanNode,
    readonly keys: readonly SortKey[],
    readonly detail: string,
  ) {
    this.children = [child];
  }
  get cols(): readonly Col[] {
    return this.child.cols;
  }
  run(env: Env): Row[] {
    const rows = runNode(this.child, env).slice();
    rows.sort(compareRows(this.keys));
    return rows;
  }
}

export class LimitNode implements PlanNode {
  readonly label = "Limit";
  readonly detail = "";
  readonly children: PlanNode[];
  constructor(
    readonly child: PlanNode,
    readonly limit: Fn | undefined,
    readonly offset: Fn | undefined,
  ) {
    this.children = [child];
  }
  get cols(): readonly Col[] {
    return this.child.cols;
  }
  run(env: Env): Row[] {
    const num = (f: Fn | undefined, what: string): number | undefined => {
      if (!f) return undefined;
      const v = f([], env);
      if (v === null) return undefined;
      const n = Number(v);
      if (n < 0) throw new KodiakError("2201W", `${what} must not be negative`);
      return n;
    };
    const lim = num(this.limit, "LIMIT");
    const off = num(this.offset, "OFFSET") ?? 0;
    const rows = runNode(this.child, env);
    return rows.slice(off, lim === undefined ? undefined : off + lim);
  }
}

export class DistinctNode implements PlanNode {
  readonly label = "HashAggregate (distinct)";
  readonly detail = "";
  readonly children: PlanNode[];
  constructor(
    readonly child: PlanNode,
    /** Columns that decide distinctness (DISTINCT ON), or all visible columns. */
    readonly keyCols: readonly number[] | undefined,
  ) {
    this.children = [child];
  }
  get cols(): readonly Col[] {
    return this.child.cols;
  }
  run(env: Env): Row[] {
    const seen = new Set<string>();
    const out: Row[] = [];
    for (const r of runNode(this.child, env)) {
      const k = rowHashKey(r, this.keyCols);
      if (seen.has(k)) continue;
      seen.add(k);
      out.push(r);
    }
    return out;
  }
}

export class SetOpNode implements PlanNode {
  readonly label: string;
  readonly detail = "";
  readonly children: PlanNode[];
  constructor(
    readonly left: PlanNode,
    readonly right: PlanNode,
    readonly op: "union" | "intersect" | "except",
    readonly all: boolean,
    readonly cols: readonly Col[],
    readonly leftCast: (r: Row) => Row,
    readonly rightCast: (r: Row) => Row,
  ) {
    this.children = [left, right];
    this.label = `${op[0].toUpperCase()}${op.slice(1)}${all ? " All" : ""}`;
  }
  run(env: Env): Row[] {
    const L = runNode(this.left, env).map(this.leftCast);
    const R = runNode(this.right, env).map(this.rightCast);
    if (this.op === "union") {
      if (this.all) return L.concat(R);
      const seen = new Set<string>();
      const out: Row[] = [];
      for (const r of L.concat(R)) {
        const k = rowHashKey(r);
        if (!seen.has(k)) {
          seen.add(k);
          out.push(r);
        }
      }
      return out;
    }
    const counts = new Map<string, number>();
    for (const r of R) {
      const k = rowHashKey(r);
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    const out: Row[] = [];
    const emitted = new Set<string>();
    for (const r of L) {
      const k = rowHashKey(r);
      const c = counts.get(k) ?? 0;
      if (this.op === "intersect") {
        if (c > 0) {
          if (this.all) {
            counts.set(k, c - 1);
            out.push(r);
          } else if (!emitted.has(k)) {
            emitted.add(k);
            out.push(r);
          }
        }
      } else if (this.all) {
        if (c > 0) counts.set(k, c - 1);
        else out.push(r);
      } else if (c === 0 && !emitted.has(k)) {
        emitted.add(k);
        out.push(r);
      }
    }
    return out;
  }
}

/** Materializes a child once per statement (CTEs, views referenced more than once). */
export class MaterializeNode implements PlanNode {
  readonly label: string;
  readonly detail = "";
  readonly children: PlanNode[];
  constructor(
    readonly child: PlanNode,
    readonly cols: readonly Col[],
    name: string,
    readonly key: object,
  ) {
    this.children = [child];
    this.label = `CTE Scan on ${name}`;
  }
  run(env: Env): Row[] {
    const hit = env.cache.get(this.key) as Row[] | undefined;
    if (hit) return hit;
    const rows = runNode(this.child, env);
    env.cache.set(this.key, rows);
    return rows;
  }
}

/** Re-labels a child's columns (subquery aliases). */
export class RenameNode implements PlanNode {
  readonly label = "Subquery Scan";
  readonly detail = "";
  readonly children: PlanNode[];
  constructor(
    readonly child: PlanNode,
    readonly cols: readonly Col[],
  ) {
    this.children = [child];
  }
  run(env: Env): Row[] {
    return runNode(this.child, env);
  }
}

/** Rows produced by a function (generate_series etc.). */
export class FunctionScanNode implements PlanNode {
  readonly children: PlanNode[] = [];
  readonly detail = "";
  constructor(
    readonly label: string,
    readonly cols: readonly Col[],
    readonly produce: (env: Env) => Row[],
  ) {}
  run(env: Env): Row[] {
    return this.produce(env);
  }
}

export type { Value };

export function invalidArgument(msg: string): KodiakError {
  return new KodiakError(SqlState.invalidParameterValue, msg);
}

/** The hash key of a row's join columns, or undefined when one is NULL (NULL never joins). */
const SAFE_INT = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * The hash key of a row's join key values (undefined when one is NULL). A single integral key is
 * its number (no string per row); numerically equal values of different types (1, 1n, 1.0) get
 * the same key either way.
 */
function joinKey(r: Row, fs: readonly Fn[], env: Env): string | number | undefined {
  if (fs.length === 1) {
    const v = fs[0](r, env);
    if (v === null) return undefined;
    if (typeof v === "number" && Number.isInteger(v)) return v;
    if (typeof v === "bigint" && v <= SAFE_INT && v >= -SAFE_INT) return Number(v);
    if (v instanceof Decimal) {
      const n = v.normalized();
      if (n.scale === 0 && n.unscaled <= SAFE_INT && n.unscaled >= -SAFE_INT) return Number(n.unscaled);
    }
    return hashKey(v);
  }
  let k = "";
  for (const f of fs) {
    const v = f(r, env);
    if (v === null) return undefined;
    k += `${hashKey(v)}\u0001`;
  }
  return k;
}

/** Row positions of `rows` grouped by join key (rows with a NULL key are left out). */
function buildJoinTable(rows: readonly Row[], keys: readonly Fn[], env: Env): Map<string | number, number[]> {
  const table = new Map<string | number, number[]>();
  for (let i = 0; i < rows.length; i++) {
    const k = joinKey(rows[i], keys, env);
    if (k === undefined) continue;
    const b = table.get(k);
    if (b) b.push(i);
    else table.set(k, [i]);
  }
  return table;
}
