// Access-path selection for one base table: turns pushed-down predicates of the form
// `column op constant` (=, <, <=, >, >=, BETWEEN, IN list) on the leading column of the primary
// key or a secondary index into key ranges. The predicates still run as a filter on the rows.
import type { IndexMeta, TableMeta } from "../catalog/catalog.js";
import { encodeKey, type KeyRange, prefixEnd } from "../kv/index.js";
import type { Expr } from "../parser/ast.js";
import { Decimal } from "../types/decimal.js";
import { type DataType, isFloatType, isIntType } from "../types/types.js";
import { castValue, compareValues, type Value } from "../types/values.js";
import type { BoundExpr, Env } from "./context.js";

type Bound = { value: () => BoundExpr; inclusive: boolean };
interface ColumnPredicate {
  eq?: (() => BoundExpr)[];
  lower?: Bound;
  upper?: Bound;
}

export interface AccessPath {
  readonly index: IndexMeta;
  readonly ranges: (env: Env) => KeyRange[];
  readonly describe: string;
}

const isLiteralLike = (e: Expr): boolean =>
  e.kind === "literal" ||
  e.kind === "param" ||
  (e.kind === "unary" && isLiteralLike(e.operand)) ||
  (e.kind === "cast" && isLiteralLike(e.operand));

const FLIP: Record<string, string> = { "<": ">", ">": "<", "<=": ">=", ">=": "<=", "=": "=" };

/**
 * Binds on first use and keeps the result (or the binding error) for later executions: the bound
 * closure reads parameters and outer rows from the Env, so one binding serves every execution.
 */
function once(bind: () => BoundExpr): () => BoundExpr {
  let bound: BoundExpr | undefined;
  let failure: unknown;
  let failed = false;
  return () => {
    if (bound !== undefined) return bound;
    if (failed) throw failure;
    try {
      bound = bind();
      return bound;
    } catch (e) {
      failed = true;
      failure = e;
      throw e;
    }
  };
}

/** Full range of one index of a table. */
export function fullRange(table: TableMeta, indexId: number): KeyRange {
  const start = encodeKey(table.id, indexId, [], []);
  return { start, end: prefixEnd(start) };
}

