// Operators beyond arithmetic and comparison: JSON access (-> ->>), bitwise integer operators
// (& | # << >>), array containment/overlap (@> <@ &&), and date arithmetic (date ± int, date - date).
import { KodiakError, SqlState } from "../../util/index.js";
import { type DataType, isIntType, T, typeDisplayName } from "../types/types.js";
import { compareValues, type Value } from "../types/values.js";
import { addInterval, formatInterval, parseInterval, scaleInterval, timestampDiff } from "../types/datetime.js";

const isNumericId = (id: string): boolean => ["int2", "int4", "int8", "numeric", "float4", "float8"].includes(id);
import type { BoundExpr, Env } from "./context.js";

const err = (code: string, msg: string, pos: number): KodiakError => new KodiakError(code, msg, { position: pos + 1 });

function make(l: BoundExpr, r: BoundExpr, type: DataType, pos: number, f: (x: Value, y: Value) => Value): BoundExpr {
  const fa = l.fn;
  const fb = r.fn;
  const out: BoundExpr = {
    fn: (row, env) => {
      const x = fa(row, env);
      if (x === null) return null;
      const y = fb(row, env);
      if (y === null) return null;
      return f(x, y);
    },
    type,
    constant: l.constant && r.constant,
    pos,
  };
  if (!out.constant) return out;
  const v = out.fn([], undefined as unknown as Env);
  return { fn: () => v, type, constant: true, pos };
}

function jsonGet(doc: unknown, key: Value): unknown {
  if (typeof key === "number" || typeof key === "bigint") {
    if (!Array.isArray(doc)) return undefined;
    const i = Number(key);
    return doc[i < 0 ? doc.length + i : i];
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) return undefined;
  return (doc as Record<string, unknown>)[String(key)];
}

const epochDay = (d: string): number => Date.parse(`${d}T00:00:00Z`) / 86_400_000;
const fromEpochDay = (n: number): string => new Date(n * 86_400_000).toISOString().slice(0, 10);

