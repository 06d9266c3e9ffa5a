// Slotted-page primitives shared by leaves and internal nodes: a sorted slot array growing up
// from the header and cells growing down from the page end. Operates on one page Buffer in
// place; knows nothing of trees, the cache or files.

import { assert } from "../util/index.js";
import {
  CELL_HEADER_BYTES,
  cellSize,
  H_CONTENT,
  H_GARBAGE,
  H_LEVEL,
  H_LID,
  H_LINK1,
  H_LINK2,
  H_NA,
  H_NB,
  H_NC,
  H_TYPE,
  type Kind,
  MAX_TS,
  PAGE_HEADER_BYTES,
  type PageType,
  SLOT_BYTES,
} from "./format.js";

let scratch = Buffer.alloc(0);

export function initPage(page: Buffer, type: PageType, level: number, lid: number): void {
  page.fill(0, 0, PAGE_HEADER_BYTES);
  page[H_TYPE] = type;
  page[H_LEVEL] = level;
  page.writeUInt32LE(lid, H_LID);
  page.writeUInt32LE(page.length, H_CONTENT);
}

export const pageType = (p: Buffer): number => p[H_TYPE] as number;
export const pageLevel = (p: Buffer): number => p[H_LEVEL] as number;
export const pageLid = (p: Buffer): number => p.readUInt32LE(H_LID);
export const countA = (p: Buffer): number => p.readUInt16LE(H_NA);
export const countB = (p: Buffer): number => p.readUInt16LE(H_NB);
export const countC = (p: Buffer): number => p.readUInt16LE(H_NC);
export const link1 = (p: Buffer): number => p.readUInt32LE(H_LINK1);
export const link2 = (p: Buffer): number => p.readUInt32LE(H_LINK2);
export const setLink1 = (p: Buffer, v: number): void => {
  p.writeUInt32LE(v, H_LINK1);
};
export const setLink2 = (p: Buffer, v: number): void => {
  p.writeUInt32LE(v, H_LINK2);
};

export function totalSlots(p: Buffer): number {
  return countA(p) + countB(p) + countC(p);
}

export function slotOffset(p: Buffer, i: number): number {
  return p.readUInt16LE(PAGE_HEADER_BYTES + i * SLOT_BYTES);
}

export const cellKeyLen = (p: Buffer, o: number): number => p.readUInt16LE(o);
export const cellKind = (p: Buffer, o: number): Kind => p[o + 2] as Kind;
export const cellValLen = (p: Buffer, o: number): number => p.readUInt32LE(o + 3);
export const cellTs = (p: Buffer, o: number): number => p.readDoubleLE(o + 7);
export const cellKeyStart = (o: number): number => o + CELL_HEADER_BYTES;

export function cellKey(p: Buffer, o: number): Buffer {
  const s = o + CELL_HEADER_BYTES;
  return p.subarray(s, s + cellKeyLen(p, o));
}

export function cellValue(p: Buffer, o: number): Buffer {
  const s = o + CELL_HEADER_BYTES + cellKeyLen(p, o);
  return p.subarray(s, s + cellValLen(p, o));
}

/** Compares the search key (key, ts) with the cell at offset o: key asc, ts desc. */
export function compareToCell(key: Buffer, ts: number, p: Buffer, o: number): number {
  const s = o + CELL_HEADER_BYTES;
  const c = key.compare(p, s, s + cellKeyLen(p, o));
  if (c !== 0) return c;
  const t = cellTs(p, o);
  return ts === t ? 0 : ts > t ? -1 : 1;
}

/** Compares only the user key with the cell's key. */
export function compareKeyToCell(key: Buffer, p: Buffer, o: number): number {
  const s = o + CELL_HEADER_BYTES;
  return key.compare(p, s, s + cellKeyLen(p, o));
}

/** First slot index in [from, to) whose cell is >= (key, ts). */
export function lowerBound(p: Buffer, from: number, to: number, key: Buffer, ts: number): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareToCell(key, ts, p, slotOffset(p, mid)) > 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First slot index in [from, to) whose cell is > (key, ts): the child index of version (key, ts). */
export function upperBound(p: Buffer, from: number, to: number, key: Buffer, ts: number): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareToCell(key, ts, p, slotOffset(p, mid)) >= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** True when the user bound of pivot cell o (see nodes.userBound) is < b. */
function pivotBoundBelow(p: Buffer, o: number, b: Buffer): boolean {
  if (compareKeyToCell(b, p, o) <= 0) return false;
  if (cellTs(p, o) === MAX_TS) return true;
  const kl = cellKeyLen(p, o);
  // b > key; the bound is key||0x00, which is < b unless b is exactly that.
  return !(b.length === kl + 1 && b[kl] === 0 && b.compare(p, o + CELL_HEADER_BYTES, o + CELL_HEADER_BYTES + kl, 0, kl) === 0);
}

