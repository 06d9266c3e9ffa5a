// Read path of the tree: point lookups and "windows" (one leaf's key range merged with the
// buffered messages of its ancestors) resolved into per-key version events. It never modifies
// a page, and copies every byte it returns out of page buffers (pages may be evicted later).

import { CELL_HEADER_BYTES, isPut, Kind, MAX_TS, PageType, compareBytes } from "./format.js";
import { rdEnd, userBound } from "./nodes.js";
import {
  cellKeyLen,
  cellKind,
  cellTs,
  cellValue,
  compareKeyToCell,
  countA,
  countB,
  countC,
  link1,
  link2,
  lowerBound,
  pageType,
  routeBefore,
  slotOffset,
  upperBound,
} from "./slotted.js";
import { childAt, type Tree } from "./tree.js";

/** One write event on a key: a version, or a range delete covering it. rank 0 = root level. */
export interface Event {
  ts: number;
  kind: Kind;
  value: Buffer;
  rank: number;
}

export interface KeyEvents {
  key: Buffer;
  /** Newest first: ts desc, then higher level first, then point before range delete. */
  events: Event[];
}

export interface Window {
  /** Key range of the leaf: [lo, hi), undefined = open. */
  lo: Buffer | undefined;
  hi: Buffer | undefined;
  keys: KeyEvents[];
  leafNext: number;
  leafPrev: number;
}

function keyOf(p: Buffer, o: number): Buffer {
  return p.subarray(o + CELL_HEADER_BYTES, o + CELL_HEADER_BYTES + cellKeyLen(p, o));
}

/** A copy of the value of put cell o (read from its overflow chain for a PutOverflow cell). */
export function cellValueCopy(tree: Tree, p: Buffer, o: number): Buffer {
  const v = cellValue(p, o);
  return cellKind(p, o) === Kind.PutOverflow ? tree.pager.readOverflow(v) : Buffer.from(v);
}

/** The event of cell o: an overflow put becomes a plain put with its value read (if values). */
function eventOf(tree: Tree, p: Buffer, o: number, rank: number, values: boolean): Event {
  const kind = cellKind(p, o);
  return { ts: cellTs(p, o), kind: kind === Kind.PutOverflow ? Kind.Put : kind, value: values ? cellValueCopy(tree, p, o) : EMPTY, rank };
}

/** User bound (nodes.userBound) of pivot i of an internal page. */
function pivotBound(p: Buffer, i: number): Buffer {
  const o = slotOffset(p, i);
  return userBound({ key: Buffer.from(keyOf(p, o)), ts: cellTs(p, o) });
}

/** The value visible at snapshot ts for a key, or undefined (absent or deleted). */
export function getAt(tree: Tree, key: Buffer, ts: number): Buffer | undefined {
  let lid = tree.root;
  if (lid === 0) return undefined;
  for (;;) {
    const p = tree.pager.get(lid);
    const na = countA(p);
    if (pageType(p) === PageType.Leaf) return leafGet(tree, p, key, ts);
    const nb = countB(p);
    let pointTs = -1;
    let pointKind: Kind = Kind.Tombstone;
    let pointOff = 0;
    if (nb > 0) {
      const at = lowerBound(p, na, na + nb, key, ts);
      if (at < na + nb) {
        const o = slotOffset(p, at);
        if (compareKeyToCell(key, p, o) === 0) {
          pointTs = cellTs(p, o);
          pointKind = cellKind(p, o);
          pointOff = o;
        }
      }
    }
    const rdTs = coveringRdTs(p, na + nb, na + nb + countC(p), key, ts);
    if (pointTs >= 0 || rdTs >= 0) {
      if (pointTs >= rdTs && isPut(pointKind)) return cellValueCopy(tree, p, pointOff);
      return undefined;
    }
    lid = childAt(p, upperBound(p, 0, na, key, ts));
  }
}

/**
 * The newest version <= ts of key, starting in leaf p. When p ends first, the key's older
 * versions may continue in the next leaf (a split inside one key, tree.ts invariant 1); no
 * buffered message can be for them, so following the leaf link is enough.
 */
