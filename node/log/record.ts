// Byte layout of one log record and its checks. Pure functions over Uint8Array: no I/O, no state.
// Must never accept a record whose header or payload checksum fails: a wrong byte is an error, never data.
//
// Record = 16-byte header + payload, little-endian:
//   0  u32 headerCrc   crc32c(bytes 4..16) seeded with the segment's seed
//   4  u32 payloadLength
//   8  u32 payloadCrc  crc32c(payload) seeded with the segment's seed
//   12 u8  type        RecordType
//   13 u8[3] zero      reserved; non-zero means not a record
// The header has its own checksum so that a scan can test any byte offset for "is a record here?"
// cheaply (recovery must know whether valid records follow a bad one). Seeding both checksums with
// the segment's sequence number means a record copied into another segment (or inside a payload)
// never validates there.

import { assert, crc32c } from "../../util/index.js";
import type { Entry, EntryType } from "../raft/types.js";

export const RECORD_HEADER_BYTES = 16;
/** Largest payload one record may carry; a larger length field is corruption, a larger entry is refused. */
export const RECORD_PAYLOAD_MAX_BYTES = 64 * 1024 * 1024;
/** Entry payload = index u64 + term u64 + entry type u8, then the entry's data. */
export const ENTRY_PAYLOAD_FIXED_BYTES = 17;
const COMMIT_PAYLOAD_BYTES = 8;

export enum RecordType {
  /** One Raft entry. */
  entry = 1,
  /** The commit index reached (hard state's commit, batched with entries to save an fsync). */
  commit = 2,
}

const ENTRY_TYPE_CODES: Record<EntryType, number> = { normal: 0, confChange: 1 };

export function segmentSeed(seq: number): number {
  const b = new Uint8Array(12);
  b.set([0x4b, 0x44, 0x4b, 0x4c]); // "KDKL"
  writeU64(b, 4, seq);
  return crc32c(b);
}

export function writeU64(b: Uint8Array, at: number, v: number): void {
  assert(Number.isSafeInteger(v) && v >= 0, `u64 field out of range: ${v}`);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  dv.setUint32(at, v % 0x1_0000_0000, true);
  dv.setUint32(at + 4, Math.floor(v / 0x1_0000_0000), true);
}

export function readU64(b: Uint8Array, at: number): number {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const hi = dv.getUint32(at + 4, true);
  // Above 2^53 is not a value we ever write: treat as not decodable (caller's checksum passed, so it is our bug).
  assert(hi < 0x20_0000, "u64 field above 2^53");
  return hi * 0x1_0000_0000 + dv.getUint32(at, true);
}

export function entryRecordBytes(e: Entry): number {
  return RECORD_HEADER_BYTES + ENTRY_PAYLOAD_FIXED_BYTES + e.data.length;
}

export const COMMIT_RECORD_BYTES = RECORD_HEADER_BYTES + COMMIT_PAYLOAD_BYTES;

/** Writes a record header in front of a payload already placed at out[at+16 ..]. */
function sealRecord(out: Uint8Array, at: number, type: RecordType, payloadLength: number, seed: number): void {
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const p = at + RECORD_HEADER_BYTES;
  dv.setUint32(at + 4, payloadLength, true);
  dv.setUint32(at + 8, crc32c(out, seed, p, p + payloadLength), true);
  out[at + 12] = type;
  out[at + 13] = 0;
  out[at + 14] = 0;
  out[at + 15] = 0;
  dv.setUint32(at, crc32c(out, seed, at + 4, at + RECORD_HEADER_BYTES), true);
}

/** Encodes an entry record at out[at..]; returns the offset after it. */
export function encodeEntryRecord(out: Uint8Array, at: number, e: Entry, seed: number): number {
  const p = at + RECORD_HEADER_BYTES;
  writeU64(out, p, e.index);
  writeU64(out, p + 8, e.term);
  out[p + 16] = ENTRY_TYPE_CODES[e.type];
  out.set(e.data, p + ENTRY_PAYLOAD_FIXED_BYTES);
  const payloadLength = ENTRY_PAYLOAD_FIXED_BYTES + e.data.length;
  sealRecord(out, at, RecordType.entry, payloadLength, seed);
  return p + payloadLength;
}

