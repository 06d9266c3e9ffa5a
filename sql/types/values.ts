// Runtime values and the conversions between them: PostgreSQL text output/input, casts with
// PostgreSQL's rules (22P02 bad input, 22003 out of range), ordering and hash keys.
// Representation: bool→boolean, int2/int4/float→number, int8→bigint, numeric→Decimal,
// text-like and date/time/uuid/json→string (canonical text), bytea→Uint8Array, arrays→Value[].
import { KodiakError, SqlState } from "../../util/index.js";
import { normalizeInterval } from "./datetime.js";
import { Decimal } from "./decimal.js";
import { type DataType, T, typeDisplayName } from "./types.js";

export type Value = null | boolean | number | bigint | string | Decimal | Uint8Array | Value[];
export type Row = Value[];

const INT2_MIN = -32768;
const INT2_MAX = 32767;
const INT4_MIN = -2147483648;
const INT4_MAX = 2147483647;
export const INT8_MIN = -(2n ** 63n);
export const INT8_MAX = 2n ** 63n - 1n;

export function outOfRange(t: DataType): KodiakError {
  const what = t.id === "int2" ? "smallint" : t.id === "int4" ? "integer" : t.id === "int8" ? "bigint" : typeDisplayName(t);
  return new KodiakError(SqlState.numericValueOutOfRange, `${what} out of range`);
}

function invalidInput(t: DataType, text: string): KodiakError {
  return new KodiakError(SqlState.invalidTextRepresentation, `invalid input syntax for type ${typeDisplayName(t)}: "${text}"`);
}

export function checkInt4(v: number): number {
  if (v < INT4_MIN || v > INT4_MAX || Number.isNaN(v)) throw outOfRange(T.int4);
  return v;
}
export function checkInt2(v: number): number {
  if (v < INT2_MIN || v > INT2_MAX || Number.isNaN(v)) throw outOfRange(T.int2);
  return v;
}
export function checkInt8(v: bigint): bigint {
  if (v < INT8_MIN || v > INT8_MAX) throw outOfRange(T.int8);
  return v;
}

