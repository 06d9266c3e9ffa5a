// Order-preserving byte encoding of typed tuples, for table and index keys: comparing two encoded
// keys with memcmp gives the same order as comparing the tuples column by column. Pure; no I/O.
//
// Layout of one value: a type tag byte, then the payload.
//   null 0x05 | false 0x10 | true 0x11 | int64 0x20 + 8 bytes (big-endian, sign bit flipped)
//   float64 0x28 + 8 bytes (IEEE bits; positive: sign flipped, negative: all bits inverted)
//   decimal 0x30 (negative) | 0x31 (zero) | 0x32 (positive), then a 4-byte biased exponent and
//     ASCII digits ended by 0x00 (negative: exponent and digits inverted, ended by 0xFF)
//   text 0x40 / bytes 0x41 + bytes with 0x00 escaped as 0x00 0xFF, ended by 0x00 0x01
// A descending column is its ascending encoding with every byte inverted. Every encoding is
// prefix-free, so inversion exactly reverses order, and a descending value's tag (>= 0x80) tells
// the decoder to invert it back: keys are self-describing.
//
// Deliberate choices: -0 is stored as 0 and every NaN as one canonical NaN (equal keys for
// values SQL calls equal); NaN sorts above +Infinity, as in PostgreSQL. NULL sorts first in an
// ascending column; callers wanting NULLS LAST put a flag column before it.

import { KodiakError, SqlState } from "../util/index.js";

export const TAG_NULL = 0x05;
export const TAG_FALSE = 0x10;
export const TAG_TRUE = 0x11;
export const TAG_INT = 0x20;
export const TAG_FLOAT = 0x28;
export const TAG_DEC_NEG = 0x30;
export const TAG_DEC_ZERO = 0x31;
export const TAG_DEC_POS = 0x32;
export const TAG_TEXT = 0x40;
export const TAG_BYTES = 0x41;

/** Largest encoded key accepted (bytes); the storage engine has its own limit at or above this. */
export const MAX_ENCODED_KEY_BYTES = 8192;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const EXP_BIAS = 0x80000000;

export type KeyPart =
  | { kind: "null" }
  | { kind: "bool"; value: boolean }
  | { kind: "int"; value: bigint | number }
  | { kind: "float"; value: number }
  | { kind: "decimal"; value: string }
  | { kind: "text"; value: string }
  | { kind: "bytes"; value: Uint8Array };

export type DecodedPart =
  | { kind: "null"; desc: boolean }
  | { kind: "bool"; value: boolean; desc: boolean }
  | { kind: "int"; value: bigint; desc: boolean }
  | { kind: "float"; value: number; desc: boolean }
  | { kind: "decimal"; value: string; desc: boolean }
  | { kind: "text"; value: string; desc: boolean }
  | { kind: "bytes"; value: Uint8Array; desc: boolean };

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder("utf-8", { fatal: true });
const f64 = new Float64Array(1);
const f64Bytes = new Uint8Array(f64.buffer);

/** Builds one key by appending columns; reuses its buffer between keys (call reset()). */
export class KeyWriter {
  private buf: Uint8Array;
  private len = 0;
  private start = 0;

  constructor(initialBytes = 64) {
    this.buf = new Uint8Array(initialBytes);
  }

  reset(): this {
    this.len = 0;
    return this;
  }

  get length(): number {
    return this.len;
  }

  private ensure(extra: number): void {
    const need = this.len + extra;
    if (need > MAX_ENCODED_KEY_BYTES + 64) {
      throw new KodiakError(SqlState.programLimitExceeded, `key too large: over ${MAX_ENCODED_KEY_BYTES} bytes encoded`);
    }
    if (need <= this.buf.length) return;
    const grown = new Uint8Array(Math.max(need, this.buf.length * 2));
    grown.set(this.buf.subarray(0, this.len));
    this.buf = grown;
  }

  private begin(): void {
    this.start = this.len;
  }

