// Decoded forms of leaf and internal pages for the slow paths (splits, buffer flushes, merges
// of message batches), and their encoders. Fast paths edit pages in place (slotted.ts); these
// decoded objects live only for one operation and are never cached.

import { assert } from "../util/index.js";
import { cellSize, Kind, MAX_TS, PAGE_HEADER_BYTES, PageType, SLOT_BYTES } from "./format.js";
import {
  cellKey,
  cellKind,
  cellTs,
  cellValue,
  countA,
  countB,
  countC,
  initPage,
  insertCell,
  link1,
  link2,
  pageLevel,
  setLink1,
  setLink2,
  slotOffset,
} from "./slotted.js";

/** One version, message or pivot. RangeDelete: key = start, value = encoded end (see rdEnd). */
export interface Cell {
  key: Buffer;
  ts: number;
  kind: Kind;
  value: Buffer;
}

export interface LeafNode {
  cells: Cell[];
  next: number;
  prev: number;
}

/**
 * A separator in version order (key asc, ts desc). ts = MAX_TS: a key boundary (all versions of
 * key go right). Otherwise a split inside one key's versions: newer ones left, ts and older right.
 */
export interface Pivot {
  key: Buffer;
  ts: number;
}

export interface InternalNode {
  level: number;
  /** pivots[i] separates children[i] (versions < pivot) from children[i + 1] (versions >= pivot). */
  pivots: Pivot[];
  children: number[];
  /** Point messages sorted by (key asc, ts desc). */
  msgs: Cell[];
  rds: Cell[];
}

const EMPTY = Buffer.alloc(0);
const UNBOUNDED = Buffer.from([0]);

export function encodeRdEnd(end: Uint8Array | undefined): Buffer {
  if (end === undefined) return UNBOUNDED;
  const b = Buffer.allocUnsafe(end.length + 1);
  b[0] = 1;
  b.set(end, 1);
  return b;
}

/** The exclusive end of a range delete; undefined = unbounded. */
export function rdEnd(value: Buffer): Buffer | undefined {
  return value[0] === 1 ? value.subarray(1) : undefined;
}

export function copyCell(p: Buffer, o: number): Cell {
  return { key: Buffer.from(cellKey(p, o)), ts: cellTs(p, o), kind: cellKind(p, o), value: Buffer.from(cellValue(p, o)) };
}

export function cellBytes(c: Cell): number {
  return cellSize(c.key.length, c.value.length) + SLOT_BYTES;
}

export function decodeLeaf(p: Buffer): LeafNode {
  const n = countA(p);
  const cells: Cell[] = new Array(n);
  for (let i = 0; i < n; i++) cells[i] = copyCell(p, slotOffset(p, i));
  return { cells, next: link1(p), prev: link2(p) };
}

export function writeLeaf(p: Buffer, lid: number, cells: readonly Cell[], next: number, prev: number): void {
  initPage(p, PageType.Leaf, 0, lid);
  setLink1(p, next);
  setLink2(p, prev);
  for (let i = 0; i < cells.length; i++) {
    const c = cells[i] as Cell;
    assert(insertCell(p, 0, i, c.key, c.ts, c.kind, c.value), "leaf cells fit the page they were packed for");
  }
}

export function decodeInternal(p: Buffer): InternalNode {
  const na = countA(p);
  const nb = countB(p);
  const nc = countC(p);
  const pivots: Pivot[] = [];
  const children = [link1(p)];
  for (let i = 0; i < na; i++) {
    const o = slotOffset(p, i);
    pivots.push({ key: Buffer.from(cellKey(p, o)), ts: cellTs(p, o) });
    children.push(cellValue(p, o).readUInt32LE(0));
  }
  const msgs: Cell[] = [];
  for (let i = na; i < na + nb; i++) msgs.push(copyCell(p, slotOffset(p, i)));
  const rds: Cell[] = [];
  for (let i = na + nb; i < na + nb + nc; i++) rds.push(copyCell(p, slotOffset(p, i)));
  return { level: pageLevel(p), pivots, children, msgs, rds };
}

export function pivotBytes(n: InternalNode): number {
  let b = 0;
  for (const k of n.pivots) b += cellSize(k.key.length, 4) + SLOT_BYTES;
  return b;
}

export function messageBytes(n: InternalNode): number {
  let b = 0;
  for (const c of n.msgs) b += cellBytes(c);
  for (const c of n.rds) b += cellBytes(c);
  return b;
}

export function usableBytes(pageSize: number): number {
  return pageSize - PAGE_HEADER_BYTES;
}

export function writeInternal(p: Buffer, lid: number, n: InternalNode): void {
  initPage(p, PageType.Internal, n.level, lid);
  setLink1(p, n.children[0] as number);
  let at = 0;
  const child = Buffer.alloc(4);
  for (let i = 0; i < n.pivots.length; i++) {
    child.writeUInt32LE(n.children[i + 1] as number, 0);
    const pv = n.pivots[i] as Pivot;
    assert(insertCell(p, 0, at++, pv.key, pv.ts, Kind.Pivot, child), "pivots fit the internal page");
  }
  for (const c of n.msgs) assert(insertCell(p, 1, at++, c.key, c.ts, c.kind, c.value), "messages fit the internal page");
  for (const c of n.rds) assert(insertCell(p, 2, at++, c.key, c.ts, c.kind, c.value), "range deletes fit the internal page");
}

export { EMPTY };

const ZERO = Buffer.from([0]);

/** The smallest key greater than k (k followed by a zero byte). */
export function successor(k: Buffer): Buffer {
  return Buffer.concat([k, ZERO]);
}

/**
 * First user key whose newest version lies at or after pivot p. Child i owns the user keys in
 * [userBound(pivot[i-1]), userBound(pivot[i])): those whose newest version it holds.
 */
export function userBound(p: Pivot): Buffer {
  return p.ts === MAX_TS ? p.key : successor(p.key);
}
