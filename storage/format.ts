// On-disk format constants, size limits and the byte layout of a page and of one cell. Pure
// helpers over Buffers: no I/O and no caching here, and never a JS object kept per stored key.
//
// Page layout (all integers little-endian):
//   0  u32 crc32c of bytes [4, pageSize)      4  u8 page type       5  u8 level (0 = leaf)
//   6  u16 nA (leaf: cells; internal: pivots) 8  u16 nB (internal: point messages)
//   10 u16 nC (internal: range deletes)       12 u32 logical page id (map pages: chunk index)
//   16 u32 link1 (leaf: next leaf; internal: child 0)   20 u32 link2 (leaf: previous leaf)
//   24 u32 contentStart (cells grow down from the page end)   28 u32 garbage bytes
//   32 u16 slot offsets [nA | nB | nC], each group sorted by (key asc, ts desc)
// Cell: u16 keyLen, u8 kind, u32 valLen, f64 ts, key bytes, value bytes.
// A put whose value is larger than maxInlineValueBytes is a PutOverflow cell: its value bytes are
// a reference (u32 first overflow page lid, u32 value length) to a chain of overflow pages:
//   header as above with type Overflow, link1 = next page of the chain (0 = last),
//   contentStart = payload bytes in this page; payload from byte 32.
// Format 2 added overflow pages; format 1 files (no overflow cells) open unchanged.

import { KodiakError, SqlState } from "../util/index.js";
import { crc32cRange } from "./crc.js";

export const FORMAT_VERSION = 2;
export const DEFAULT_PAGE_SIZE = 16 * 1024;
export const MIN_PAGE_SIZE = 4096;
export const MAX_PAGE_SIZE = 65536;
/** Absolute cap on key length; the effective cap also depends on the page size (maxKeyBytes). */
export const MAX_KEY_BYTES = 8192;
/** A pivot key may take at most 1/KEY_PAGE_DIVISOR of a page, so an internal node keeps >= 4 pivots. */
export const KEY_PAGE_DIVISOR = 8;
/** One cell (key + value + overhead) may take at most 1/ENTRY_PAGE_DIVISOR of a page. */
export const ENTRY_PAGE_DIVISOR = 3;
/** Largest value a put may carry (values above maxInlineValueBytes live in overflow pages). */
export const MAX_VALUE_BYTES = 16 * 1024 * 1024;
/** Bytes of a PutOverflow cell's value: u32 first page, u32 value length. */
export const OVERFLOW_REF_BYTES = 8;
/** Largest commit timestamp / log index: numbers stay exact integers below 2^53. */
export const MAX_TS = Number.MAX_SAFE_INTEGER;

export const PAGE_HEADER_BYTES = 32;
export const SLOT_BYTES = 2;
export const CELL_HEADER_BYTES = 15;

export enum PageType {
  Leaf = 1,
  Internal = 2,
  Map = 3,
  /** One page of a large value's chain (4 is the file header page). */
  Overflow = 5,
}

export enum Kind {
  Put = 0,
  Tombstone = 1,
  RangeDelete = 2,
  Pivot = 3,
  /** A put whose value lives in overflow pages (the cell holds a reference). */
  PutOverflow = 4,
}

/** True for both kinds of put. */
export function isPut(kind: Kind): boolean {
  return kind === Kind.Put || kind === Kind.PutOverflow;
}

export const H_CRC = 0;
export const H_TYPE = 4;
export const H_LEVEL = 5;
export const H_NA = 6;
export const H_NB = 8;
export const H_NC = 10;
export const H_LID = 12;
export const H_LINK1 = 16;
export const H_LINK2 = 20;
export const H_CONTENT = 24;
export const H_GARBAGE = 28;

export function maxKeyBytes(pageSize: number): number {
  return Math.min(MAX_KEY_BYTES, Math.floor(pageSize / KEY_PAGE_DIVISOR));
}

export function maxEntryBytes(pageSize: number): number {
  return Math.floor((pageSize - PAGE_HEADER_BYTES) / ENTRY_PAGE_DIVISOR);
}

/** Largest value stored inside a leaf cell; larger ones go to overflow pages. */
export function maxInlineValueBytes(pageSize: number, keyLength: number): number {
  return maxEntryBytes(pageSize) - CELL_HEADER_BYTES - SLOT_BYTES - keyLength;
}

/** Largest value a put may carry: MAX_VALUE_BYTES whatever the page size and key (kept as a function for callers). */
export function maxValueBytes(_pageSize: number, _keyLength: number): number {
  return MAX_VALUE_BYTES;
}

export function checkKey(key: Uint8Array, pageSize: number, what = "key"): void {
  const limit = maxKeyBytes(pageSize);
  if (key.length > limit) {
    throw new KodiakError(SqlState.programLimitExceeded, `${what} is ${key.length} bytes; the limit is ${limit} bytes`, {
      hint: `the limit is 1/${KEY_PAGE_DIVISOR} of the page size (${pageSize}), at most ${MAX_KEY_BYTES}`,
    });
  }
}

export function checkValue(_key: Uint8Array, value: Uint8Array, _pageSize: number): void {
  if (value.length > MAX_VALUE_BYTES) {
    throw new KodiakError(SqlState.programLimitExceeded, `value is ${value.length} bytes; the limit is ${MAX_VALUE_BYTES} bytes (16 MiB)`, {
      hint: "store larger objects in pieces under several keys",
    });
  }
}

export function checkTimestamp(ts: number, what: string): void {
  if (!Number.isSafeInteger(ts) || ts < 0) {
    throw new KodiakError(SqlState.invalidParameterValue, `${what} must be an integer in [0, 2^53): got ${ts}`);
  }
}

export function cellSize(keyLength: number, valueLength: number): number {
  return CELL_HEADER_BYTES + keyLength + valueLength;
}

/** Computes and stores the page checksum. */
export function sealPage(page: Buffer): void {
  page.writeUInt32LE(crc32cRange(page, 4, page.length), H_CRC);
}

/** True when the stored checksum matches the contents. */
export function pageChecksumOk(page: Buffer): boolean {
  return page.readUInt32LE(H_CRC) === crc32cRange(page, 4, page.length);
}

/** memcmp order of two byte strings (a JS loop: faster than the native call for short keys). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** Compares (k1, t1) with (k2, t2): key ascending, then timestamp descending (newest first). */
export function compareVersion(k1: Uint8Array, t1: number, k2: Uint8Array, t2: number): number {
  const c = compareBytes(k1, k2);
  if (c !== 0) return c;
  return t1 === t2 ? 0 : t1 > t2 ? -1 : 1;
}

export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