  private end(desc: boolean): this {
    if (desc) for (let i = this.start; i < this.len; i++) this.buf[i] = ~(this.buf[i] as number) & 0xff;
    return this;
  }

  private byte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }

  /** Raw bytes with no tag (e.g. a fixed table-id prefix the caller owns). */
  raw(bytes: Uint8Array): this {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
    return this;
  }

  null(desc = false): this {
    this.begin();
    this.byte(TAG_NULL);
    return this.end(desc);
  }

  bool(value: boolean, desc = false): this {
    this.begin();
    this.byte(value ? TAG_TRUE : TAG_FALSE);
    return this.end(desc);
  }

  int(value: bigint | number, desc = false): this {
    this.begin();
    this.ensure(9);
    this.buf[this.len++] = TAG_INT;
    if (typeof value === "number" && Number.isSafeInteger(value)) {
      // Fast path without BigInt: split into two 32-bit halves (hi is signed).
      const hi = Math.floor(value / 4294967296);
      const lo = value - hi * 4294967296;
      const h = (hi ^ 0x80000000) >>> 0;
      this.buf[this.len] = h >>> 24;
      this.buf[this.len + 1] = (h >>> 16) & 0xff;
      this.buf[this.len + 2] = (h >>> 8) & 0xff;
      this.buf[this.len + 3] = h & 0xff;
      this.buf[this.len + 4] = lo >>> 24;
      this.buf[this.len + 5] = (lo >>> 16) & 0xff;
      this.buf[this.len + 6] = (lo >>> 8) & 0xff;
      this.buf[this.len + 7] = lo & 0xff;
      this.len += 8;
      return this.end(desc);
    }
    const v = typeof value === "bigint" ? value : toBigIntExact(value);
    if (v < INT64_MIN || v > INT64_MAX) {
      this.len = this.start;
      throw new KodiakError(SqlState.numericValueOutOfRange, "bigint out of range");
    }
    let u = BigInt.asUintN(64, v) ^ (1n << 63n);
    for (let i = 7; i >= 0; i--) {
      this.buf[this.len + i] = Number(u & 0xffn);
      u >>= 8n;
    }
    this.len += 8;
    return this.end(desc);
  }

  float(value: number, desc = false): this {
    this.begin();
    this.ensure(9);
    this.buf[this.len++] = TAG_FLOAT;
    f64[0] = Number.isNaN(value) ? Number.NaN : value === 0 ? 0 : value;
    // Float64Array is little-endian on every platform Node supports; write big-endian.
    const negative = ((f64Bytes[7] as number) & 0x80) !== 0;
    for (let i = 0; i < 8; i++) {
      const b = f64Bytes[7 - i] as number;
      this.buf[this.len + i] = negative ? ~b & 0xff : i === 0 ? b ^ 0x80 : b;
    }
    this.len += 8;
    return this.end(desc);
  }

  /** An exact decimal given as text ("-12.340", "1e5", "0.001"). 22P02 if it is not a number. */
  decimal(text: string, desc = false): this {
    const d = parseDecimal(text);
    this.begin();
    if (d.digits.length === 0) {
      this.byte(TAG_DEC_ZERO);
      return this.end(desc);
    }
    const negative = d.negative;
    this.ensure(6 + d.digits.length);
    this.buf[this.len++] = negative ? TAG_DEC_NEG : TAG_DEC_POS;
    // Value = 0.d1d2d3... x 10^exponent; a larger exponent is a larger magnitude.
    let e = (d.exponent + EXP_BIAS) >>> 0;
    if (negative) e = ~e >>> 0;
    this.buf[this.len++] = e >>> 24;
    this.buf[this.len++] = (e >>> 16) & 0xff;
    this.buf[this.len++] = (e >>> 8) & 0xff;
    this.buf[this.len++] = e & 0xff;
    for (let i = 0; i < d.digits.length; i++) {
      const c = d.digits.charCodeAt(i);
      this.buf[this.len++] = negative ? ~c & 0xff : c;
    }
    this.buf[this.len++] = negative ? 0xff : 0x00;
    return this.end(desc);
  }

  text(value: string, desc = false): this {
    this.begin();
    this.byte(TAG_TEXT);
    this.escaped(textEncoder.encode(value));
    return this.end(desc);
  }

  bytes(value: Uint8Array, desc = false): this {
    this.begin();
    this.byte(TAG_BYTES);
    this.escaped(value);
    return this.end(desc);
  }

  private escaped(bytes: Uint8Array): void {
    this.ensure(bytes.length * 2 + 2);
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i] as number;
      this.buf[this.len++] = b;
      if (b === 0) this.buf[this.len++] = 0xff;
    }
    this.buf[this.len++] = 0x00;
    this.buf[this.len++] = 0x01;
  }

  part(p: KeyPart, desc = false): this {
    switch (p.kind) {
      case "null":
        return this.null(desc);
      case "bool":
        return this.bool(p.value, desc);
      case "int":
        return this.int(p.value, desc);
      case "float":
        return this.float(p.value, desc);
      case "decimal":
        return this.decimal(p.value, desc);
      case "text":
        return this.text(p.value, desc);
      case "bytes":
        return this.bytes(p.value, desc);
    }
  }

  /** A copy of the key built so far. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/** Encodes a whole tuple; `desc[i]` marks descending columns. */
