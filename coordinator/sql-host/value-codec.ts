// Tagged JSON for SqlValue across the coordinator-node hop: plain JSON for null, booleans,
// finite numbers, strings and arrays; objects with one tag for what JSON cannot carry exactly
// ({"i":"123"} bigint, {"b":"<base64>"} bytes, {"f":"NaN"} non-finite floats).

import type { SqlValue } from "../../sql/index.js";
import { KodiakError, SqlState } from "../../util/index.js";

type Encoded = null | boolean | number | string | Encoded[] | { i: string } | { b: string } | { f: string };

export function encodeValue(v: SqlValue): Encoded {
  if (v === null || typeof v === "boolean" || typeof v === "string") return v;
  if (typeof v === "number") return Number.isFinite(v) ? v : { f: String(v) };
  if (typeof v === "bigint") return { i: v.toString() };
  if (v instanceof Uint8Array) return { b: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64") };
  return v.map(encodeValue);
}

export function decodeValue(e: unknown): SqlValue {
  if (e === null || typeof e === "boolean" || typeof e === "number" || typeof e === "string") return e;
  if (Array.isArray(e)) return e.map(decodeValue);
  if (typeof e === "object") {
    const o = e as Record<string, unknown>;
    if (typeof o.i === "string") return BigInt(o.i);
    if (typeof o.b === "string") return new Uint8Array(Buffer.from(o.b, "base64"));
    if (typeof o.f === "string") return Number(o.f);
  }
  throw new KodiakError(SqlState.protocolViolation, "malformed value in a SQL host message");
}

export function encodeRows(rows: readonly (readonly SqlValue[])[]): Buffer {
  return Buffer.from(JSON.stringify(rows.map((r) => r.map(encodeValue))));
}

export function decodeRows(bytes: Uint8Array): SqlValue[][] {
  if (bytes.byteLength === 0) return [];
  const parsed: unknown = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8"));
  if (!Array.isArray(parsed)) throw new KodiakError(SqlState.protocolViolation, "malformed rows in a SQL host message");
  return parsed.map((r) => {
    if (!Array.isArray(r)) throw new KodiakError(SqlState.protocolViolation, "malformed row in a SQL host message");
    return r.map(decodeValue);
  });
}

export function encodeParams(params: readonly SqlValue[]): Buffer {
  return Buffer.from(JSON.stringify(params.map(encodeValue)));
}

export function decodeParams(bytes: Uint8Array): SqlValue[] {
  const rows = decodeRows(Buffer.concat([Buffer.from("["), Buffer.from(bytes), Buffer.from("]")]));
  return rows[0] ?? [];
}