/** float8 text as PostgreSQL prints it (shortest round-trip digits, exponent outside 1e-4..1e15). */
export function formatFloat(x: number, float4 = false): string {
  if (Number.isNaN(x)) return "NaN";
  if (x === Number.POSITIVE_INFINITY) return "Infinity";
  if (x === Number.NEGATIVE_INFINITY) return "-Infinity";
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  let digits: string;
  if (float4) {
    const f = Math.fround(x);
    digits = f.toExponential();
    for (let p = 1; p <= 9; p++) {
      const s = f.toExponential(p - 1);
      if (Math.fround(Number(s)) === f) {
        digits = s;
        break;
      }
    }
  } else {
    digits = x.toExponential();
  }
  const [mant, expS] = digits.split("e");
  const exp = Number(expS);
  if (exp < -4 || exp >= (float4 ? 6 : 15)) {
    const a = Math.abs(exp);
    return `${mant}e${exp < 0 ? "-" : "+"}${a < 10 ? "0" : ""}${a}`;
  }
  return String(Number(digits));
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

/** PostgreSQL text output for a value of a type (null for SQL NULL). */
export function formatValue(v: Value, t: DataType): string | null {
  if (v === null) return null;
  switch (typeof v) {
    case "boolean":
      return v ? "t" : "f";
    case "number":
      if (t.id === "float4") return formatFloat(v, true);
      if (t.id === "float8") return formatFloat(v);
      return String(v);
    case "bigint":
      return v.toString();
    case "string":
      return v;
  }
  if (v instanceof Decimal) return v.toString();
  if (v instanceof Uint8Array) return `\\x${hex(v)}`;
  const elem = t.elem ?? T.text;
  return `{${v
    .map((e) => {
      const s = formatValue(e, elem);
      if (s === null) return "NULL";
      return /^$|[{},"\\\s]|^null$/i.test(s) ? `"${s.replace(/(["\\])/g, "\\$1")}"` : s;
    })
    .join(",")}}`;
}

const INT_RE = /^\s*[+-]?\d+\s*$/;

function parseBool(text: string, t: DataType): boolean {
  const s = text.trim().toLowerCase();
  if (["t", "true", "y", "yes", "on", "1"].includes(s)) return true;
  if (["f", "false", "n", "no", "off", "0"].includes(s)) return false;
  throw invalidInput(t, text);
}

function parseFloatText(text: string, t: DataType): number {
  const s = text.trim().toLowerCase();
  if (s === "nan") return Number.NaN;
  if (s === "infinity" || s === "+infinity" || s === "inf") return Number.POSITIVE_INFINITY;
  if (s === "-infinity" || s === "-inf") return Number.NEGATIVE_INFINITY;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(s)) throw invalidInput(t, text);
  const v = Number(s);
  if (!Number.isFinite(v))
    throw new KodiakError(SqlState.numericValueOutOfRange, `"${text}" is out of range for type ${typeDisplayName(t)}`);
  return t.id === "float4" ? Math.fround(v) : v;
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, "0");
}

function parseDate(text: string, t: DataType): string {
  const m = /^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$/.exec(text);
  if (!m) throw new KodiakError(SqlState.invalidDatetimeFormat, `invalid input syntax for type ${typeDisplayName(t)}: "${text}"`);
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const dt = new Date(Date.UTC(y, mo - 1, d));
  if (dt.getUTCMonth() !== mo - 1 || dt.getUTCDate() !== d) {
    throw new KodiakError(SqlState.datetimeFieldOverflow, `date/time field value out of range: "${text}"`);
  }
  return `${pad(y, 4)}-${pad(mo)}-${pad(d)}`;
}

function parseTime(text: string, t: DataType): string {
  const m = /^\s*(\d{1,2}):(\d{2})(?::(\d{2})(\.\d+)?)?\s*$/.exec(text);
  if (!m) throw new KodiakError(SqlState.invalidDatetimeFormat, `invalid input syntax for type ${typeDisplayName(t)}: "${text}"`);
  if (Number(m[1]) > 24 || Number(m[2]) > 59 || Number(m[3] ?? 0) > 60) {
    throw new KodiakError(SqlState.datetimeFieldOverflow, `date/time field value out of range: "${text}"`);
  }
  const frac = m[4] ? m[4].slice(0, 7).replace(/0+$/, "") : "";
  return `${pad(Number(m[1]))}:${m[2]}:${m[3] ?? "00"}${frac === "." ? "" : frac}`;
}

function parseTimestamp(text: string, t: DataType): string {
  const m = /^\s*(\d{4}-\d{1,2}-\d{1,2})(?:[ T]+(\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?\s*(z|[+-]\d{2}(?::?\d{2})?)?\s*$/i.exec(text);
  if (!m) throw new KodiakError(SqlState.invalidDatetimeFormat, `invalid input syntax for type ${typeDisplayName(t)}: "${text}"`);
  const d = parseDate(m[1], t);
  const tm = m[2] ? parseTime(m[2], t) : "00:00:00";
  if (t.id === "timestamptz") {
    const ms = Date.parse(`${d}T${tm}${m[3] ? (m[3].toLowerCase() === "z" ? "Z" : m[3].length === 3 ? `${m[3]}:00` : m[3]) : "Z"}`);
    if (Number.isNaN(ms)) throw invalidInput(t, text);
    const iso = new Date(ms).toISOString();
    const frac = /\.(\d+)/.exec(tm)?.[1];
    return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${frac ? `.${frac}` : ""}+00`;
  }
  return `${d} ${tm}`;
}

function parseUuid(text: string, t: DataType): string {
  const s = text.trim().replace(/[{}]/g, "").replace(/-/g, "").toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(s)) throw invalidInput(t, text);
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