export function encodeKey(parts: readonly KeyPart[], desc: readonly boolean[] = []): Uint8Array {
  const w = new KeyWriter();
  parts.forEach((p, i) => {
    w.part(p, desc[i] === true);
  });
  return w.finish();
}

/** Decodes every value of a key produced by KeyWriter/encodeKey (22P02-class error if malformed). */
export function decodeKey(key: Uint8Array): DecodedPart[] {
  const out: DecodedPart[] = [];
  let pos = 0;
  while (pos < key.length) {
    const r = decodeOne(key, pos);
    out.push(r.part);
    pos = r.next;
  }
  return out;
}

/** Decodes the value starting at `pos`; returns it and the offset just past it. */
export function decodeOne(key: Uint8Array, pos: number): { part: DecodedPart; next: number } {
  const first = key[pos];
  if (first === undefined) throw corrupt(pos, "unexpected end of key");
  const desc = first >= 0x80;
  const get = (i: number): number => {
    const b = key[i];
    if (b === undefined) throw corrupt(i, "unexpected end of key");
    return desc ? ~b & 0xff : b;
  };
  const tag = get(pos);
  let p = pos + 1;
  switch (tag) {
    case TAG_NULL:
      return { part: { kind: "null", desc }, next: p };
    case TAG_FALSE:
    case TAG_TRUE:
      return { part: { kind: "bool", value: tag === TAG_TRUE, desc }, next: p };
    case TAG_INT: {
      let u = 0n;
      for (let i = 0; i < 8; i++) u = (u << 8n) | BigInt(get(p + i));
      return { part: { kind: "int", value: BigInt.asIntN(64, u ^ (1n << 63n)), desc }, next: p + 8 };
    }
    case TAG_FLOAT: {
      const negative = (get(p) & 0x80) === 0;
      for (let i = 0; i < 8; i++) {
        const b = get(p + i);
        f64Bytes[7 - i] = negative ? ~b & 0xff : i === 0 ? b ^ 0x80 : b;
      }
      return { part: { kind: "float", value: f64[0] as number, desc }, next: p + 8 };
    }
    case TAG_DEC_ZERO:
      return { part: { kind: "decimal", value: "0", desc }, next: p };
    case TAG_DEC_NEG:
    case TAG_DEC_POS: {
      const negative = tag === TAG_DEC_NEG;
      let e = ((get(p) << 24) | (get(p + 1) << 16) | (get(p + 2) << 8) | get(p + 3)) >>> 0;
      if (negative) e = ~e >>> 0;
      const exponent = e - EXP_BIAS;
      p += 4;
      let digits = "";
      for (;;) {
        let c = get(p++);
        if (negative) c = ~c & 0xff;
        if (c === 0x00) break;
        if (c < 0x30 || c > 0x39) throw corrupt(p - 1, "bad decimal digit");
        digits += String.fromCharCode(c);
      }
      return { part: { kind: "decimal", value: formatDecimal(negative, digits, exponent), desc }, next: p };
    }
    case TAG_TEXT:
    case TAG_BYTES: {
      const bytes: number[] = [];
      for (;;) {
        const b = get(p++);
        if (b !== 0) {
          bytes.push(b);
          continue;
        }
        const n = get(p++);
        if (n === 0xff) bytes.push(0);
        else if (n === 0x01) break;
        else throw corrupt(p - 1, "bad escape");
      }
      const u8 = Uint8Array.from(bytes);
      if (tag === TAG_BYTES) return { part: { kind: "bytes", value: u8, desc }, next: p };
      try {
        return { part: { kind: "text", value: textDecoder.decode(u8), desc }, next: p };
      } catch {
        throw corrupt(pos, "invalid UTF-8 in text key");
      }
    }
    default:
      throw corrupt(pos, `unknown tag 0x${tag.toString(16)}`);
  }
}

