// Order-preserving encoding of typed tuples into bytes for table and index keys: comparing the
// bytes compares the tuples (NULLs first, then by value). Local stand-in until storage/keycodec.ts
// lands on main; the layout is private to the SQL layer.
import { Decimal } from "../types/decimal.js";
import type { Value } from "../types/values.js";

const TAG_NULL = 0x01;
const TAG_FALSE = 0x02;
const TAG_TRUE = 0x03;
const TAG_NUM = 0x10;
const TAG_STR = 0x20;
const TAG_BYTES = 0x21;
const TAG_MAX = 0xff;

class Writer {
  buf = new Uint8Array(64);
  len = 0;
  ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const b = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    b.set(this.buf.subarray(0, this.len));
    this.buf = b;
  }
  byte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }
  bytes(bs: Uint8Array, invert: boolean): void {
    // 0x00 is escaped as 0x00 0xff and the string ends with 0x00 0x01, so prefixes sort first.
    this.ensure(bs.length * 2 + 2);
    for (const b of bs) {
      if (b === 0) {
        this.buf[this.len++] = invert ? 0xff : 0;
        this.buf[this.len++] = invert ? 0 : 0xff;
      } else this.buf[this.len++] = invert ? 0xff - b : b;
    }
    this.buf[this.len++] = invert ? 0xff : 0;
    this.buf[this.len++] = invert ? 0xfe : 1;
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

const f64 = new Float64Array(1);
const f64b = new Uint8Array(f64.buffer);

/** Encodes numbers of any representation by value (as float64 sortable bits followed by an exact decimal tail). */
function writeNumber(w: Writer, v: number | bigint | Decimal, invert: boolean): void {
  const approx = typeof v === "number" ? v : typeof v === "bigint" ? Number(v) : v.toNumber();
  f64[0] = approx === 0 ? 0 : approx;
  const bytes = new Uint8Array(8);
  for (let i = 0; i < 8; i++) bytes[i] = f64b[7 - i];
  if (bytes[0] & 0x80) for (let i = 0; i < 8; i++) bytes[i] ^= 0xff;
  else bytes[0] ^= 0x80;
  w.ensure(8);
  for (let i = 0; i < 8; i++) w.buf[w.len++] = invert ? 0xff - bytes[i] : bytes[i];
  // Exact tail so distinct large integers/decimals that round to the same double stay distinct and ordered.
  const exact =
    typeof v === "number" ? "" : (v instanceof Decimal ? v.normalized() : Decimal.fromBigInt(v)).sub(Decimal.fromNumber(approx));
  if (exact !== "" && !exact.isZero()) {
    const s = exact.sign() > 0 ? 2 : 0;
    w.byte(invert ? 0xff - s : s);
    writeNumber(w, exact.toNumber(), invert);
  } else w.byte(invert ? 0xfe : 1);
}

export function encodeValue(w: Writer, v: Value, descending: boolean): void {
  const t = (b: number): void => w.byte(descending ? 0xff - b : b);
  if (v === null) {
    t(TAG_NULL);
  } else if (typeof v === "boolean") {
    t(v ? TAG_TRUE : TAG_FALSE);
  } else if (typeof v === "number" || typeof v === "bigint" || v instanceof Decimal) {
    t(TAG_NUM);
    writeNumber(w, v, descending);
  } else if (typeof v === "string") {
    t(TAG_STR);
    w.bytes(new Uint8Array(Buffer.from(v, "utf8")), descending);
  } else if (v instanceof Uint8Array) {
    t(TAG_BYTES);
    w.bytes(v, descending);
  } else {
    t(TAG_STR);
    w.bytes(
      new Uint8Array(
        Buffer.from(
          JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? x.toString() : x)),
          "utf8",
        ),
      ),
      descending,
    );
  }
}

/** Key for (tableId, indexId, values...). `descending[i]` inverts the bytes of value i. */
export function encodeKey(tableId: number, indexId: number, values: readonly Value[], descending?: readonly boolean[]): Uint8Array {
  const w = new Writer();
  w.byte((tableId >>> 24) & 0xff);
  w.byte((tableId >>> 16) & 0xff);
  w.byte((tableId >>> 8) & 0xff);
  w.byte(tableId & 0xff);
  w.byte(indexId & 0xff);
  for (let i = 0; i < values.length; i++) encodeValue(w, values[i], descending?.[i] ?? false);
  return w.result();
}

/** The smallest key greater than every key starting with prefix. */
export function prefixEnd(prefix: Uint8Array): Uint8Array {
  const out = new Uint8Array(prefix.length + 1);
  out.set(prefix);
  out[prefix.length] = TAG_MAX;
  return out;
}
