// Bounds-checked reader over one message body: big-endian integers, C strings, raw bytes.
// Every overrun is a protocol violation (08P01) thrown as KodiakError, never a RangeError.

import { KodiakError, SqlState } from "../../util/index.js";

export function protocolViolation(message: string): KodiakError {
  return new KodiakError(SqlState.protocolViolation, message);
}

export class ByteReader {
  private pos = 0;

  constructor(
    private readonly buf: Buffer,
    private readonly what = "message",
  ) {}

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  private need(n: number): void {
    if (n < 0 || this.pos + n > this.buf.length) throw protocolViolation(`invalid ${this.what}: truncated`);
  }

  uint8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  int16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  int32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  cstring(): string {
    const end = this.buf.indexOf(0, this.pos);
    if (end < 0) throw protocolViolation(`invalid ${this.what}: unterminated string`);
    const s = this.buf.toString("utf8", this.pos, end);
    this.pos = end + 1;
    return s;
  }

  bytes(n: number): Buffer {
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  rest(): Buffer {
    return this.bytes(this.remaining);
  }

  /** Throws unless the whole body was consumed (trailing garbage is a violation too). */
  done(): void {
    if (this.remaining !== 0) throw protocolViolation(`invalid ${this.what}: ${this.remaining} unexpected trailing bytes`);
  }
}
