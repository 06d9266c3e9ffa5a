// Growable output buffer for backend messages: big-endian integers, C strings, raw bytes, and
// length-prefixed framing. Knows nothing about which messages exist (see backend.ts).

import { assert } from "../../util/index.js";

const INITIAL_BYTES = 4096;

export class ByteWriter {
  private buf: Buffer;
  private pos = 0;
  /** Offset of the length word of the message being written, or -1. */
  private messageStart = -1;

  constructor(initialBytes = INITIAL_BYTES) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  get length(): number {
    return this.pos;
  }

  private ensure(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + extra) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  uint8(v: number): this {
    this.ensure(1);
    this.buf.writeUInt8(v & 0xff, this.pos);
    this.pos += 1;
    return this;
  }

  int16(v: number): this {
    this.ensure(2);
    this.buf.writeInt16BE(v, this.pos);
    this.pos += 2;
    return this;
  }

  int32(v: number): this {
    this.ensure(4);
    this.buf.writeInt32BE(v, this.pos);
    this.pos += 4;
    return this;
  }

  /** NUL-terminated UTF-8 string. */
  cstring(s: string): this {
    const n = Buffer.byteLength(s, "utf8");
    this.ensure(n + 1);
    this.buf.write(s, this.pos, "utf8");
    this.pos += n;
    this.buf[this.pos++] = 0;
    return this;
  }

  /** UTF-8 string without terminator. */
  string(s: string): this {
    const n = Buffer.byteLength(s, "utf8");
    this.ensure(n);
    this.buf.write(s, this.pos, "utf8");
    this.pos += n;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  /** Starts a typed message: its type byte and a length word patched by end(). */
  begin(code: number): this {
    assert(this.messageStart < 0, "ByteWriter.begin inside an unfinished message");
    this.uint8(code);
    this.messageStart = this.pos;
    return this.int32(0);
  }

  /** Finishes the message begun last: writes its length (which counts itself, not the type byte). */
  end(): this {
    assert(this.messageStart >= 0, "ByteWriter.end without begin");
    this.buf.writeInt32BE(this.pos - this.messageStart, this.messageStart);
    this.messageStart = -1;
    return this;
  }

  /** Returns everything written so far (a copy) and resets the writer. */
  take(): Buffer {
    assert(this.messageStart < 0, "ByteWriter.take inside an unfinished message");
    const out = Buffer.from(this.buf.subarray(0, this.pos));
    this.pos = 0;
    return out;
  }
}
