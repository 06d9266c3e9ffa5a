// Conversions between PL-Grizzly values: parsing text into a type (untyped literals, ::casts),
// assignment conversion (implicit, section 3.3) and explicit casts (PostgreSQL's rules).

import { SqlState } from "../../util/index.js";
import { Decimal } from "../types/decimal.js";
import { plError } from "./errors.js";
import { isInteger, isNumeric, isText, type PlType, sameType, T, typeName } from "./types.js";
import {
  arrayValue,
  asItems,
  asJson,
  asNumber,
  asStruct,
  formatValue,
  type JsonValue,
  json,
  mk,
  nullOf,
  type PlValue,
  type RangeRaw,
  structValue,
  toDecimal,
} from "./values.js";

const INT_BOUNDS: Record<string, readonly [bigint, bigint]> = {
  int16: [-32768n, 32767n],
  int32: [-2147483648n, 2147483647n],
  int64: [-9223372036854775808n, 9223372036854775807n],
};

export const MAX_TEXT_BYTES = 268435456;
export const MAX_ARRAY_ELEMENTS = 16777216;

/** Builds an integer value of kind t, checking the range (22003). */
export function makeInt(t: PlType, n: bigint): PlValue {
  const b = INT_BOUNDS[t.k];
  if (b === undefined) return mk(t, Number(n));
  if (n < b[0] || n > b[1]) throw plError(SqlState.numericValueOutOfRange, `${typeName(t)} out of range`);
  return t.k === "int64" ? mk(t, n) : mk(t, Number(n));
}

function invalid(t: PlType, s: string): never {
  throw plError(SqlState.invalidTextRepresentation, `invalid input syntax for type ${typeName(t)}: "${s}"`);
}

const TS_RE = /^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(Z|[+-]\d{1,2}(?::?\d{2})?)?\s*$/i;

/** Parses 'YYYY-MM-DD[ HH:MM[:SS[.f]]][zone]' to epoch ms (UTC when no zone). */
export function parseTimestampMs(s: string, t: PlType): number {
  const m = TS_RE.exec(s);
  if (m === null) throw plError(SqlState.invalidDatetimeFormat, `invalid input syntax for type ${typeName(t)}: "${s}"`);
  const [y, mo, d, h, mi, se] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((x) => Number(x ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const ms = Number((m[7] ?? "0").padEnd(3, "0").slice(0, 3));
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 24 || mi > 59 || se > 60) {
    throw plError(SqlState.datetimeFieldOverflow, `date/time field value out of range: "${s}"`);
  }
  let off = 0;
  const z = m[8];
  if (z !== undefined && z.toUpperCase() !== "Z") {
    const sign = z.startsWith("-") ? -1 : 1;
    const digits = z.slice(1).replace(":", "");
    const oh = Number(digits.slice(0, digits.length > 2 ? digits.length - 2 : digits.length));
    const om = digits.length > 2 ? Number(digits.slice(-2)) : 0;
    off = sign * (oh * 60 + om);
  }
  const utc = Date.UTC(y, mo - 1, d, h, mi, se, ms);
  const check = new Date(Date.UTC(y, mo - 1, d));
  if (check.getUTCDate() !== d) throw plError(SqlState.datetimeFieldOverflow, `date/time field value out of range: "${s}"`);
  return utc - off * 60000;
}

/** Parses text into a value of type t (22P02 / 22007 / 22008 on bad input). */
export function parseText(s: string, t: PlType): PlValue {
  switch (t.k) {
    case "int16":
    case "int32":
    case "int64": {
      const c = s.trim().replace(/_/g, "");
      if (!/^[+-]?\d+$/.test(c)) invalid(t, s);
      return makeInt(t, BigInt(c));
    }
    case "real":
    case "double":
    case "numeric": {
      const c = s.trim();
      // NUMERIC is exact and, as in the SQL engine, has no infinity or NaN.
      if (/^[+-]?(inf|infinity)$/i.test(c) && t.k !== "numeric") return mk(t, c.startsWith("-") ? -Infinity : Infinity);
      if (/^nan$/i.test(c) && t.k !== "numeric") return mk(t, Number.NaN);
      if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(c)) invalid(t, s);
      if (t.k === "numeric") return mk(t, Decimal.parse(c));
      return mk(t, t.k === "real" ? Math.fround(Number(c)) : Number(c));
    }
    case "bool": {
      const c = s.trim().toLowerCase();
      if (["t", "true", "yes", "y", "on", "1"].includes(c)) return mk(t, true);
      if (["f", "false", "no", "n", "off", "0"].includes(c)) return mk(t, false);
      return invalid(t, s);
    }
    case "text":
    case "uuid":
    case "time":
    case "interval":
      return mk(t, s);
    case "varchar":
      return assign(mk(T.text, s), t);
    case "timestamp":
    case "timestamptz":
      return mk(t, parseTimestampMs(s, t));
    case "date":
      return mk(t, Math.floor(parseTimestampMs(s, t) / 86400000));
    case "json":
      try {
        return json(JSON.parse(s) as JsonValue);
      } catch {
        return invalid(t, s);
      }
    case "bytea":
      return mk(t, s.startsWith("\\x") ? Uint8Array.from(Buffer.from(s.slice(2), "hex")) : new TextEncoder().encode(s));
    case "unknown":
      return mk(T.text, s);
    default:
      throw plError(SqlState.cannotCoerce, `cannot cast text to ${typeName(t)}`);
  }
}

