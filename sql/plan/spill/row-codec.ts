// Binary encoding of executor rows for spill files. Self-contained (not the storage row format,
// which another module owns and may change) and exact: every Value comes back identical —
// float bits (-0, NaN, ±Infinity), bigint, Decimal unscaled/scale, bytea bytes, nested arrays.
// Never used for anything durable: spill files live only as long as one statement.
import { assert } from "../../../util/index.js";
import { Decimal } from "../../types/decimal.js";
import type { Row, Value } from "../../types/values.js";

enum Tag {
  Null = 0,
  False = 1,
  True = 2,
  Float = 3,
  BigInt = 4,
  Text = 5,
  Decimal = 6,
  Bytes = 7,
  Array = 8,
}

/** Growable byte buffer that row encodings are appended to. */
export class ByteSink {
  buf: Buffer;
  length = 0;
  constructor(initialBytes = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }
  reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }
  clear(): void {
    this.length = 0;
  }
  u8(v: number): void {
    this.reserve(1);
    this.buf[this.length++] = v;
  }
  u32(v: number): void {
    this.reserve(4);
    this.buf.writeUInt32LE(v, this.length);
    this.length += 4;
  }
  f64(v: number): void {
    this.reserve(8);
    this.buf.writeDoubleLE(v, this.length);
    this.length += 8;
  }
  text(s: string): void {
    const max = Buffer.byteLength(s, "utf8");
    this.u32(max);
    this.reserve(max);
    this.length += this.buf.write(s, this.length, "utf8");
  }
  bytes(b: Uint8Array): void {
    this.u32(b.length);
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
}

function encodeValue(out: ByteSink, v: Value): void {
  if (v === null) out.u8(Tag.Null);
  else if (v === true) out.u8(Tag.True);
  else if (v === false) out.u8(Tag.False);
  else if (typeof v === "number") {
    out.u8(Tag.Float);
    out.f64(v);
  } else if (typeof v === "bigint") {
    out.u8(Tag.BigInt);
    out.text(v.toString(16));
  } else if (typeof v === "string") {
    out.u8(Tag.Text);
    out.text(v);
  } else if (v instanceof Decimal) {
    out.u8(Tag.Decimal);
    out.f64(v.scale);
    out.text(v.unscaled.toString(16));
  } else if (v instanceof Uint8Array) {
    out.u8(Tag.Bytes);
    out.bytes(v);
  } else {
    assert(Array.isArray(v), "spill codec: unknown value kind");
    out.u8(Tag.Array);
    out.u32(v.length);
    for (const e of v) encodeValue(out, e);
  }
}

/** Appends one row as [u32 byte length][u32 column count][values...]. */
export function encodeRow(out: ByteSink, row: Row): void {
  const start = out.length;
  out.u32(0);
  out.u32(row.length);
  for (const v of row) encodeValue(out, v);
  out.buf.writeUInt32LE(out.length - start - 4, start);
}

function parseHexBigInt(s: string): bigint {
  return s.startsWith("-") ? -BigInt(`0x${s.slice(1)}`) : BigInt(`0x${s}`);
}

/** Reads values from a buffer at a cursor; the caller guarantees a whole row is present. */
class Cursor {
  constructor(
    readonly buf: Buffer,
    public pos: number,
  ) {}
  u32(): number {
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  f64(): number {
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }
  text(): string {
    const n = this.u32();
    const s = this.buf.toString("utf8", this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
  value(): Value {
    const tag = this.buf[this.pos++] as Tag;
    switch (tag) {
      case Tag.Null:
        return null;
      case Tag.False:
        return false;
      case Tag.True:
        return true;
      case Tag.Float:
        return this.f64();
      case Tag.BigInt:
        return parseHexBigInt(this.text());
      case Tag.Text:
        return this.text();
      case Tag.Decimal: {
        const scale = this.f64();
        return new Decimal(parseHexBigInt(this.text()), scale);
      }
      case Tag.Bytes: {
        const n = this.u32();
        const b = new Uint8Array(n);
        b.set(this.buf.subarray(this.pos, this.pos + n));
        this.pos += n;
        return b;
      }
      case Tag.Array: {
        const n = this.u32();
        const a: Value[] = new Array(n);
        for (let i = 0; i < n; i++) a[i] = this.value();
        return a;
      }
      default:
        assert(false, `spill codec: bad tag ${tag as number}`);
        return null;
    }
  }
}

/** Decodes the row whose length prefix starts at `pos`; returns it and the offset after it. */
export function decodeRowAt(buf: Buffer, pos: number): { row: Row; next: number } {
  const len = buf.readUInt32LE(pos);
  const c = new Cursor(buf, pos + 4);
  const n = c.u32();
  const row: Row = new Array(n);
  for (let i = 0; i < n; i++) row[i] = c.value();
  assert(c.pos === pos + 4 + len, "spill codec: row length mismatch");
  return { row, next: c.pos };
}
