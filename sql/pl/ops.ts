// Operators on PL-Grizzly values with PostgreSQL semantics: arithmetic with overflow checks,
// comparison, concatenation, CONTAINS, array overlap, IS DISTINCT FROM. NULL in → NULL out.
// AND/OR are not here: the evaluator short-circuits them (section 4.3).

import { SqlState } from "../../util/index.js";
import { Decimal } from "../types/decimal.js";
import { assign, makeInt, materializeRange, parseText } from "./cast.js";
import { plError } from "./errors.js";
import { isInteger, isNumeric, isText, numericPromote, type PlType, T, typeName } from "./types.js";
import { asItems, asJson, asNumber, asStruct, bool, formatValue, mk, nullOf, numeric, type PlValue, toDecimal } from "./values.js";

export type BinaryOp =
  | "+"
  | "-"
  | "*"
  | "/"
  | "%"
  | "^"
  | "||"
  | "="
  | "<>"
  | "<"
  | ">"
  | "<="
  | ">="
  | "CONTAINS"
  | "&&"
  | "IS DISTINCT FROM"
  | "IS NOT DISTINCT FROM";

function noOperator(op: string, a: PlType, b: PlType): never {
  throw plError(SqlState.undefinedFunction, `operator does not exist: ${typeName(a)} ${op} ${typeName(b)}`);
}

/** Resolves untyped literals against the other operand (two untyped → TEXT). */
export function resolveUnknown(a: PlValue, b: PlValue): [PlValue, PlValue] {
  if (a.t.k === "unknown" && b.t.k === "unknown")
    return [a.v === null ? mk(T.text, null) : mk(T.text, a.v), b.v === null ? mk(T.text, null) : mk(T.text, b.v)];
  if (a.t.k === "unknown") return [a.v === null ? nullOf(b.t) : parseText(a.v as string, b.t), b];
  if (b.t.k === "unknown") return [a, b.v === null ? nullOf(a.t) : parseText(b.v as string, a.t)];
  return [a, b];
}

/** Static result type of a binary operator, or 42883. Used by the definition-time checker too. */
export function binaryResultType(op: BinaryOp, a: PlType, b: PlType): PlType {
  if (a.k === "unknown" && b.k === "unknown") return binaryResultType(op, T.text, T.text);
  if (a.k === "unknown") return binaryResultType(op, op === "||" ? T.text : b, b);
  if (b.k === "unknown") return binaryResultType(op, a, op === "||" ? T.text : a);
  switch (op) {
    case "+":
      if (isText(a) && isText(b)) return T.text;
      if (isNumeric(a) && isNumeric(b)) return numericPromote(a, b);
      if ((a.k === "date" && isInteger(b)) || (b.k === "date" && isInteger(a))) return T.date;
      return noOperator(op, a, b);
    case "-":
    case "*":
    case "/":
    case "%":
      if (isNumeric(a) && isNumeric(b)) return numericPromote(a, b);
      if (op === "-" && a.k === "date" && isInteger(b)) return T.date;
      if (op === "-" && a.k === "date" && b.k === "date") return T.int32;
      return noOperator(op, a, b);
    case "^":
      if (isNumeric(a) && isNumeric(b)) return a.k === "numeric" || b.k === "numeric" ? T.numeric : T.double;
      return noOperator(op, a, b);
    case "||":
      if (a.k === "array" || b.k === "array") return a.k === "array" ? a : b;
      if (isText(a) || isText(b)) return T.text;
      return noOperator(op, a, b);
    case "CONTAINS":
      if (isText(a) && isText(b)) return T.bool;
      if (a.k === "array" || a.k === "range") return T.bool;
      return noOperator(op, a, b);
    case "&&":
      if (a.k === "bool" && b.k === "bool") return T.bool;
      if (a.k === "array" && b.k === "array") return T.bool;
      return noOperator(op, a, b);
    default:
      if (comparable(a, b)) return T.bool;
      return noOperator(op, a, b);
  }
}

function comparable(a: PlType, b: PlType): boolean {
  if (isNumeric(a) && isNumeric(b)) return true;
  if (isText(a) && isText(b)) return true;
  const dt = (t: PlType) => t.k === "date" || t.k === "timestamp" || t.k === "timestamptz";
  if (dt(a) && dt(b)) return true;
  if (a.k === "array" && b.k === "array") return comparable(a.elem, b.elem) || a.elem.k === "unknown" || b.elem.k === "unknown";
  if (a.k === "struct" && b.k === "struct") return true;
  return a.k === b.k;
}

const INT_MIN: Record<string, bigint> = { int16: -32768n, int32: -2147483648n, int64: -9223372036854775808n };

function divZero(): never {
  throw plError(SqlState.divisionByZero, "division by zero");
}