function parseBytea(text: string): Uint8Array {
  if (text.startsWith("\\x")) {
    const h = text.slice(2);
    if (!/^([0-9a-fA-F]{2})*$/.test(h)) throw invalidInput(T.bytea, text);
    return new Uint8Array(Buffer.from(h, "hex"));
  }
  return new Uint8Array(Buffer.from(text, "utf8"));
}

function parseArray(text: string, t: DataType): Value[] {
  const s = text.trim();
  if (!s.startsWith("{") || !s.endsWith("}")) throw invalidInput(t, text);
  const body = s.slice(1, -1);
  const out: Value[] = [];
  if (body.trim() === "") return out;
  const elem = t.elem ?? T.text;
  const re = /\s*(?:"((?:[^"\\]|\\.)*)"|([^,]*?))\s*(?:,|$)/gy;
  let m: RegExpExecArray | null = re.exec(body);
  while (m !== null && m[0] !== "") {
    if (m[1] !== undefined) out.push(parseText(m[1].replace(/\\(.)/g, "$1"), elem));
    else out.push(/^null$/i.test(m[2]) ? null : parseText(m[2], elem));
    if (re.lastIndex >= body.length) break;
    m = re.exec(body);
  }
  return out;
}

function checkLength(s: string, t: DataType): string {
  if (t.typmod < 0) return s;
  const n = t.typmod - 4;
  if (t.id === "varchar" && s.length > n) {
    const trimmed = s.replace(/ +$/, "");
    if (trimmed.length > n) throw new KodiakError(SqlState.stringDataRightTruncation, `value too long for type character varying(${n})`);
    return trimmed.slice(0, n);
  }
  if (t.id === "bpchar") {
    if (s.length > n) {
      if (s.slice(n).trim() !== "") throw new KodiakError(SqlState.stringDataRightTruncation, `value too long for type character(${n})`);
      return s.slice(0, n);
    }
    return s.padEnd(n, " ");
  }
  return s;
}

/** Applies NUMERIC(p,s) to a decimal: rounds to s, 22003 if it no longer fits p digits. */
export function applyNumericTypmod(d: Decimal, t: DataType): Decimal {
  if (t.typmod < 0) return d;
  const tm = t.typmod - 4;
  const p = tm >> 16;
  const s = tm & 0xffff;
  const r = d.withScale(s);
  const intDigits = (r.unscaled < 0n ? -r.unscaled : r.unscaled).toString().length - s;
  if (intDigits > p - s && r.unscaled !== 0n) {
    throw new KodiakError(SqlState.numericValueOutOfRange, "numeric field overflow", {
      detail: `A field with precision ${p}, scale ${s} must round to an absolute value less than 10^${p - s}.`,
    });
  }
  return r;
}

/** Parses PostgreSQL text input for a type (22P02 and friends on bad input). */
export function parseText(text: string, t: DataType): Value {
  switch (t.id) {
    case "bool":
      return parseBool(text, t);
    case "int2":
    case "int4": {
      if (!INT_RE.test(text)) throw invalidInput(t, text);
      const v = Number(text);
      if (t.id === "int2" ? v < INT2_MIN || v > INT2_MAX : v < INT4_MIN || v > INT4_MAX) {
        throw new KodiakError(SqlState.numericValueOutOfRange, `value "${text.trim()}" is out of range for type ${typeDisplayName(t)}`);
      }
      return v;
    }
    case "int8": {
      if (!INT_RE.test(text)) throw invalidInput(t, text);
      const v = BigInt(text.trim());
      if (v < INT8_MIN || v > INT8_MAX)
        throw new KodiakError(SqlState.numericValueOutOfRange, `value "${text.trim()}" is out of range for type bigint`);
      return v;
    }
    case "float4":
    case "float8":
      return parseFloatText(text, t);
    case "numeric": {
      let d: Decimal;
      try {
        d = Decimal.parse(text);
      } catch {
        throw invalidInput(t, text);
      }
      return applyNumericTypmod(d, t);
    }
    case "text":
    case "unknown":
      return text;
    case "varchar":
    case "bpchar":
      return checkLength(text, t);
    case "bytea":
      return parseBytea(text);
    case "date":
      return parseDate(text, t);
    case "time":
      return parseTime(text, t);
    case "timestamp":
    case "timestamptz":
      return parseTimestamp(text, t);
    case "interval":
      return normalizeInterval(text);
    case "json":
    case "jsonb":
      try {
        const parsed: unknown = JSON.parse(text);
        return t.id === "jsonb" ? JSON.stringify(parsed) : text;
      } catch {
        throw new KodiakError(SqlState.invalidTextRepresentation, "invalid input syntax for type json", {
          detail: `Token "${text}" is invalid.`,
        });
      }
    case "uuid":
      return parseUuid(text, t);
    case "array":
      return parseArray(text, t);
  }
}

