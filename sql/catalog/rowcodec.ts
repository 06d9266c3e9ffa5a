// Encodes rows (arrays of values) into the bytes stored in the KV store and back. A compact,
// self-describing binary format: a format byte, the column count (varint), then one tagged value
// per column. Exact for every runtime value (int8 as bigint, NUMERIC as unscaled integer + scale,
// bytea as raw bytes, nested arrays). Each value's length is known from its tag and header, so a
// reader can skip columns without decoding them: scans decode only the columns a query uses
// (decodeColumns) and can run a filter before decoding the rest.
import { Decimal } from "../types/decimal.js";
import type { Row, Value } from "../types/values.js";

/** First byte of every encoded row; a different format would use a different byte. */
const FORMAT = 0x01;

enum Tag {
  Null = 0,
  False = 1,
  True = 2,
  /** A number that is an int32 (not -0): 4 bytes little-endian. */
  Int32 = 3,
  /** Any other number (fractions, -0, NaN, ±Infinity, large integers): float64. */
  Float64 = 4,
  /** A bigint with |v| <= 2^53: float64 holding it exactly. */
  BigSmall = 5,
  /** Any other bigint: varint length + decimal digits (ASCII). */
  BigText = 6,
  /** A Decimal with |unscaled| <= 2^53: zigzag varint scale, float64 unscaled. */
  DecSmall = 7,
  /** Any other Decimal: zigzag varint scale, varint length + unscaled digits (ASCII). */
  DecText = 8,
  /** A string of code points < 0x80: varint length + bytes (latin1 == utf8 here). */
  Ascii = 9,
  /** Any other string: varint byte length + UTF-8. */
  Utf8 = 10,
  /** bytea: varint length + raw bytes. */
  Bytes = 11,
  /** Array: varint element count + tagged elements. */
  Array = 12,
}

/** Node's Buffer has these (undocumented in @types/node); they skip toString's encoding dispatch. */
interface SliceBuffer extends Buffer {
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
  latin1Write(s: string, offset: number): number;
}
const SAFE_BIG = 2n ** 53n;

// ---- encoding ----

class Writer {
  buf: SliceBuffer;
  pos = 0;
  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size) as SliceBuffer;
  }
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n)) as SliceBuffer;
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }
  varint(n: number): void {
    this.ensure(8);
    while (n >= 0x80) {
      this.buf[this.pos++] = (n & 0x7f) | 0x80;
      n = Math.floor(n / 128);
    }
    this.buf[this.pos++] = n;
  }
  zigzag(n: number): void {
    this.varint(n < 0 ? -2 * n - 1 : 2 * n);
  }
  float(x: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(x, this.pos);
    this.pos += 8;
  }
  ascii(s: string): void {
    this.varint(s.length);
    this.ensure(s.length);
    this.pos += this.buf.latin1Write(s, this.pos);
  }
  raw(b: Uint8Array): void {
    this.varint(b.byteLength);
    this.ensure(b.byteLength);
    this.buf.set(b, this.pos);
    this.pos += b.byteLength;
  }
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return false;
  return true;
}

function writeValue(w: Writer, v: Value): void {
  if (v === null) {
    w.byte(Tag.Null);
    return;
  }
  switch (typeof v) {
    case "boolean":
      w.byte(v ? Tag.True : Tag.False);
      return;
    case "number":
      if ((v | 0) === v && !Object.is(v, -0)) {
        w.byte(Tag.Int32);
        w.ensure(4);
        w.buf.writeInt32LE(v, w.pos);
        w.pos += 4;
        return;
      }
      w.byte(Tag.Float64);
      w.float(v);
      return;
    case "bigint":
      if (v <= SAFE_BIG && v >= -SAFE_BIG) {
        w.byte(Tag.BigSmall);
        w.float(Number(v));
        return;
      }
      w.byte(Tag.BigText);
      w.ascii(v.toString());
      return;
    case "string":
      if (isAscii(v)) {
        w.byte(Tag.Ascii);
        w.ascii(v);
        return;
      }
      w.byte(Tag.Utf8);
      w.raw(Buffer.from(v, "utf8"));
      return;
    default:
      break;
  }
  if (v instanceof Decimal) {
    const u = v.unscaled;
    if (u <= SAFE_BIG && u >= -SAFE_BIG) {
      w.byte(Tag.DecSmall);
      w.zigzag(v.scale);
      w.float(Number(u));
      return;
    }
    w.byte(Tag.DecText);
    w.zigzag(v.scale);
    w.ascii(u.toString());
    return;
  }
  if (v instanceof Uint8Array) {
    w.byte(Tag.Bytes);
    w.raw(v);
    return;
  }
  w.byte(Tag.Array);
  w.varint(v.length);
  for (const x of v) writeValue(w, x);
}

export function encodeRow(row: readonly Value[]): Uint8Array {
  const w = new Writer(16 + row.length * 10);
  w.byte(FORMAT);
  w.varint(row.length);
  for (const v of row) writeValue(w, v);
  // A copy of exactly the used bytes: the stored value must not pin the larger scratch buffer.
  return new Uint8Array(w.buf.subarray(0, w.pos));
}

