// Encodes rows (arrays of values) into the bytes stored in the KV store and back. Tagged JSON:
// compact enough, exact for bigint/decimal/bytes. Decoded rows are cached per byte array so
// repeated scans of unchanged data do not re-parse (callers must not mutate returned rows).
import { Decimal } from "../types/decimal.js";
import type { Row, Value } from "../types/values.js";

type Encoded = null | boolean | number | string | { b: string } | { d: string } | { x: string } | Encoded[];

function enc(v: Value): Encoded {
  if (v === null || typeof v === "boolean" || typeof v === "string") return v;
  if (typeof v === "number") return Number.isFinite(v) ? v : { d: `f${v}` };
  if (typeof v === "bigint") return { b: v.toString() };
  if (v instanceof Decimal) return { d: v.toString() };
  if (v instanceof Uint8Array) return { x: Buffer.from(v).toString("base64") };
  return v.map(enc);
}

function dec(e: Encoded): Value {
  if (e === null || typeof e !== "object") return e;
  if (Array.isArray(e)) return e.map(dec);
  if ("b" in e) return BigInt(e.b);
  if ("x" in e) return new Uint8Array(Buffer.from(e.x, "base64"));
  if (e.d.startsWith("f")) return Number(e.d.slice(1));
  return Decimal.parse(e.d);
}

const cache = new WeakMap<Uint8Array, Row>();

export function encodeRow(row: readonly Value[]): Uint8Array {
  const bytes = new Uint8Array(Buffer.from(JSON.stringify(row.map(enc)), "utf8"));
  cache.set(bytes, row.slice());
  return bytes;
}

export function decodeRow(bytes: Uint8Array): Row {
  const hit = cache.get(bytes);
  if (hit) return hit;
  const row = (JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8")) as Encoded[]).map(dec);
  cache.set(bytes, row);
  return row;
}
