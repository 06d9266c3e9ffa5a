// Runtime values of PL-Grizzly: every value carries its type. Constructors, NULL handling, text
// output (PostgreSQL's format) and conversion to and from the SqlValue of sql/api.ts.
// Values are immutable: assignment to a struct field builds a new struct.

import type { SqlValue } from "../api.js";
import { Decimal } from "../types/decimal.js";
import { arrayOf, type ExceptionDef, type PlType, type StructField, T, typeName } from "./types.js";

export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

export interface StructRaw {
  readonly fields: ReadonlyMap<string, PlValue>;
}

export interface ExceptionRaw {
  readonly def: ExceptionDef;
  readonly message: string;
  readonly fields: ReadonlyMap<string, PlValue>;
  readonly sqlstate: string;
  readonly line: number;
  readonly column: number;
  readonly stack: string;
}

/** An ASYNC call's outcome. Bodies are read-only, so they run at the call and the outcome waits
 * for AWAIT (or the end of the creating call) to be observed. */
export interface FutureRaw {
  readonly value: PlValue | null;
  readonly error: unknown;
  awaited: boolean;
}

export interface RangeRaw {
  readonly lo: bigint;
  readonly hi: bigint;
}

export type Raw =
  | null
  | Decimal
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | readonly PlValue[]
  | StructRaw
  | ExceptionRaw
  | FutureRaw
  | RangeRaw
  | JsonBox;

/** JSON payload boxed so `null` JSON differs from SQL NULL. */
export interface JsonBox {
  readonly json: JsonValue;
}

export interface PlValue {
  readonly t: PlType;
  readonly v: Raw;
}

export const mk = (t: PlType, v: Raw): PlValue => ({ t, v });
export const nullOf = (t: PlType): PlValue => ({ t, v: null });
export const NULL: PlValue = { t: T.unknown, v: null };
export const bool = (b: boolean | null): PlValue => ({ t: T.bool, v: b });
export const int32 = (n: number): PlValue => ({ t: T.int32, v: n });
export const int64 = (n: bigint): PlValue => ({ t: T.int64, v: n });
export const double = (n: number): PlValue => ({ t: T.double, v: n });
export const text = (s: string): PlValue => ({ t: T.text, v: s });
export const json = (j: JsonValue): PlValue => ({ t: T.json, v: { json: j } });
export const arrayValue = (elem: PlType, items: readonly PlValue[]): PlValue => ({ t: arrayOf(elem), v: items });

export function structValue(t: PlType, fields: ReadonlyMap<string, PlValue>): PlValue {
  return { t, v: { fields } };
}

export const isNull = (x: PlValue): boolean => x.v === null;

export function asNumber(x: PlValue): number {
  const v = x.v;
  return typeof v === "bigint" ? Number(v) : v instanceof Decimal ? v.toNumber() : (v as number);
}

/** NUMERIC values hold an exact Decimal (sql/types/decimal.ts), as the SQL engine does. */
export const numeric = (d: Decimal): PlValue => ({ t: T.numeric, v: d });

/** A numeric-family raw value as an exact Decimal (floats by their shortest text, as SQL). */
export function toDecimal(v: Raw): Decimal {
  if (v instanceof Decimal) return v;
  if (typeof v === "bigint") return Decimal.fromBigInt(v);
  const n = v as number;
  return Number.isInteger(n) && Math.abs(n) < 2 ** 53 ? Decimal.fromBigInt(BigInt(n)) : Decimal.fromNumber(n);
}

export function asBigInt(x: PlValue): bigint {
  const v = x.v;
  return typeof v === "bigint" ? v : v instanceof Decimal ? v.trunc() : BigInt(Math.trunc(v as number));
}

export const asItems = (x: PlValue): readonly PlValue[] => x.v as readonly PlValue[];
export const asStruct = (x: PlValue): StructRaw => x.v as StructRaw;
export const asException = (x: PlValue): ExceptionRaw => x.v as ExceptionRaw;
export const asJson = (x: PlValue): JsonValue => (x.v as JsonBox).json;

export function structFields(t: PlType): readonly StructField[] {
  return t.k === "struct" ? t.fields : [];
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, "0");
}

/** Timestamps are epoch milliseconds (UTC); dates are epoch days. */
export function formatTimestamp(ms: number, withZone: boolean): string {
  const d = new Date(ms);
  const base = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  const frac = d.getUTCMilliseconds() ? `.${pad(d.getUTCMilliseconds(), 3).replace(/0+$/, "")}` : "";
  return withZone ? `${base}${frac}+00` : `${base}${frac}`;
}

export function formatDouble(n: number): string {
  if (Number.isNaN(n)) return "NaN";
  if (n === Number.POSITIVE_INFINITY) return "Infinity";
  if (n === Number.NEGATIVE_INFINITY) return "-Infinity";
  return String(n);
}

/** PostgreSQL text output of a non-NULL value (what `||` and ::TEXT produce). */
export function formatValue(x: PlValue): string {
  const v = x.v;
  if (v === null) return "";
  switch (x.t.k) {
    case "bool":
      return v ? "true" : "false";
    case "real":
    case "double":
      return formatDouble(v as number);
    case "json":
      return JSON.stringify(asJson(x)).replace(/([,:])(?=[^\s])/g, "$1 ");
    case "timestamp":
    case "timestamptz":
      return formatTimestamp(v as number, x.t.k === "timestamptz");
    case "date":
      return formatTimestamp((v as number) * 86400000, false).slice(0, 10);
    case "bytea":
      return `\\x${Buffer.from(v as Uint8Array).toString("hex")}`;
    case "array":
      return `{${asItems(x)
        .map((e) => (e.v === null ? "NULL" : quoteArrayElem(formatValue(e))))
        .join(",")}}`;
    case "struct":
      return `(${[...asStruct(x).fields.values()].map((f) => (f.v === null ? "" : formatValue(f))).join(",")})`;
    case "exception":
      return `${(x.t as { name: string }).name}: ${asException(x).message}`;
    case "range": {
      const r = v as RangeRaw;
      return `${r.lo}..${r.hi}`;
    }
    case "future":
      return "<future>";
    default:
      return String(v);
  }
}

function quoteArrayElem(s: string): string {
  return s === "" || /[{},"\\\s]/.test(s) || s.toUpperCase() === "NULL" ? `"${s.replace(/["\\]/g, "\\$&")}"` : s;
}

/** Converts to the value crossing the SqlSession boundary (see sql/api.ts). */
export function toSqlValue(x: PlValue): SqlValue {
  const v = x.v;
  if (v === null) return null;
  switch (x.t.k) {
    case "bool":
    case "int16":
    case "int32":
    case "real":
    case "double":
      return v as boolean | number;
    case "int64":
      return v as bigint;
    case "numeric":
      return String(v);
    case "bytea":
      return v as Uint8Array;
    case "array":
      return asItems(x).map(toSqlValue);
    case "range": {
      const r = v as RangeRaw;
      const out: SqlValue[] = [];
      for (let i = r.lo; i <= r.hi; i++) out.push(i);
      return out;
    }
    default:
      return formatValue(x);
  }
}

export function describe(x: PlValue): string {
  return x.v === null ? `NULL::${typeName(x.t)}` : `${formatValue(x)}::${typeName(x.t)}`;
}