/** The smallest key greater than every key that starts with `prefix` (undefined: no such key). */
export function prefixEnd(prefix: Uint8Array): Uint8Array | undefined {
  const out = prefix.slice();
  for (let i = out.length - 1; i >= 0; i--) {
    if ((out[i] as number) < 0xff) {
      out[i] = (out[i] as number) + 1;
      return out.subarray(0, i + 1);
    }
  }
  return undefined;
}

/** memcmp order of two byte strings: negative, zero or positive. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

interface ParsedDecimal {
  negative: boolean;
  /** Significant digits, no leading or trailing zeros; "" for zero. */
  digits: string;
  /** Value = 0.digits x 10^exponent. */
  exponent: number;
}

const DECIMAL_RE = /^\s*([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?\s*$/;

export function parseDecimal(text: string): ParsedDecimal {
  const m = DECIMAL_RE.exec(text);
  const intPart = m?.[2] ?? "";
  const fracPart = m?.[3] ?? "";
  if (m === null || intPart.length + fracPart.length === 0) {
    throw new KodiakError(SqlState.invalidTextRepresentation, `invalid input syntax for type numeric: "${text}"`);
  }
  const all = intPart + fracPart;
  let exponent = intPart.length + Number.parseInt(m[4] ?? "0", 10);
  let lead = 0;
  while (lead < all.length && all[lead] === "0") lead++;
  let trail = all.length;
  while (trail > lead && all[trail - 1] === "0") trail--;
  const digits = all.slice(lead, trail);
  exponent -= lead;
  if (digits.length === 0) return { negative: false, digits: "", exponent: 0 };
  if (!Number.isSafeInteger(exponent) || Math.abs(exponent) > 0x7fffffff) {
    throw new KodiakError(SqlState.numericValueOutOfRange, "numeric exponent out of range");
  }
  return { negative: m[1] === "-", digits, exponent };
}

/** Plain (non-scientific) text of 0.digits x 10^exponent. */
function formatDecimal(negative: boolean, digits: string, exponent: number): string {
  let s: string;
  if (exponent <= 0) s = `0.${"0".repeat(-exponent)}${digits}`;
  else if (exponent >= digits.length) s = digits + "0".repeat(exponent - digits.length);
  else s = `${digits.slice(0, exponent)}.${digits.slice(exponent)}`;
  return negative ? `-${s}` : s;
}

function toBigIntExact(n: number): bigint {
  if (!Number.isInteger(n)) throw new KodiakError(SqlState.invalidParameterValue, `not an integer: ${n}`);
  return BigInt(n);
}

function corrupt(pos: number, what: string): KodiakError {
  return new KodiakError(SqlState.dataCorrupted, `malformed key at byte ${pos}: ${what}`);
}
