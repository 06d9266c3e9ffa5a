// Framing of executor rows in spill files: [u32 byte length][row bytes], where the row bytes are
// the SQL row codec's (sql/catalog/rowcodec.ts), exact for every Value (float bits incl. -0 and
// NaN, bigint, Decimal, bytea, nested arrays). Spill files live only as long as one statement, so
// they simply follow whatever that codec is.
import { assert } from "../../../util/index.js";
import { decodeRow, encodeRow as encodeRowBytes } from "../../catalog/rowcodec.js";
import type { Row } from "../../types/values.js";

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
}

/** Appends one row as [u32 byte length][row codec bytes]. */
export function encodeRow(out: ByteSink, row: Row): void {
  const bytes = encodeRowBytes(row);
  out.reserve(4 + bytes.length);
  out.buf.writeUInt32LE(bytes.length, out.length);
  out.buf.set(bytes, out.length + 4);
  out.length += 4 + bytes.length;
}

/** Decodes the row whose length prefix starts at `pos`; returns it and the offset after it. */
export function decodeRowAt(buf: Buffer, pos: number): { row: Row; next: number } {
  const len = buf.readUInt32LE(pos);
  assert(pos + 4 + len <= buf.length, "spill codec: row runs past the buffer");
  // The row codec copies bytea values and materializes strings, so nothing returned aliases `buf`
  // (which the spill reader reuses for the next block).
  return { row: decodeRow(buf.subarray(pos + 4, pos + 4 + len)), next: pos + 4 + len };
}