function toJson(x: PlValue): JsonValue {
  if (x.v === null) return null;
  switch (x.t.k) {
    case "json":
      return asJson(x);
    case "bool":
      return x.v as boolean;
    case "int16":
    case "int32":
    case "int64":
    case "real":
    case "double":
    case "numeric":
      return asNumber(x);
    case "array":
      return asItems(x).map(toJson);
    case "struct": {
      const o: { [k: string]: JsonValue } = {};
      for (const [k, v] of asStruct(x).fields) o[k] = toJson(v);
      return o;
    }
    default:
      return formatValue(x);
  }
}

function mismatch(from: PlType, to: PlType): never {
  throw plError(SqlState.datatypeMismatch, `value of type ${typeName(from)} cannot be assigned to ${typeName(to)}`);
}

/** Is there an implicit (assignment) conversion from a to b? Static counterpart of assign(). */
export function assignable(a: PlType, b: PlType): boolean {
  if (a.k === "unknown" || sameType(a, b)) return true;
  if (isNumeric(a) && isNumeric(b)) return true;
  if (isText(a) && isText(b)) return true;
  if (b.k === "json" && (a.k === "struct" || a.k === "array")) return true;
  if (a.k === "date" && (b.k === "timestamp" || b.k === "timestamptz")) return true;
  if (a.k === "timestamp" && b.k === "timestamptz") return true;
  if (a.k === "range" && b.k === "array" && isNumeric(b.elem)) return true;
  if (a.k === "array" && b.k === "array") return assignable(a.elem, b.elem);
  if (a.k === "struct" && b.k === "struct") {
    if (a.name !== null) return a.name === b.name;
    return (
      a.fields.length === b.fields.length && b.fields.every((f) => a.fields.some((g) => g.name === f.name && assignable(g.type, f.type)))
    );
  }
  return false;
}

/** Converts a value to type t by assignment rules (section 3.3). */
export function assign(x: PlValue, t: PlType): PlValue {
  if (t.k === "unknown" || t.k === "void" || t.k === "trigger") return x;
  if (x.v === null) {
    if (x.t.k !== "unknown" && !assignable(x.t, t)) mismatch(x.t, t);
    return nullOf(t);
  }
  if (sameType(x.t, t) && t.k !== "varchar") return x;
  const f = x.t;
  if (f.k === "unknown") return parseText(x.v as string, t);
  if (isNumeric(f) && isNumeric(t)) return convertNumber(x, t, false);
  if (isText(f) && isText(t)) {
    const s = x.v as string;
    if (t.k === "varchar" && t.n !== null && [...s].length > t.n) {
      throw plError(SqlState.stringDataRightTruncation, `value too long for type ${typeName(t)}`);
    }
    return mk(t, s);
  }
  if (t.k === "json" && (f.k === "struct" || f.k === "array")) return json(toJson(x));
  if (f.k === "date" && (t.k === "timestamp" || t.k === "timestamptz")) return mk(t, (x.v as number) * 86400000);
  if (f.k === "timestamp" && t.k === "timestamptz") return mk(t, x.v);
  if (f.k === "range" && t.k === "array") return assign(materializeRange(x), t);
  if (f.k === "array" && t.k === "array")
    return arrayValue(
      t.elem,
      asItems(x).map((e) => assign(e, t.elem)),
    );
  if (f.k === "struct" && t.k === "struct" && f.name === null && t.name !== null) {
    const unknown = f.fields.find((g) => !t.fields.some((h) => h.name === g.name));
    if (unknown !== undefined) throw plError(SqlState.undefinedColumn, `type ${t.name} has no field "${unknown.name}"`);
    const missing = t.fields.find((h) => !f.fields.some((g) => g.name === h.name));
    if (missing !== undefined) throw plError(SqlState.datatypeMismatch, `struct literal for ${t.name} is missing field "${missing.name}"`);
  }
  if (f.k === "struct" && t.k === "struct" && f.name === null && assignable(f, t)) {
    const src = asStruct(x).fields;
    return structValue(t, new Map(t.fields.map((fd) => [fd.name, assign(src.get(fd.name)!, fd.type)])));
  }
  return mismatch(f, t);
}