function leafGet(tree: Tree, first: Buffer, key: Buffer, ts: number): Buffer | undefined {
  let p = first;
  for (;;) {
    const na = countA(p);
    const at = lowerBound(p, 0, na, key, ts);
    if (at < na) {
      const o = slotOffset(p, at);
      if (compareKeyToCell(key, p, o) !== 0 || !isPut(cellKind(p, o))) return undefined;
      return cellValueCopy(tree, p, o);
    }
    const next = link1(p);
    if (next === 0) return undefined;
    p = tree.pager.get(next);
  }
}

/** Newest timestamp <= ts of a range delete in slots [from, to) covering key; -1 if none. */
function coveringRdTs(p: Buffer, from: number, to: number, key: Buffer, ts: number): number {
  let best = -1;
  for (let i = from; i < to; i++) {
    const o = slotOffset(p, i);
    const t = cellTs(p, o);
    if (t > ts || t <= best || compareKeyToCell(key, p, o) < 0) continue;
    const end = rdEnd(cellValue(p, o));
    if (end === undefined || compareBytes(key, end) < 0) best = t;
  }
  return best;
}

function compareEvents(a: Event, b: Event): number {
  if (a.ts !== b.ts) return b.ts - a.ts;
  if (a.rank !== b.rank) return a.rank - b.rank;
  return (a.kind === Kind.RangeDelete ? 1 : 0) - (b.kind === Kind.RangeDelete ? 1 : 0);
}

interface RawRd {
  start: Buffer;
  end: Buffer | undefined;
  ts: number;
  rank: number;
}

/**
 * The window holding `seek`. Forward: the leaf whose range contains seek (undefined = first
 * leaf). Reverse: the leaf holding the largest keys < seek (undefined = last leaf).
 */
interface Descent {
  lo: Buffer | undefined;
  hi: Buffer | undefined;
  ancestors: Buffer[];
  leaf: Buffer;
}

function descend(tree: Tree, seek: Buffer | undefined, reverse: boolean): Descent | undefined {
  let lid = tree.root;
  if (lid === 0) return undefined;
  let lo: Buffer | undefined;
  let hi: Buffer | undefined;
  const ancestors: Buffer[] = [];
  let p = tree.pager.get(lid);
  while (pageType(p) === PageType.Internal) {
    const na = countA(p);
    let i: number;
    if (seek === undefined) i = reverse ? na : 0;
    else i = reverse ? routeBefore(p, na, seek) : upperBound(p, 0, na, seek, MAX_TS);
    if (i > 0) lo = pivotBound(p, i - 1);
    if (i < na) hi = pivotBound(p, i);
    ancestors.push(p);
    lid = childAt(p, i);
    p = tree.pager.get(lid);
  }
  return { lo, hi, ancestors, leaf: p };
}

/** True when some ancestor buffers a message or range delete for keys in [lo, hi). */
function ancestorsTouch(d: Descent): boolean {
  for (const a of d.ancestors) {
    const na = countA(a);
    const nb = countB(a);
    const from = d.lo === undefined ? na : lowerBound(a, na, na + nb, d.lo, MAX_TS);
    if (from < na + nb && (d.hi === undefined || compareKeyToCell(d.hi, a, slotOffset(a, from)) > 0)) return true;
    for (let i = na + nb; i < na + nb + countC(a); i++) {
      const o = slotOffset(a, i);
      const end = rdEnd(cellValue(a, o));
      if (d.hi !== undefined && compareKeyToCell(d.hi, a, o) <= 0) continue;
      if (d.lo !== undefined && end !== undefined && compareBytes(end, d.lo) <= 0) continue;
      return true;
    }
  }
  return false;
}

/**
 * Entries visible at ts in the window holding seek, in key order, or undefined when the fast
 * path does not apply (buffered messages above the leaf, or the last key continuing into the
 * next leaf): the caller then uses loadWindow. Copies keys and values out of the page.
 */
