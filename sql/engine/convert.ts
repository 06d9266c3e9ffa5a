// Conversions between engine values and the API's SqlValue (see api.ts): exact decimals become
// strings, int8 stays bigint, and parameters arriving from protocols are typed per the statement.
import type { SqlType, SqlValue } from "../api.js";
import { Decimal } from "../types/decimal.js";
import { type DataType, fromOid, T } from "../types/types.js";
import { castValue, formatValue, parseText, type Value } from "../types/values.js";

export function toSqlValue(v: Value): SqlValue {
  if (v instanceof Decimal) return v.toString();
  if (Array.isArray(v)) return v.map(toSqlValue);
  return v;
}

export function typeOfSqlType(t: SqlType): DataType {
  return fromOid(t.oid) ?? T.text;
}

/** A protocol-supplied parameter as an engine value of the given type. */
export function fromSqlValue(v: SqlValue, t: DataType): Value {
  if (v === null) return null;
  if (typeof v === "string") return t.id === "unknown" ? v : parseText(v, t);
  if (Array.isArray(v)) return v.map((x) => fromSqlValue(x, t.elem ?? T.text));
  if (typeof v === "number") {
    if (t.id === "int8") return BigInt(Math.trunc(v));
    if (t.id === "numeric") return Decimal.fromNumber(v);
    if (t.id === "text" || t.id === "varchar" || t.id === "unknown") return String(v);
    return v;
  }
  if (typeof v === "bigint") {
    if (t.id === "int8") return v;
    if (t.id === "numeric") return Decimal.fromBigInt(v);
    return castValue(v, T.int8, t);
  }
  if (typeof v === "boolean") return t.id === "bool" || t.id === "unknown" ? v : castValue(v, T.bool, t);
  return v;
}

export function formatSqlValue(v: SqlValue, t: SqlType): string | null {
  if (v === null) return null;
  const dt = typeOfSqlType(t);
  if (typeof v === "string") return v;
  return formatValue(fromSqlValue(v, dt), dt);
}