export function chooseAccessPath(
  table: TableMeta,
  conjuncts: readonly Expr[],
  columnOf: (e: Expr) => number | undefined,
  bindConst: (e: Expr) => BoundExpr,
  /** Extra operands fixed during one execution of the scan (outer references of a correlated subquery). */
  isFixed: (e: Expr) => boolean = () => false,
): AccessPath | undefined {
  const isConstLike = (e: Expr): boolean => isLiteralLike(e) || isFixed(e);
  const preds = new Map<number, ColumnPredicate>();
  const get = (c: number): ColumnPredicate => {
    let p = preds.get(c);
    if (!p) {
      p = {};
      preds.set(c, p);
    }
    return p;
  };
  for (const c of conjuncts) {
    if (c.kind === "binary" && FLIP[c.op] !== undefined) {
      let col = columnOf(c.left);
      let other = c.right;
      let op = c.op;
      if (col === undefined || !isConstLike(other)) {
        col = columnOf(c.right);
        other = c.left;
        op = FLIP[c.op];
        if (col === undefined || !isConstLike(other)) continue;
      }
      const o = other;
      const v = once(() => bindConst(o));
      const p = get(col);
      if (op === "=") p.eq = [v];
      else if (op === ">" || op === ">=") p.lower = { value: v, inclusive: op === ">=" };
      else p.upper = { value: v, inclusive: op === "<=" };
    } else if (c.kind === "between" && !c.negated && !c.symmetric && isConstLike(c.low) && isConstLike(c.high)) {
      const col = columnOf(c.operand);
      if (col === undefined) continue;
      const p = get(col);
      p.lower = { value: once(() => bindConst(c.low)), inclusive: true };
      p.upper = { value: once(() => bindConst(c.high)), inclusive: true };
    } else if (c.kind === "inList" && !c.negated && c.list.length > 0 && c.list.every(isConstLike)) {
      const col = columnOf(c.operand);
      if (col === undefined) continue;
      get(col).eq = c.list.map((x) => once(() => bindConst(x)));
    }
  }
  if (preds.size === 0) return undefined;
  let best: { index: IndexMeta; pred: ColumnPredicate; score: number } | undefined;
  for (const index of table.indexes) {
    if (index.descending[0] || index.building) continue;
    const pred = preds.get(index.columns[0]);
    if (!pred) continue;
    const score = (pred.eq ? 10 : pred.lower && pred.upper ? 5 : 3) + (index.primary ? 1 : 0) + (index.unique ? 1 : 0);
    if (!best || score > best.score) best = { index, pred, score };
  }
  if (!best) return undefined;
  const { index, pred } = best;
  const colType = table.columns[index.columns[0]].type;
  const colTypes: DataType[] = [colType];
  const evalConstAs = (mk: () => BoundExpr, env: Env, type: DataType): Value | undefined => {
    try {
      const b = mk();
      const v = b.fn([], env);
      return b.type.id === "unknown" ? castValue(v, b.type, type) : v;
    } catch {
      return undefined; // let the filter raise the error, with its position
    }
  };
  const evalConst = (mk: () => BoundExpr, env: Env): Value | undefined => evalConstAs(mk, env, colType);
  const tid = table.id;
  const iid = index.id;
  const all = fullRange(table, iid);
  if (pred.eq) {
    const eqs = pred.eq;
    // Equalities on the following index columns narrow the range to a longer key prefix.
    const more: { mk: () => BoundExpr; type: DataType }[] = [];
    if (eqs.length === 1) {
      for (let k = 1; k < index.columns.length; k++) {
        const p = preds.get(index.columns[k]);
        if (p?.eq?.length !== 1) break;
        more.push({ mk: p.eq[0], type: table.columns[index.columns[k]].type });
      }
    }
    // Every primary key column fixed, with types whose key bytes are equal exactly when the values
    // are: at most one entry can match, read with a point get. (Not for secondary indexes: their
    // keys end with the primary key.)
    const exact = index.primary && more.length + 1 === index.columns.length && [colType, ...more.map((m) => m.type)].every(isExactKeyType);
    const prefixTypes = [colType, ...more.map((m) => m.type)];
    const prefixDesc = index.descending.slice(0, prefixTypes.length);
    const firstOnly = (vals: Value[]): KeyRange[] => {
      vals.sort(compareValues);
      const out: KeyRange[] = [];
      let prev: Value | undefined;
      for (const v of vals) {
        if (prev !== undefined && compareValues(prev, v) === 0) continue;
        prev = v;
        const start = encodeKey(tid, iid, [v], colTypes);
        out.push({ start, end: prefixEnd(start) });
      }
      return out;
    };
    return {
      index,
      describe: `${[index.columns[0], ...more.map((_m, k) => index.columns[k + 1])].map((c) => table.columns[c].name).join(", ")} = ...`,
      ranges: (env) => {
        const vals: Value[] = [];
        for (const mk of eqs) {
          const v = evalConst(mk, env);
          if (v === undefined) return [all];
          if (v === null) continue;
          const k = toColumnKey(v, colType, "eq");
          if (k === undefined) return [all];
          if (k !== NO_MATCH) vals.push(k.value);
        }
        if (more.length === 0 || vals.length !== 1) return firstOnly(vals);
        const prefix: Value[] = [vals[0]];
        for (const m of more) {
          const v = evalConstAs(m.mk, env, m.type);
          if (v === undefined) return firstOnly(vals);
          if (v === null) return []; // col = NULL matches nothing
          const k = toColumnKey(v, m.type, "eq");
          if (k === undefined) return firstOnly(vals);
          if (k === NO_MATCH) return [];
          prefix.push(k.value);
        }
        const start = encodeKey(tid, iid, prefix, prefixTypes, prefixDesc);
        return [exact ? { start, end: prefixEnd(start), exact: true } : { start, end: prefixEnd(start) }];
      },
    };
  }
  const { lower, upper } = pred;
  return {
    index,
    describe: `${table.columns[index.columns[0]].name} range`,
    ranges: (env) => {
      // NULLs sort first; a range predicate never matches them, so start after the NULL keys.
      let start = prefixEnd(encodeKey(tid, iid, [null], colTypes));
      let end = all.end;
      if (lower) {
        const v = evalConst(lower.value, env);
        if (v === undefined) return [all];
        if (v === null) return [];
        const c = toColumnKey(v, colType, lower.inclusive ? "ge" : "gt");
        if (c === undefined) return [all];
        if (c === NO_MATCH) return [];
        const k = encodeKey(tid, iid, [c.value], colTypes);
        start = c.inclusive ? k : prefixEnd(k);
      }
      if (upper) {
        const v = evalConst(upper.value, env);
        if (v === undefined) return [all];
        if (v === null) return [];
        const c = toColumnKey(v, colType, upper.inclusive ? "le" : "lt");
        if (c === undefined) return [all];
        if (c === NO_MATCH) return [];
        const k = encodeKey(tid, iid, [c.value], colTypes);
        end = c.inclusive ? prefixEnd(k) : k;
      }
      return Buffer.compare(start, end) < 0 ? [{ start, end }] : [];
    },
  };
}