export function visibleWindow(
  tree: Tree,
  seek: Buffer | undefined,
  reverse: boolean,
  ts: number,
  /** Forward scans: keys at or past this are not copied (the scan ends before them). */
  stop?: Buffer,
): { lo: Buffer | undefined; hi: Buffer | undefined; entries: { key: Buffer; value: Buffer }[] } | undefined {
  const d = descend(tree, seek, reverse);
  if (d === undefined || ancestorsTouch(d)) return undefined;
  const p = d.leaf;
  const n = countA(p);
  const entries: { key: Buffer; value: Buffer }[] = [];
  let i = d.lo === undefined ? 0 : lowerBound(p, 0, n, d.lo, MAX_TS);
  while (i < n) {
    const o = slotOffset(p, i);
    if (d.hi !== undefined && compareKeyToCell(d.hi, p, o) <= 0) break;
    if (stop !== undefined && compareKeyToCell(stop, p, o) <= 0) break;
    const key = keyOf(p, o);
    let j = i;
    let decided = false;
    for (; j < n; j++) {
      const q = slotOffset(p, j);
      if (compareKeyToCell(key, p, q) !== 0) break;
      if (!decided && cellTs(p, q) <= ts) {
        decided = true;
        if (isPut(cellKind(p, q))) entries.push({ key: Buffer.from(key), value: cellValueCopy(tree, p, q) });
      }
    }
    if (!decided && j === n && link1(p) !== 0) return undefined;
    i = j;
  }
  return { lo: d.lo, hi: d.hi, entries };
}

/** values false: events carry empty values (callers that only need timestamps skip overflow reads). */
export function loadWindow(tree: Tree, seek: Buffer | undefined, reverse: boolean, values = true): Window | undefined {
  const d = descend(tree, seek, reverse);
  if (d === undefined) return undefined;
  const { lo, hi, ancestors } = d;
  const p = d.leaf;
  // Leaf events arrive in key order; ancestors' messages are merged in afterwards. Keys are
  // compared as bytes (no string conversion), events grouped per key.
  const ordered: KeyEvents[] = [];
  const extra: { key: Buffer; ev: Event }[] = [];
  const addLeaf = (key: Buffer, ev: Event) => {
    const last = ordered[ordered.length - 1];
    if (last !== undefined && compareBytes(last.key, key) === 0) last.events.push(ev);
    else ordered.push({ key: Buffer.from(key), events: [ev] });
  };
  const add = (key: Buffer, ev: Event) => {
    extra.push({ key: Buffer.from(key), ev });
  };
  const rds: RawRd[] = [];
  ancestors.forEach((a, rank) => {
    const na = countA(a);
    const nb = countB(a);
    const from = lo === undefined ? na : lowerBound(a, na, na + nb, lo, MAX_TS);
    for (let i = from; i < na + nb; i++) {
      const o = slotOffset(a, i);
      if (hi !== undefined && compareKeyToCell(hi, a, o) <= 0) break;
      add(keyOf(a, o), eventOf(tree, a, o, rank, values));
    }
    for (let i = na + nb; i < na + nb + countC(a); i++) {
      const o = slotOffset(a, i);
      const start = Buffer.from(keyOf(a, o));
      const end = rdEnd(cellValue(a, o));
      if (hi !== undefined && compareBytes(start, hi) >= 0) continue;
      if (lo !== undefined && end !== undefined && compareBytes(end, lo) <= 0) continue;
      rds.push({ start, end: end === undefined ? undefined : Buffer.from(end), ts: cellTs(a, o), rank });
    }
  });
  const leafRank = ancestors.length;
  const n = countA(p);
  let lastIn: Buffer | undefined;
  for (let i = lo === undefined ? 0 : lowerBound(p, 0, n, lo, MAX_TS); i < n; i++) {
    const o = slotOffset(p, i);
    if (hi !== undefined && compareKeyToCell(hi, p, o) <= 0) break;
    lastIn = keyOf(p, o);
    addLeaf(lastIn, eventOf(tree, p, o, leafRank, values));
  }
  // The last key's older versions may continue in the following leaves (split inside a key).
  let next = link1(p);
  while (lastIn !== undefined && next !== 0) {
    const q = tree.pager.get(next);
    const m = countA(q);
    let i = 0;
    for (; i < m; i++) {
      const o = slotOffset(q, i);
      if (compareKeyToCell(lastIn, q, o) !== 0) break;
      addLeaf(lastIn, eventOf(tree, q, o, leafRank, values));
    }
    if (i < m) break;
    next = link1(q);
  }
  let keys = ordered;
  if (extra.length > 0) {
    extra.sort((x, y) => compareBytes(x.key, y.key));
    keys = mergeEvents(ordered, extra);
  }
  for (const ke of keys) {
    for (const r of rds) {
      if (compareBytes(ke.key, r.start) >= 0 && (r.end === undefined || compareBytes(ke.key, r.end) < 0)) {
        ke.events.push({ ts: r.ts, kind: Kind.RangeDelete, value: EMPTY, rank: r.rank });
      }
    }
    if (ke.events.length > 1 && (extra.length > 0 || rds.length > 0)) ke.events.sort(compareEvents);
  }
  return { lo, hi, keys, leafNext: link1(p), leafPrev: link2(p) };
}