// ---- decoding ----

/** A cursor over one encoded row (reused across rows to avoid allocating per value). */
class Reader {
  buf: SliceBuffer = Buffer.alloc(0) as SliceBuffer;
  pos = 0;

  reset(bytes: Uint8Array): void {
    this.buf = (bytes instanceof Buffer ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)) as SliceBuffer;
    this.pos = 0;
  }

  varint(): number {
    const b = this.buf;
    let x = b[this.pos++];
    if (x < 0x80) return x;
    x &= 0x7f;
    let mul = 128;
    for (;;) {
      const c = b[this.pos++];
      if (c === undefined) throw corrupt();
      x += (c & 0x7f) * mul;
      if (c < 0x80) return x;
      mul *= 128;
    }
  }

  zigzag(): number {
    const z = this.varint();
    return z % 2 === 1 ? -(z + 1) / 2 : z / 2;
  }

  float(): number {
    const x = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return x;
  }

  latin1(): string {
    const n = this.varint();
    const end = this.pos + n;
    if (end > this.buf.length) throw corrupt();
    const s = this.buf.latin1Slice(this.pos, end);
    this.pos = end;
    return s;
  }

  value(): Value {
    const tag = this.buf[this.pos++];
    switch (tag) {
      case Tag.Null:
        return null;
      case Tag.False:
        return false;
      case Tag.True:
        return true;
      case Tag.Int32: {
        const x = this.buf.readInt32LE(this.pos);
        this.pos += 4;
        return x;
      }
      case Tag.Float64:
        return this.float();
      case Tag.BigSmall:
        return BigInt(this.float());
      case Tag.BigText:
        return BigInt(this.latin1());
      case Tag.DecSmall: {
        const scale = this.zigzag();
        return new Decimal(BigInt(this.float()), scale);
      }
      case Tag.DecText: {
        const scale = this.zigzag();
        return new Decimal(BigInt(this.latin1()), scale);
      }
      case Tag.Ascii:
        return this.latin1();
      case Tag.Utf8: {
        const n = this.varint();
        const s = this.buf.utf8Slice(this.pos, this.pos + n);
        this.pos += n;
        return s;
      }
      case Tag.Bytes: {
        const n = this.varint();
        const out = new Uint8Array(n);
        out.set(this.buf.subarray(this.pos, this.pos + n));
        this.pos += n;
        return out;
      }
      case Tag.Array: {
        const n = this.varint();
        const out: Value[] = new Array(n);
        for (let i = 0; i < n; i++) out[i] = this.value();
        return out;
      }
      default:
        throw corrupt();
    }
  }

  /** Moves past one value without materializing it. */
  skip(): void {
    const tag = this.buf[this.pos++];
    switch (tag) {
      case Tag.Null:
      case Tag.False:
      case Tag.True:
        return;
      case Tag.Int32:
        this.pos += 4;
        return;
      case Tag.Float64:
      case Tag.BigSmall:
        this.pos += 8;
        return;
      case Tag.DecSmall:
        this.varint();
        this.pos += 8;
        return;
      case Tag.DecText: {
        this.varint();
        const n = this.varint();
        this.pos += n;
        return;
      }
      case Tag.BigText:
      case Tag.Ascii:
      case Tag.Utf8:
      case Tag.Bytes: {
        // (not `this.pos += this.varint()`: that would add to pos as it was before the length)
        const n = this.varint();
        this.pos += n;
        return;
      }
      case Tag.Array: {
        const n = this.varint();
        for (let i = 0; i < n; i++) this.skip();
        return;
      }
      default:
        throw corrupt();
    }
  }

  /** Reads the header; returns the column count. */
  header(): number {
    if (this.buf[0] !== FORMAT) throw corrupt();
    this.pos = 1;
    return this.varint();
  }
}

function corrupt(): Error {
  return new Error("corrupt row encoding");
}

const reader = new Reader();

export function decodeRow(bytes: Uint8Array): Row {
  const r = reader;
  r.reset(bytes);
  const n = r.header();
  const row: Row = new Array(n);
  for (let i = 0; i < n; i++) row[i] = r.value();
  return row;
}

/**
 * Decodes only the columns whose flag is set in `want`; the others (and every column at or past
 * want.length) are left null, and decoding stops after the last wanted column. With `into`, fills
 * that row instead of a new one, so a scan can decode its filter columns first and the rest only
 * for rows that pass.
 */
export function decodeColumns(bytes: Uint8Array, want: Uint8Array, into?: Row): Row {
  const r = reader;
  r.reset(bytes);
  const n = r.header();
  const row: Row = into ?? new Array(n).fill(null);
  const end = Math.min(n, want.length);
  for (let i = 0; i < end; i++) {
    if (want[i] === 1) row[i] = r.value();
    else if (i < end - 1) r.skip();
  }
  return row;
}