const NO_MATCH = Symbol("no match");

/** Types whose key encoding is one-to-one with SQL equality (so an exact key is a point read). */
function isExactKeyType(t: DataType): boolean {
  return isIntType(t) || t.id === "text" || t.id === "varchar" || t.id === "bool";
}

/**
 * A probe value in the column's own representation (keys are typed), adjusting the bound when the
 * conversion is inexact (e.g. `int_col > 1.5` becomes `int_col >= 2`). undefined: cannot tell,
 * scan everything; NO_MATCH: the predicate can match no key.
 */
function toColumnKey(
  v: Value,
  colType: DataType,
  op: "eq" | "gt" | "ge" | "lt" | "le",
): { value: Value; inclusive: boolean } | typeof NO_MATCH | undefined {
  const inclusive = op !== "gt" && op !== "lt";
  if (isIntType(colType)) {
    let d: Decimal;
    if (typeof v === "number") {
      if (!Number.isFinite(v)) return undefined;
      if (Number.isInteger(v)) return { value: v, inclusive };
      d = Decimal.fromNumber(v);
    } else if (typeof v === "bigint") return { value: v, inclusive };
    else if (v instanceof Decimal) d = v;
    else return undefined;
    const t = d.trunc();
    if (d.sub(Decimal.fromBigInt(t)).isZero()) return { value: t, inclusive };
    if (op === "eq") return NO_MATCH;
    // Non-integral bound: x > 1.5 / x >= 1.5 → x >= 2 ; x < 1.5 / x <= 1.5 → x <= 1 (toward -inf for negatives).
    const floor = d.sign() < 0 ? t - 1n : t;
    return op === "gt" || op === "ge" ? { value: floor + 1n, inclusive: true } : { value: floor, inclusive: true };
  }
  if (isFloatType(colType)) {
    if (typeof v === "number") return { value: v, inclusive };
    const n = typeof v === "bigint" ? Number(v) : v instanceof Decimal ? v.toNumber() : undefined;
    if (n === undefined) return undefined;
    // Only exact conversions keep the bound precise.
    const back = typeof v === "bigint" ? BigInt(Math.trunc(n)) === v : Decimal.fromNumber(n).compare(v as Decimal) === 0;
    return back ? { value: n, inclusive } : undefined;
  }
  if (colType.id === "numeric") {
    if (v instanceof Decimal) return { value: v, inclusive };
    if (typeof v === "bigint") return { value: Decimal.fromBigInt(v), inclusive };
    if (typeof v === "number") return Number.isFinite(v) ? { value: Decimal.fromNumber(v), inclusive } : undefined;
    return undefined;
  }
  if (typeof v === "string" && (colType.id === "text" || colType.id === "varchar")) return { value: v, inclusive };
  if (typeof v === "boolean" && colType.id === "bool") return { value: v, inclusive };
  return undefined;
}