/** Merges key-sorted leaf groups with key-sorted buffered events into key-sorted groups. */
function mergeEvents(leaf: KeyEvents[], extra: { key: Buffer; ev: Event }[]): KeyEvents[] {
  const out: KeyEvents[] = [];
  let i = 0;
  let j = 0;
  while (i < leaf.length || j < extra.length) {
    const l = leaf[i];
    const x = extra[j];
    const c = l === undefined ? 1 : x === undefined ? -1 : compareBytes(l.key, x.key);
    let group: KeyEvents;
    if (c <= 0) {
      group = l as KeyEvents;
      i++;
    } else {
      group = { key: (x as { key: Buffer }).key, events: [] };
    }
    while (j < extra.length && compareBytes((extra[j] as { key: Buffer }).key, group.key) === 0)
      group.events.push((extra[j++] as { ev: Event }).ev);
    out.push(group);
  }
  return out;
}

const EMPTY = Buffer.alloc(0);

/** The value visible at ts given a key's events (newest first), or undefined. */
export function visibleAt(events: readonly Event[], ts: number): Buffer | undefined {
  for (const e of events) {
    if (e.ts > ts) continue;
    return e.kind === Kind.Put ? e.value : undefined;
  }
  return undefined;
}

/** A key's real versions, newest first: range deletes become tombstones on live keys only. */
export function effectiveVersions(events: readonly Event[]): { ts: number; kind: Kind; value: Buffer }[] {
  const out: { ts: number; kind: Kind; value: Buffer }[] = [];
  let live = false;
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i] as Event;
    let v: { ts: number; kind: Kind; value: Buffer } | undefined;
    if (e.kind === Kind.RangeDelete) {
      if (live) v = { ts: e.ts, kind: Kind.Tombstone, value: EMPTY };
      live = false;
    } else {
      v = { ts: e.ts, kind: e.kind, value: e.value };
      live = e.kind === Kind.Put;
    }
    if (v === undefined) continue;
    const last = out[out.length - 1];
    if (last !== undefined && last.ts === v.ts) out[out.length - 1] = v;
    else out.push(v);
  }
  return out.reverse();
}

/** Events of one key from root to leaf (for latestCommitTs). */
export function keyEvents(tree: Tree, key: Buffer): Event[] {
  const events: Event[] = [];
  let lid = tree.root;
  if (lid === 0) return events;
  let rank = 0;
  for (;;) {
    const p = tree.pager.get(lid);
    const na = countA(p);
    const leaf = pageType(p) === PageType.Leaf;
    const from = leaf ? 0 : na;
    const to = leaf ? na : na + countB(p);
    let i = lowerBound(p, from, to, key, MAX_TS);
    for (; i < to; i++) {
      const o = slotOffset(p, i);
      if (compareKeyToCell(key, p, o) !== 0) break;
      const kind = cellKind(p, o);
      events.push({ ts: cellTs(p, o), kind: kind === Kind.PutOverflow ? Kind.Put : kind, value: EMPTY, rank });
    }
    if (leaf) {
      if (i < to || link1(p) === 0) break;
      lid = link1(p);
      continue;
    }
    const nb = countB(p);
    for (let i = na + nb; i < na + nb + countC(p); i++) {
      const o = slotOffset(p, i);
      if (compareKeyToCell(key, p, o) < 0) continue;
      const end = rdEnd(cellValue(p, o));
      if (end === undefined || compareBytes(key, end) < 0) events.push({ ts: cellTs(p, o), kind: Kind.RangeDelete, value: EMPTY, rank });
    }
    lid = childAt(p, upperBound(p, 0, na, key, MAX_TS));
    rank++;
  }
  events.sort(compareEvents);
  return events;
}
