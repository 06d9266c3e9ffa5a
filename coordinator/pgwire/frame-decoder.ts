// Splits the inbound byte stream into frames. Startup-phase packets have no type byte
// (length + body); later messages are type byte + length + body. Enforces the frame limits
// before buffering a body, so a hostile length word cannot make us allocate.

import { protocolViolation } from "./byte-reader.js";
import { MAX_FRAME_BYTES, MAX_STARTUP_FRAME_BYTES } from "./constants.js";

export interface Frame {
  /** Type byte; -1 for a startup-phase packet. */
  code: number;
  body: Buffer;
}

export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** True until the startup phase ends (after the StartupMessage has been read). */
  startup = true;

  constructor(private readonly maxFrameBytes = MAX_FRAME_BYTES) {}

  get bufferedBytes(): number {
    return this.buffered;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /** True when a whole frame is buffered (a bad length counts: next() will report it). */
  hasFrame(): boolean {
    const headerBytes = this.startup ? 4 : 5;
    if (this.buffered < headerBytes) return false;
    const length = this.peek(headerBytes).readInt32BE(this.startup ? 0 : 1);
    const max = this.startup ? MAX_STARTUP_FRAME_BYTES : this.maxFrameBytes;
    return length < 4 || length > max || this.buffered >= length + headerBytes - 4;
  }

  /** The next complete frame, or undefined if more bytes are needed. Throws 08P01 on a bad length. */
  next(): Frame | undefined {
    const headerBytes = this.startup ? 4 : 5;
    if (this.buffered < headerBytes) return undefined;
    const header = this.peek(headerBytes);
    const code = this.startup ? -1 : header[0]!;
    const length = header.readInt32BE(this.startup ? 0 : 1);
    const max = this.startup ? MAX_STARTUP_FRAME_BYTES : this.maxFrameBytes;
    if (length < 4 || length > max) {
      throw protocolViolation(
        this.startup ? `invalid length of startup packet: ${length}` : `invalid message length ${length} (limit ${max})`,
      );
    }
    const total = length + (this.startup ? 0 : 1);
    if (this.buffered < total) return undefined;
    const frame = this.consume(total);
    return { code, body: frame.subarray(headerBytes) };
  }

  private peek(n: number): Buffer {
    if (this.chunks[0]!.length >= n) return this.chunks[0]!;
    this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0]!;
  }

  private consume(n: number): Buffer {
    const first = this.chunks[0]!;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
    } else {
      const all = Buffer.concat(this.chunks);
      out = all.subarray(0, n);
      this.chunks = all.length > n ? [all.subarray(n)] : [];
    }
    this.buffered -= n;
    return out;
  }
}
