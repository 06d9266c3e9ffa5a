// Converts JavaScript parameter values to kodiak.v1.Value. The mapping (documented on
// KodiakClient.query): null/undefined→NULL, boolean→bool, bigint and safe integers→int64,
// other numbers→float64, string→text, Uint8Array→bytes, Date→timestamptz, arrays→array,
// { type, text }→typed text, other objects→jsonb.

import type { Value } from "../../proto/gen/kodiak.js";

/** A parameter value the SDK accepts. */
export type Param =
  | null
  | undefined
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | Date
  | TypedParam
  | Param[]
  | { [key: string]: unknown };

/** A value in PostgreSQL's text input format for a named type, e.g. { type: "uuid", text: "…" }. */
export interface TypedParam {
  type: string;
  text: string;
}

function isTyped(v: object): v is TypedParam {
  const o = v as Record<string, unknown>;
  return Object.keys(o).length === 2 && typeof o.type === "string" && typeof o.text === "string";
}

export function toValue(v: Param): Value {
  if (v === null || v === undefined) return { null: true };
  if (typeof v === "boolean") return { bool: v };
  if (typeof v === "bigint") return { int64: v.toString() };
  if (typeof v === "number") return Number.isSafeInteger(v) ? { int64: String(v) } : { float64: v };
  if (typeof v === "string") return { text: v };
  if (v instanceof Uint8Array) return { bytes: Buffer.from(v) };
  if (v instanceof Date) return { typed: { type: "timestamptz", text: v.toISOString() } };
  if (Array.isArray(v)) return { array: { values: v.map((e) => toValue(e)) } };
  if (isTyped(v)) return { typed: { type: v.type, text: v.text } };
  return { typed: { type: "jsonb", text: JSON.stringify(v) } };
}