function toBigIntChecked(v: Value, from: DataType, to: DataType): bigint {
  if (typeof v === "bigint") return v;
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw outOfRange(to);
    return BigInt(Math.round(v)); // PostgreSQL rounds half to even for floats; round() is close enough here
  }
  if (v instanceof Decimal) return v.withScale(0).unscaled;
  if (typeof v === "boolean") return v ? 1n : 0n;
  throw cannotCast(from, to);
}

export function cannotCast(from: DataType, to: DataType): KodiakError {
  return new KodiakError(SqlState.cannotCoerce, `cannot cast type ${typeDisplayName(from)} to ${typeDisplayName(to)}`);
}

function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Explicit/implicit cast of a runtime value between types (PostgreSQL semantics). */
export function castValue(v: Value, from: DataType, to: DataType): Value {
  if (v === null) return null;
  if (from.id === to.id && to.id !== "numeric" && to.id !== "varchar" && to.id !== "bpchar" && to.typmod === -1) return v;
  if (typeof v === "string" && (from.id === "text" || from.id === "unknown" || from.id === "varchar" || from.id === "bpchar")) {
    if (to.id === "text" || to.id === "unknown") return from.id === "bpchar" ? v.replace(/ +$/, "") : v;
    if (to.id === "bytea" && from.id !== "unknown") return new Uint8Array(Buffer.from(v, "utf8"));
    return parseText(from.id === "bpchar" ? v.replace(/ +$/, "") : v, to);
  }
  switch (to.id) {
    case "int2":
    case "int4": {
      let n: number;
      if (typeof v === "number") {
        if (!Number.isFinite(v)) throw outOfRange(to);
        n = from.id === "float4" || from.id === "float8" ? roundHalfEven(v) : v;
      } else if (typeof v === "boolean") {
        if (to.id !== "int4") throw cannotCast(from, to);
        n = v ? 1 : 0;
      } else {
        const b = toBigIntChecked(v, from, to);
        if (b < BigInt(INT4_MIN) || b > BigInt(INT4_MAX)) throw outOfRange(to);
        n = Number(b);
      }
      return to.id === "int2" ? checkInt2(n) : checkInt4(n);
    }
    case "int8": {
      if (typeof v === "number" && (from.id === "float4" || from.id === "float8")) {
        if (!Number.isFinite(v) || Math.abs(v) >= 2 ** 63) throw outOfRange(to);
        return BigInt(roundHalfEven(v));
      }
      return checkInt8(toBigIntChecked(v, from, to));
    }
    case "float4":
    case "float8": {
      let f: number;
      if (typeof v === "number") f = v;
      else if (typeof v === "bigint") f = Number(v);
      else if (v instanceof Decimal) f = v.toNumber();
      else throw cannotCast(from, to);
      if (to.id === "float4") {
        const r = Math.fround(f);
        if (!Number.isFinite(r) && Number.isFinite(f)) throw outOfRange(to);
        return r;
      }
      return f;
    }
    case "numeric": {
      let d: Decimal;
      if (v instanceof Decimal) d = v;
      else if (typeof v === "bigint") d = Decimal.fromBigInt(v);
      else if (typeof v === "number") d = Decimal.fromNumber(v);
      else throw cannotCast(from, to);
      return applyNumericTypmod(d, to);
    }
    case "bool":
      if (typeof v === "number" && from.id === "int4") return v !== 0;
      throw cannotCast(from, to);
    case "text":
    case "varchar":
    case "bpchar": {
      const s = formatValue(v, from) ?? "";
      return to.id === "text" ? s : checkLength(s, to);
    }
    case "date":
      if (typeof v === "string" && (from.id === "timestamp" || from.id === "timestamptz")) return v.slice(0, 10);
      throw cannotCast(from, to);
    case "timestamp":
    case "timestamptz":
      if (typeof v === "string" && from.id === "date") return to.id === "timestamp" ? `${v} 00:00:00` : `${v} 00:00:00+00`;
      if (typeof v === "string" && (from.id === "timestamp" || from.id === "timestamptz")) return parseTimestamp(v, to);
      throw cannotCast(from, to);
    case "json":
    case "jsonb":
      if (typeof v === "string") return parseText(v, to);
      throw cannotCast(from, to);
    case "array":
      if (Array.isArray(v) && from.id === "array") return v.map((e) => castValue(e, from.elem ?? T.text, to.elem ?? T.text));
      throw cannotCast(from, to);
    default:
      if (from.id === to.id) return v;
      throw cannotCast(from, to);
  }
}