/** Number of pivots in [0, na) whose user bound is < b: the child owning the largest key < b. */
export function routeBefore(p: Buffer, na: number, b: Buffer): number {
  let lo = 0;
  let hi = na;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (pivotBoundBelow(p, slotOffset(p, mid), b)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First slot index in [from, to) whose cell key is > key (ignores timestamps). */
export function upperBoundKey(p: Buffer, from: number, to: number, key: Buffer): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareKeyToCell(key, p, slotOffset(p, mid)) >= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function freeBytes(p: Buffer): number {
  return p.readUInt32LE(H_CONTENT) - PAGE_HEADER_BYTES - totalSlots(p) * SLOT_BYTES;
}

/** Bytes used by slots and live cells (what a rewrite of this page would need). */
export function usedBytes(p: Buffer): number {
  return p.length - PAGE_HEADER_BYTES - freeBytes(p) - p.readUInt32LE(H_GARBAGE);
}

/** Rewrites the cells contiguously, reclaiming garbage; slot order is kept. */
export function compactPage(p: Buffer): void {
  if (scratch.length < p.length) scratch = Buffer.alloc(p.length);
  const n = totalSlots(p);
  let end = p.length;
  for (let i = 0; i < n; i++) {
    const o = slotOffset(p, i);
    const size = cellSize(cellKeyLen(p, o), cellValLen(p, o));
    end -= size;
    p.copy(scratch, end, o, o + size);
    p.writeUInt16LE(end, PAGE_HEADER_BYTES + i * SLOT_BYTES);
  }
  scratch.copy(p, end, end, p.length);
  p.writeUInt32LE(end, H_CONTENT);
  p.writeUInt32LE(0, H_GARBAGE);
}

const groupField = [H_NA, H_NB, H_NC] as const;

/**
 * Inserts a cell at slot index `at` (global index) belonging to group g (0=A, 1=B, 2=C).
 * Returns false, changing nothing, when the page has no room even after compaction.
 */
export function insertCell(p: Buffer, g: 0 | 1 | 2, at: number, key: Uint8Array, ts: number, kind: Kind, value: Uint8Array): boolean {
  const size = cellSize(key.length, value.length);
  if (freeBytes(p) < size + SLOT_BYTES) {
    if (freeBytes(p) + p.readUInt32LE(H_GARBAGE) < size + SLOT_BYTES) return false;
    compactPage(p);
  }
  const n = totalSlots(p);
  assert(at >= 0 && at <= n, "slot index in range");
  const slotsAt = PAGE_HEADER_BYTES + at * SLOT_BYTES;
  p.copyWithin(slotsAt + SLOT_BYTES, slotsAt, PAGE_HEADER_BYTES + n * SLOT_BYTES);
  const o = p.readUInt32LE(H_CONTENT) - size;
  p.writeUInt32LE(o, H_CONTENT);
  p.writeUInt16LE(o, slotsAt);
  p.writeUInt16LE(key.length, o);
  p[o + 2] = kind;
  p.writeUInt32LE(value.length, o + 3);
  p.writeDoubleLE(ts, o + 7);
  p.set(key, o + CELL_HEADER_BYTES);
  p.set(value, o + CELL_HEADER_BYTES + key.length);
  const f = groupField[g];
  p.writeUInt16LE(p.readUInt16LE(f) + 1, f);
  return true;
}

/** Removes slot `at` (global index) of group g; its cell bytes become garbage. */
export function removeCell(p: Buffer, g: 0 | 1 | 2, at: number): void {
  const n = totalSlots(p);
  assert(at >= 0 && at < n, "slot index in range");
  const o = slotOffset(p, at);
  p.writeUInt32LE(p.readUInt32LE(H_GARBAGE) + cellSize(cellKeyLen(p, o), cellValLen(p, o)), H_GARBAGE);
  const slotsAt = PAGE_HEADER_BYTES + at * SLOT_BYTES;
  p.copyWithin(slotsAt, slotsAt + SLOT_BYTES, PAGE_HEADER_BYTES + n * SLOT_BYTES);
  const f = groupField[g];
  p.writeUInt16LE(p.readUInt16LE(f) - 1, f);
}