export function encodeCommitRecord(out: Uint8Array, at: number, commit: number, seed: number): number {
  const p = at + RECORD_HEADER_BYTES;
  writeU64(out, p, commit);
  sealRecord(out, at, RecordType.commit, COMMIT_PAYLOAD_BYTES, seed);
  return p + COMMIT_PAYLOAD_BYTES;
}

export type ParsedRecord = { ok: true; type: RecordType; payloadStart: number; end: number } | { ok: false; reason: string };

/** Checks the record starting at buf[at] (buf ends at `end`). Never throws on bad bytes. */
export function parseRecord(buf: Uint8Array, at: number, end: number, seed: number): ParsedRecord {
  if (end - at < RECORD_HEADER_BYTES) return { ok: false, reason: `short header (${end - at} bytes before end of file)` };
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (dv.getUint32(at, true) !== crc32c(buf, seed, at + 4, at + RECORD_HEADER_BYTES)) {
    return { ok: false, reason: "header checksum mismatch" };
  }
  const type = buf[at + 12] as number;
  const payloadLength = dv.getUint32(at + 4, true);
  const payloadStart = at + RECORD_HEADER_BYTES;
  if (!validShape(type, payloadLength) || buf[at + 13] !== 0 || buf[at + 14] !== 0 || buf[at + 15] !== 0) {
    return { ok: false, reason: `invalid header (type ${type}, length ${payloadLength})` };
  }
  if (payloadLength > end - payloadStart) return { ok: false, reason: `payload runs past end of file (length ${payloadLength})` };
  if (dv.getUint32(at + 8, true) !== crc32c(buf, seed, payloadStart, payloadStart + payloadLength)) {
    return { ok: false, reason: "payload checksum mismatch" };
  }
  return { ok: true, type: type as RecordType, payloadStart, end: payloadStart + payloadLength };
}

function validShape(type: number, payloadLength: number): boolean {
  if (type === RecordType.entry) return payloadLength >= ENTRY_PAYLOAD_FIXED_BYTES && payloadLength <= RECORD_PAYLOAD_MAX_BYTES;
  if (type === RecordType.commit) return payloadLength === COMMIT_PAYLOAD_BYTES;
  return false;
}

/**
 * First offset in (from, end) where a whole valid record starts, or -1. Tests every byte offset:
 * cheap byte checks first, checksums only for the rare candidates that pass them.
 */
export function findValidRecordAfter(buf: Uint8Array, from: number, end: number, seed: number): number {
  for (let y = from + 1; y + RECORD_HEADER_BYTES <= end; y++) {
    const type = buf[y + 12];
    if ((type !== RecordType.entry && type !== RecordType.commit) || buf[y + 13] !== 0 || buf[y + 14] !== 0 || buf[y + 15] !== 0) {
      continue;
    }
    if (parseRecord(buf, y, end, seed).ok) return y;
  }
  return -1;
}

export function decodeEntry(buf: Uint8Array, payloadStart: number, end: number): Entry {
  const typeCode = buf[payloadStart + 16];
  return {
    index: readU64(buf, payloadStart),
    term: readU64(buf, payloadStart + 8),
    type: typeCode === 1 ? "confChange" : "normal",
    data: buf.slice(payloadStart + ENTRY_PAYLOAD_FIXED_BYTES, end),
  };
}

/** Index and term of an entry record without copying its data (replay builds the index from these). */
export function entryIndexAndTerm(buf: Uint8Array, payloadStart: number): { index: number; term: number } {
  return { index: readU64(buf, payloadStart), term: readU64(buf, payloadStart + 8) };
}

export function decodeCommit(buf: Uint8Array, payloadStart: number): number {
  return readU64(buf, payloadStart);
}