/** Total order over non-null values of one type (callers handle NULL). Strings compare by code point. */
export function compareValues(a: Value, b: Value): number {
  if (typeof a === "number" && typeof b === "number") {
    if (a < b) return -1;
    if (a > b) return 1;
    if (a === b) return 0;
    // NaN sorts above everything, as in PostgreSQL.
    return Number.isNaN(a) ? (Number.isNaN(b) ? 0 : 1) : -1;
  }
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === "bigint" && typeof b === "bigint") return a < b ? -1 : a > b ? 1 : 0;
  if (a instanceof Decimal && b instanceof Decimal) return a.compare(b);
  if (typeof a === "boolean" && typeof b === "boolean") return a === b ? 0 : a ? 1 : -1;
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.compare(a, b);
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const x = a[i];
      const y = b[i];
      if (x === null || y === null) {
        if (x !== y) return x === null ? 1 : -1;
        continue;
      }
      const c = compareValues(x, y);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  }
  // Mixed numeric representations (e.g. after a type-changing UNION): compare as decimals.
  return toDecimal(a).compare(toDecimal(b));
}

function toDecimal(v: Value): Decimal {
  if (v instanceof Decimal) return v;
  if (typeof v === "bigint") return Decimal.fromBigInt(v);
  if (typeof v === "number") return Decimal.fromNumber(v);
  if (typeof v === "boolean") return Decimal.fromBigInt(v ? 1n : 0n);
  throw new KodiakError(SqlState.datatypeMismatch, "cannot compare values of different types");
}

/** A string that is equal for equal values (NULLs included), for hashing in joins, GROUP BY and DISTINCT. */
export function hashKey(v: Value): string {
  if (v === null) return "N";
  switch (typeof v) {
    case "number":
      return Object.is(v, -0) ? "n0" : `n${v}`;
    case "bigint":
      return `n${v}`;
    case "string":
      return `s${v}`;
    case "boolean":
      return v ? "T" : "F";
  }
  if (v instanceof Decimal) {
    const n = v.normalized();
    return n.scale === 0 ? `n${n.unscaled}` : `d${n.toString()}`;
  }
  if (v instanceof Uint8Array) return `x${hex(v)}`;
  return `[${v.map(hashKey).join(",")}]`;
}

export function rowHashKey(row: readonly Value[], idx?: readonly number[]): string {
  let s = "";
  if (idx) for (const i of idx) s += `${hashKey(row[i])}\u0001`;
  else for (const v of row) s += `${hashKey(v)}\u0001`;
  return s;
}