export function materializeRange(x: PlValue): PlValue {
  const r = x.v as RangeRaw;
  if (r.hi - r.lo + 1n > BigInt(MAX_ARRAY_ELEMENTS)) throw plError(SqlState.programLimitExceeded, "array size exceeds the maximum allowed");
  const items: PlValue[] = [];
  for (let i = r.lo; i <= r.hi; i++) items.push(mk(T.int64, i));
  return arrayValue(T.int64, items);
}

function convertNumber(x: PlValue, t: PlType, explicit: boolean): PlValue {
  const f = x.t;
  void explicit;
  if (isInteger(t)) {
    if (isInteger(f)) return makeInt(t, typeof x.v === "bigint" ? x.v : BigInt(x.v as number));
    // NUMERIC rounds half away from zero (exactly); floats round half to even (rint).
    if (f.k === "numeric") return makeInt(t, toDecimal(x.v).withScale(0).unscaled);
    const n = x.v as number;
    if (!Number.isFinite(n)) throw plError(SqlState.numericValueOutOfRange, `${typeName(t)} out of range`);
    const r = Math.round(n) - (Math.abs(n % 1) === 0.5 && Math.round(n) % 2 !== 0 ? 1 : 0);
    return makeInt(t, BigInt(r));
  }
  if (t.k === "numeric") {
    if (f.k === "numeric") return x;
    if ((f.k === "real" || f.k === "double") && !Number.isFinite(x.v as number)) {
      throw plError(SqlState.featureNotSupported, "cannot convert infinity or NaN to numeric");
    }
    return mk(t, toDecimal(x.v));
  }
  const n = asNumber(x);
  return mk(t, t.k === "real" ? Math.fround(n) : n);
}

/** Explicit cast `CAST(x AS t)` / `x::t`. */
export function cast(x: PlValue, t: PlType): PlValue {
  if (x.v === null) return nullOf(t);
  const f = x.t;
  if (f.k === "unknown") return parseText(x.v as string, t);
  if (isText(t)) return assign(mk(T.text, f.k === "json" && typeof asJson(x) === "string" ? (asJson(x) as string) : formatValue(x)), t);
  if (isText(f)) return parseText(x.v as string, t);
  if (isNumeric(f) && isNumeric(t)) return convertNumber(x, t, true);
  if (f.k === "bool" && isInteger(t)) return mk(t, t.k === "int64" ? (x.v ? 1n : 0n) : x.v ? 1 : 0);
  if (isInteger(f) && t.k === "bool") return mk(t, Number(x.v) !== 0);
  if (f.k === "json") {
    const j = asJson(x);
    if (j === null) return nullOf(t);
    if (t.k === "json") return x;
    return parseText(typeof j === "string" ? j : JSON.stringify(j), t);
  }
  if (f.k === "timestamptz" && t.k === "timestamp") return mk(t, x.v);
  if ((f.k === "timestamp" || f.k === "timestamptz") && t.k === "date") return mk(t, Math.floor((x.v as number) / 86400000));
  if (f.k === "array" && t.k === "array")
    return arrayValue(
      t.elem,
      asItems(x).map((e) => cast(e, t.elem)),
    );
  return assign(x, t);
}