/** Binds the operator if it is one of ours; undefined lets the caller try arithmetic. */
export function bindOtherOperator(
  op: string,
  l: BoundExpr,
  r: BoundExpr,
  pos: number,
  coerce: (e: BoundExpr, t: DataType) => BoundExpr,
): BoundExpr | undefined {
  const lt = l.type.id;
  if ((op === "->" || op === "->>") && (lt === "json" || lt === "jsonb" || lt === "unknown")) {
    const doc = coerce(l, lt === "json" ? T.json : T.jsonb);
    const key = r.type.id === "unknown" ? coerce(r, T.text) : r;
    const text = op === "->>";
    return make(doc, key, text ? T.text : doc.type, pos, (x, k) => {
      const v = jsonGet(JSON.parse(x as string), k);
      if (v === undefined || (text && v === null)) return null;
      if (text && typeof v === "string") return v;
      return JSON.stringify(v);
    });
  }
  if (
    ["&", "|", "#", "<<", ">>"].includes(op) &&
    (isIntType(l.type) || lt === "unknown") &&
    (isIntType(r.type) || r.type.id === "unknown")
  ) {
    const t = l.type.id === "int8" || r.type.id === "int8" ? T.int8 : T.int4;
    const a = coerce(l, t);
    const b = coerce(r, op === "<<" || op === ">>" ? T.int4 : t);
    return make(a, b, t, pos, (x, y) => {
      if (t.id === "int8") {
        const p = x as bigint;
        const q = typeof y === "bigint" ? y : BigInt(y as number);
        const res = op === "&" ? p & q : op === "|" ? p | q : op === "#" ? p ^ q : op === "<<" ? p << q : p >> q;
        return BigInt.asIntN(64, res);
      }
      const p = x as number;
      const q = y as number;
      return op === "&" ? p & q : op === "|" ? p | q : op === "#" ? p ^ q : op === "<<" ? p << q : p >> q;
    });
  }
  if ((op === "@>" || op === "<@" || op === "&&") && (lt === "array" || r.type.id === "array")) {
    return make(l, r, T.bool, pos, (x, y) => {
      const xs = x as Value[];
      const ys = y as Value[];
      const has = (arr: Value[], v: Value) => v !== null && arr.some((e) => e !== null && compareValues(e, v) === 0);
      if (op === "&&") return xs.some((v) => has(ys, v));
      const [big, small] = op === "@>" ? [xs, ys] : [ys, xs];
      return small.every((v) => has(big, v));
    });
  }
  const rt = r.type.id;
  const isTs = (id: string): boolean => id === "timestamp" || id === "timestamptz" || id === "date";
  if (isTs(lt) && (op === "+" || op === "-") && (rt === "interval" || (rt === "unknown" && lt !== "date"))) {
    const tz = lt === "timestamptz";
    const iv = coerce(r, T.interval);
    return make(l, iv, tz ? T.timestamptz : T.timestamp, pos, (x, y) =>
      addInterval(lt === "date" ? `${x as string} 00:00:00` : (x as string), parseInterval(y as string), op === "+" ? 1 : -1, tz),
    );
  }
  if (lt === "interval" && op === "+" && isTs(rt)) {
    const tz = rt === "timestamptz";
    return make(l, r, tz ? T.timestamptz : T.timestamp, pos, (y, x) =>
      addInterval(rt === "date" ? `${x as string} 00:00:00` : (x as string), parseInterval(y as string), 1, tz),
    );
  }
  if ((lt === "timestamp" || lt === "timestamptz") && op === "-" && (rt === "timestamp" || rt === "timestamptz" || rt === "unknown")) {
    return make(l, coerce(r, l.type), T.interval, pos, (x, y) => formatInterval(timestampDiff(x as string, y as string)));
  }
  if (lt === "interval" && (op === "+" || op === "-") && (rt === "interval" || rt === "unknown")) {
    return make(l, coerce(r, T.interval), T.interval, pos, (x, y) => {
      const a = parseInterval(x as string);
      const b = parseInterval(y as string);
      const s = op === "+" ? 1 : -1;
      return formatInterval({ months: a.months + s * b.months, days: a.days + s * b.days, micros: a.micros + s * b.micros });
    });
  }
  if ((lt === "interval" && (op === "*" || op === "/") && isNumericId(rt)) || (op === "*" && rt === "interval" && isNumericId(lt))) {
    const [iv, n] = lt === "interval" ? [l, r] : [r, l];
    return make(iv, n, T.interval, pos, (x, y) => {
      const f = Number(y instanceof Object ? String(y) : y);
      if (op === "/" && f === 0) throw err(SqlState.divisionByZero, "division by zero", pos);
      return formatInterval(scaleInterval(parseInterval(x as string), op === "/" ? 1 / f : f));
    });
  }
  if (lt === "date" && (op === "+" || op === "-") && isIntType(r.type)) {
    const b = coerce(r, T.int4);
    return make(l, b, T.date, pos, (d, n) => fromEpochDay(epochDay(d as string) + (op === "+" ? 1 : -1) * (n as number)));
  }
  if (lt === "date" && op === "-" && (r.type.id === "date" || r.type.id === "unknown")) {
    return make(l, coerce(r, T.date), T.int4, pos, (a, b) => epochDay(a as string) - epochDay(b as string));
  }
  if (isIntType(l.type) && op === "+" && r.type.id === "date") {
    return make(coerce(l, T.int4), r, T.date, pos, (n, d) => fromEpochDay(epochDay(d as string) + (n as number)));
  }
  if (op === "->" || op === "->>" || op === "@>" || op === "<@" || op === "&&") {
    throw err(SqlState.undefinedFunction, `operator does not exist: ${typeDisplayName(l.type)} ${op} ${typeDisplayName(r.type)}`, pos);
  }
  return undefined;
}