function arith(op: string, t: PlType, x: PlValue, y: PlValue): PlValue {
  if (isInteger(t)) {
    const a = typeof x.v === "bigint" ? x.v : BigInt(x.v as number);
    const b = typeof y.v === "bigint" ? y.v : BigInt(y.v as number);
    switch (op) {
      case "+":
        return makeInt(t, a + b);
      case "-":
        return makeInt(t, a - b);
      case "*":
        return makeInt(t, a * b);
      case "/":
        if (b === 0n) divZero();
        return makeInt(t, a / b);
      default:
        if (b === 0n) divZero();
        return makeInt(t, a % b);
    }
  }
  if (t.k === "numeric") return numericArith(op, toDecimal(x.v), toDecimal(y.v));
  const a = asNumber(x);
  const b = asNumber(y);
  let r: number;
  switch (op) {
    case "+":
      r = a + b;
      break;
    case "-":
      r = a - b;
      break;
    case "*":
      r = a * b;
      break;
    case "/":
      if (b === 0) divZero();
      r = a / b;
      break;
    default:
      if (b === 0) divZero();
      r = a % b;
  }
  if (!Number.isFinite(r) && Number.isFinite(a) && Number.isFinite(b))
    throw plError(SqlState.numericValueOutOfRange, `value out of range: overflow`);
  return mk(t, t.k === "real" ? Math.fround(r) : r);
}

/** NUMERIC arithmetic: exact, with the SQL engine's scale rules (sql/types/decimal.ts). */
function numericArith(op: string, a: Decimal, b: Decimal): PlValue {
  switch (op) {
    case "+":
      return numeric(a.add(b));
    case "-":
      return numeric(a.sub(b));
    case "*":
      return numeric(a.mul(b));
    case "/":
      if (b.isZero()) divZero();
      return numeric(a.div(b));
    default:
      if (b.isZero()) divZero();
      return numeric(a.mod(b));
  }
}

const isFloat = (t: PlType): boolean => t.k === "real" || t.k === "double";

/** Compares two non-NULL values of comparable types: negative, 0, positive. */
export function compareValues(a: PlValue, b: PlValue): number {
  if (isNumeric(a.t) && isNumeric(b.t)) {
    if (typeof a.v === "bigint" && typeof b.v === "bigint") return a.v < b.v ? -1 : a.v > b.v ? 1 : 0;
    // NUMERIC against an integer or NUMERIC compares exactly; against a float, as floats (SQL).
    if ((a.t.k === "numeric" || b.t.k === "numeric") && !isFloat(a.t) && !isFloat(b.t)) return toDecimal(a.v).compare(toDecimal(b.v));
    const x = asNumber(a);
    const y = asNumber(b);
    if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) ? (Number.isNaN(y) ? 0 : 1) : -1;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (a.t.k === "array" && b.t.k === "array") {
    const xs = asItems(a);
    const ys = asItems(b);
    for (let i = 0; i < Math.min(xs.length, ys.length); i++) {
      const c = compareNullable(xs[i]!, ys[i]!);
      if (c !== 0) return c;
    }
    return xs.length - ys.length;
  }
  if (a.t.k === "struct" && b.t.k === "struct") {
    const xs = [...asStruct(a).fields.values()];
    const ys = [...asStruct(b).fields.values()];
    for (let i = 0; i < Math.min(xs.length, ys.length); i++) {
      const c = compareNullable(xs[i]!, ys[i]!);
      if (c !== 0) return c;
    }
    return xs.length - ys.length;
  }
  if (a.t.k === "json") {
    const x = JSON.stringify(asJson(a));
    const y = JSON.stringify(asJson(b));
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (typeof a.v === "string" && typeof b.v === "string") return a.v < b.v ? -1 : a.v > b.v ? 1 : 0;
  if (typeof a.v === "boolean") return Number(a.v) - Number(b.v);
  if (typeof a.v === "number" && typeof b.v === "number") {
    const x = a.t.k === "date" ? a.v * 86400000 : a.v;
    const y = b.t.k === "date" ? b.v * 86400000 : b.v;
    return x - y;
  }
  const x = formatValue(a);
  const y = formatValue(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Order with NULLs last (sorting, IS DISTINCT FROM on elements). */
export function compareNullable(a: PlValue, b: PlValue): number {
  if (a.v === null) return b.v === null ? 0 : 1;
  if (b.v === null) return -1;
  return compareValues(a, b);
}

export function notDistinct(a: PlValue, b: PlValue): boolean {
  return compareNullable(a, b) === 0;
}

function containsOp(a: PlValue, b: PlValue): PlValue {
  if (isText(a.t)) return bool((a.v as string).includes(b.v as string));
  const items = a.t.k === "range" ? asItems(materializeRange(a)) : asItems(a);
  let sawNull = false;
  for (const e of items) {
    if (e.v === null) sawNull = true;
    else if (compareValues(e, b) === 0) return bool(true);
  }
  return bool(sawNull ? null : false);
}

/** Applies a binary operator (not AND/OR). */
export function binary(op: BinaryOp, left: PlValue, right: PlValue): PlValue {
  if (op === "CONTAINS" && left.t.k === "array" && right.t.k === "unknown" && right.v !== null) {
    return binary(op, left, parseText(right.v as string, left.t.elem.k === "unknown" ? T.text : left.t.elem));
  }
  const [a, b] =
    op === "CONTAINS" && left.t.k !== "unknown" && !isText(left.t)
      ? [left, right]
      : op === "||" && left.t.k !== "array" && right.t.k !== "array"
        ? [textIfUnknown(left), textIfUnknown(right)]
        : resolveUnknown(left, right);
  if (op === "IS DISTINCT FROM" || op === "IS NOT DISTINCT FROM") {
    const same = a.v === null || b.v === null ? a.v === b.v : compareValues(a, b) === 0;
    return bool(op === "IS DISTINCT FROM" ? !same : same);
  }
  const rt = binaryResultType(op, a.t, b.t);
  if (a.v === null || b.v === null) {
    if (op === "||" && (a.t.k === "array" || b.t.k === "array")) return a.v === null ? b : a;
    return nullOf(rt);
  }
  switch (op) {
    case "+":
      if (isText(a.t)) return concatText(a.v as string, b.v as string);
      if (a.t.k === "date" || b.t.k === "date") return mk(T.date, Number(a.v) + Number(b.v));
      return arith(op, rt, a, b);
    case "-":
      if (a.t.k === "date")
        return b.t.k === "date" ? mk(T.int32, (a.v as number) - (b.v as number)) : mk(T.date, (a.v as number) - Number(b.v));
      return arith(op, rt, a, b);
    case "*":
    case "/":
    case "%":
      return arith(op, rt, a, b);
    case "^": {
      const r = asNumber(a) ** asNumber(b);
      if (!Number.isFinite(r)) throw plError(SqlState.numericValueOutOfRange, "value out of range: overflow");
      return rt.k === "numeric" ? numeric(Decimal.fromNumber(r)) : mk(rt, r);
    }
    case "||":
      if (a.t.k === "array" || b.t.k === "array") {
        const xs = a.t.k === "array" ? asItems(a) : [assign(a, (rt as { elem: PlType }).elem)];
        const ys = b.t.k === "array" ? asItems(b) : [assign(b, (rt as { elem: PlType }).elem)];
        return mk(rt, [...xs, ...ys]);
      }
      return concatText(formatValue(a), formatValue(b));
    case "CONTAINS":
      return containsOp(a, b);
    case "&&":
      if (a.t.k === "bool") return bool((a.v as boolean) && (b.v as boolean));
      return bool(asItems(a).some((x) => x.v !== null && asItems(b).some((y) => y.v !== null && compareValues(x, y) === 0)));
    case "=":
      return bool(compareValues(a, b) === 0);
    case "<>":
      return bool(compareValues(a, b) !== 0);
    case "<":
      return bool(compareValues(a, b) < 0);
    case ">":
      return bool(compareValues(a, b) > 0);
    case "<=":
      return bool(compareValues(a, b) <= 0);
    default:
      return bool(compareValues(a, b) >= 0);
  }
}

function textIfUnknown(x: PlValue): PlValue {
  return x.t.k === "unknown" ? mk(T.text, x.v) : x;
}

function concatText(a: string, b: string): PlValue {
  if (a.length + b.length > 268435456) throw plError(SqlState.programLimitExceeded, "string too long");
  return mk(T.text, a + b);
}

export function negate(x: PlValue): PlValue {
  const v = x.t.k === "unknown" && x.v !== null ? parseText(x.v as string, T.numeric) : x;
  if (!isNumeric(v.t)) throw plError(SqlState.undefinedFunction, `operator does not exist: - ${typeName(v.t)}`);
  if (v.v === null) return v;
  if (isInteger(v.t)) {
    const n = typeof v.v === "bigint" ? v.v : BigInt(v.v as number);
    if (n === INT_MIN[v.t.k]) throw plError(SqlState.numericValueOutOfRange, `${typeName(v.t)} out of range`);
    return makeInt(v.t, -n);
  }
  if (v.t.k === "numeric") return mk(v.t, toDecimal(v.v).neg());
  return mk(v.t, -(v.v as number));
}

export function not(x: PlValue): PlValue {
  if (x.t.k !== "bool" && !(x.t.k === "unknown" && x.v === null)) {
    throw plError(SqlState.datatypeMismatch, `argument of NOT must be type boolean, not type ${typeName(x.t)}`);
  }
  return x.v === null ? bool(null) : bool(!x.v);
}
