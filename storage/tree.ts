// Bε-tree write path over the pager: messages (put, tombstone, range delete) enter at the root,
// wait in internal-node buffers and flush in batches to the child receiving the most bytes;
// leaves are B+ tree leaves. In "btree" mode buffers stay empty and messages go straight down.
// No I/O here except through the pager; no key encoding here (keys are raw bytes, memcmp order).
//
// Invariants:
//  1. Pivots are version keys (key, ts) in (key asc, ts desc) order; child i holds the versions in
//     [pivot[i-1], pivot[i]). A pivot with ts = MAX_TS is a key boundary; any other pivot splits
//     one key's versions (only when they exceed a page): newer left, older right. New versions of
//     a key always route to the child holding its newest version, so only that child's subtree
//     ever receives messages for it, and range deletes are clipped to user-key bounds
//     (nodes.userBound) so each key's part goes to the child owning its newest version.
//  2. For any key, every message in a node is newer than everything below it: a flush moves all
//     of a child's messages (and the part of each range delete covering that child) together.
//     At equal timestamps a higher level wins, and in one node a point message beats a range delete.
//  3. A batch applied to a node is in application order: timestamp ascending, range deletes
//     before point messages of the same timestamp.
//  4. Leaves are linked (next/prev) in key order; the leftmost has prev 0, the rightmost next 0.
//  5. A range delete materializes at a leaf as a tombstone only on keys whose newest version
//     at or before its timestamp is a put (so latestCommitTs counts it only for live keys).

import { assert } from "../util/index.js";
import { CELL_HEADER_BYTES, cellSize, compareBytes, compareVersion, isPut, Kind, MAX_TS, PageType, SLOT_BYTES } from "./format.js";
import type { TreeMode } from "./manifest.js";
import {
  type Cell,
  cellBytes,
  decodeInternal,
  decodeLeaf,
  encodeRdEnd,
  type InternalNode,
  messageBytes,
  type Pivot,
  pivotBytes,
  rdEnd,
  userBound,
  usableBytes,
  viewCell,
  writeInternal,
  writeLeaf,
} from "./nodes.js";
import type { Pager } from "./pager.js";
import {
  cellKey,
  cellKeyLen,
  cellTs,
  cellValLen,
  compareCells,
  compareKeyToCell,
  compareToCell,
  countA,
  countB,
  countC,
  freeBytes,
  garbageBytes,
  insertCell,
  link1,
  lowerBound,
  pageLevel,
  pageType,
  removeCells,
  routeBefore,
  setLink2,
  slotOffset,
  upperBound,
} from "./slotted.js";

/** A new right sibling produced by a split: the parent adds pivot `key` -> child `lid`. */
export interface Split {
  pivot: Pivot;
  lid: number;
}

/** After a forced flush an internal buffer is left at most this full, so inserts stay cheap. */
const FLUSH_LOW_WATER = 0.7;

export function byApplicationOrder(a: Cell, b: Cell): number {
  if (a.ts !== b.ts) return a.ts - b.ts;
  return (a.kind === Kind.RangeDelete ? 0 : 1) - (b.kind === Kind.RangeDelete ? 0 : 1);
}

function byVersion(a: Cell, b: Cell): number {
  const c = compareBytes(a.key, b.key);
  if (c !== 0) return c;
  return a.ts === b.ts ? 0 : a.ts > b.ts ? -1 : 1;
}

/** Number of pivots <= (key, ts): the child index holding that version (decoded node). */
export function childIndexOf(pivots: readonly Pivot[], key: Buffer, ts: number): number {
  let lo = 0;
  let hi = pivots.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const pv = pivots[mid] as Pivot;
    if (compareVersion(pv.key, pv.ts, key, ts) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Number of pivots whose user bound is < b: the child owning the largest key < b. */
export function childBefore(pivots: readonly Pivot[], b: Buffer): number {
  let lo = 0;
  let hi = pivots.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareBytes(userBound(pivots[mid] as Pivot), b) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** User-key bounds [lo, hi) of child i (undefined = open). */
function childKeyRange(pivots: readonly Pivot[], i: number): [Buffer | undefined, Buffer | undefined] {
  return [i === 0 ? undefined : userBound(pivots[i - 1] as Pivot), i === pivots.length ? undefined : userBound(pivots[i] as Pivot)];
}

/** Child lid at index i of an internal page. */
export function childAt(p: Buffer, i: number): number {
  if (i === 0) return link1(p);
  const o = slotOffset(p, i - 1);
  return p.readUInt32LE(o + CELL_HEADER_BYTES + cellKeyLen(p, o));
}

/** The part of range delete rd inside [lo, hi) (undefined bounds are open), or undefined if empty. */
export function clipRd(rd: Cell, lo: Buffer | undefined, hi: Buffer | undefined): Cell | undefined {
  const end = rdEnd(rd.value);
  const s = lo !== undefined && compareBytes(lo, rd.key) > 0 ? lo : rd.key;
  let e = end;
  if (hi !== undefined && (e === undefined || compareBytes(hi, e) < 0)) e = hi;
  if (e !== undefined && compareBytes(s, e) >= 0) return undefined;
  if (s === rd.key && e === end) return rd;
  return { key: s, ts: rd.ts, kind: Kind.RangeDelete, value: encodeRdEnd(e) };
}

export class Tree {
  /** Bumped by every structural or content change; iterators re-seek when it moved. */
  modCount = 0;

  constructor(
    readonly pager: Pager,
    readonly mode: TreeMode,
    readonly fanout: number,
    public root: number,
    public retentionTs: number,
  ) {}

  private get usable(): number {
    return usableBytes(this.pager.pageSize);
  }

  /** A version leaves the tree for good: an overflow value's pages are freed with it. */
  readonly dropCell = (c: Cell): void => {
    if (c.kind === Kind.PutOverflow) this.pager.freeOverflow(c.value);
  };

  /** Applies one batch (invariant 3 order) from the root. */
  apply(msgs: Cell[]): void {
    if (msgs.length === 0) return;
    this.modCount++;
    if (this.root === 0) {
      const { lid, page } = this.pager.allocate();
      writeLeaf(page, lid, [], 0, 0);
      this.root = lid;
    }
    let splits = this.applyAt(this.root, msgs);
    while (splits.length > 0) {
      const level = (this.pager.get(this.root)[5] as number) + 1;
      const node: InternalNode = {
        level,
        pivots: splits.map((s) => s.pivot),
        children: [this.root, ...splits.map((s) => s.lid)],
        msgs: [],
        rds: [],
      };
      const { lid } = this.pager.allocate();
      splits = this.finishInternal(lid, node);
      this.root = lid;
    }
  }

  private applyAt(lid: number, msgs: Cell[]): Split[] {
    const p = this.pager.get(lid);
    this.pager.markDirty(lid);
    if (pageType(p) === PageType.Leaf) return this.applyLeaf(lid, p, msgs);
    if (this.mode === "btree") return this.routeDown(lid, p, msgs);
    for (let i = 0; i < msgs.length; i++) {
      const m = msgs[i] as Cell;
      const na = countA(p);
      const nb = countB(p);
      let ok: boolean;
      if (m.kind === Kind.RangeDelete) ok = insertCell(p, 2, na + nb + countC(p), m.key, m.ts, m.kind, m.value);
      else {
        const at = lowerBound(p, na, na + nb, m.key, m.ts);
        ok =
          !(at < na + nb && compareToCell(m.key, m.ts, p, slotOffset(p, at)) === 0) && insertCell(p, 1, at, m.key, m.ts, m.kind, m.value);
      }
      if (ok) continue;
      // Buffer full: flush in place (no decode of the whole node) unless range deletes are involved.
      if (countC(p) > 0 || msgs.some((x, j) => j >= i && x.kind === Kind.RangeDelete)) return this.internalSlow(lid, p, msgs.slice(i));
      const pending = this.flushInPlace(p);
      if (pending.length > 0) {
        const node = decodeInternal(p);
        for (const s of pending) insertPivot(node, s);
        return this.finishWith(lid, node, msgs.slice(i));
      }
      const at = lowerBound(p, countA(p), countA(p) + countB(p), m.key, m.ts);
      if (!insertCell(p, 1, at, m.key, m.ts, m.kind, m.value)) return this.internalSlow(lid, p, msgs.slice(i));
    }
    return [];
  }

  /**
   * Flushes the heaviest children of a full internal page in place until it is at most
   * FLUSH_LOW_WATER full: their message slots are cut out and applied to the child. Returns the
   * child splits whose pivots did not fit (or would exceed the fanout); the caller finishes those.
   */
  private flushInPlace(p: Buffer): Split[] {
    const target = this.usable * (1 - FLUSH_LOW_WATER);
    while (freeBytes(p) + garbageBytes(p) < target && countB(p) > 0) {
      const na = countA(p);
      const nb = countB(p);
      const bytes = new Float64Array(na + 1);
      const starts = new Int32Array(na + 2);
      let c = 0;
      starts[0] = na;
      for (let i = na; i < na + nb; i++) {
        const o = slotOffset(p, i);
        while (c < na && compareCells(p, o, slotOffset(p, c)) >= 0) starts[++c + 0] = i;
        bytes[c] = (bytes[c] as number) + cellSize(cellKeyLen(p, o), cellValLen(p, o)) + SLOT_BYTES;
      }
      while (c < na) starts[++c] = na + nb;
      starts[na + 1] = na + nb;
      let best = 0;
      for (let i = 1; i <= na; i++) if ((bytes[i] as number) > (bytes[best] as number)) best = i;
      const from = starts[best] as number;
      const to = starts[best + 1] as number;
      // Views, not copies: p is not modified until the child has taken the batch (its pivots
      // are inserted after), and removed cells stay in place as garbage until then. Nothing
      // derived from the views may outlive this iteration (see the split copy below).
      const batch: Cell[] = [];
      for (let i = from; i < to; i++) batch.push(viewCell(p, slotOffset(p, i)));
      const child = childAt(p, best);
      removeCells(p, 1, from, to);
      batch.sort(byApplicationOrder);
      // Split pivots may be views into p's garbage too: copy them before p changes.
      const splits = this.applyAt(child, batch).map((s) => ({ pivot: { key: Buffer.from(s.pivot.key), ts: s.pivot.ts }, lid: s.lid }));
      for (let k = 0; k < splits.length; k++) {
        const s = splits[k] as Split;
        const id = Buffer.alloc(4);
        id.writeUInt32LE(s.lid, 0);
        if (countA(p) + 1 >= this.fanout || !insertCell(p, 0, best + k, s.pivot.key, s.pivot.ts, Kind.Pivot, id)) return splits.slice(k);
      }
    }
    return [];
  }

  /** btree mode: route each message to its child (range deletes to every child they cover). */
  private routeDown(lid: number, p: Buffer, msgs: Cell[]): Split[] {
    const na = countA(p);
    const batches = new Map<number, Cell[]>();
    const add = (i: number, c: Cell) => {
      const b = batches.get(i);
      if (b === undefined) batches.set(i, [c]);
      else b.push(c);
    };
    const bound = (i: number): Buffer => {
      const o = slotOffset(p, i);
      return userBound({ key: Buffer.from(cellKey(p, o)), ts: cellTs(p, o) });
    };
    for (const m of msgs) {
      if (m.kind !== Kind.RangeDelete) {
        add(upperBound(p, 0, na, m.key, m.ts), m);
        continue;
      }
      const end = rdEnd(m.value);
      const first = upperBound(p, 0, na, m.key, MAX_TS);
      const last = end === undefined ? na : routeBefore(p, na, end);
      for (let i = first; i <= last; i++) {
        const part = clipRd(m, i === 0 ? undefined : bound(i - 1), i === na ? undefined : bound(i));
        if (part !== undefined) add(i, part);
      }
    }
    const splitsByChild: [number, Split[]][] = [];
    for (const i of [...batches.keys()].sort((a, b) => a - b)) {
      const s = this.applyAt(childAt(p, i), batches.get(i) as Cell[]);
      if (s.length > 0) splitsByChild.push([i, s]);
    }
    if (splitsByChild.length === 0) return [];
    const node = decodeInternal(this.pager.get(lid));
    for (let k = splitsByChild.length - 1; k >= 0; k--) {
      const [i, s] = splitsByChild[k] as [number, Split[]];
      node.pivots.splice(i, 0, ...s.map((x) => x.pivot));
      node.children.splice(i + 1, 0, ...s.map((x) => x.lid));
    }
    return this.finishInternal(lid, node);
  }

  private internalSlow(lid: number, p: Buffer, incoming: Cell[]): Split[] {
    return this.finishWith(lid, decodeInternal(p), incoming);
  }

  private finishWith(lid: number, node: InternalNode, incoming: Cell[]): Split[] {
    for (const m of incoming) {
      if (m.kind === Kind.RangeDelete) node.rds.push(m);
      else node.msgs.push(m);
    }
    node.msgs.sort(byVersion);
    // Equal (key, ts): the later one (incoming) wins; stable sort keeps it after the older.
    const deduped: Cell[] = [];
    for (const m of node.msgs) {
      const last = deduped[deduped.length - 1];
      if (last !== undefined && last.ts === m.ts && last.key.equals(m.key)) {
        this.dropCell(last);
        deduped[deduped.length - 1] = m;
      } else deduped.push(m);
    }
    node.msgs = deduped;
    return this.finishInternal(lid, node);
  }

  /** Flushes, splits and writes a decoded internal node into page lid (plus new siblings). */
  private finishInternal(lid: number, node: InternalNode): Split[] {
    if (node.children.length > this.fanout) return this.splitInternal(lid, node);
    const cap = this.usable - pivotBytes(node);
    let bytes = messageBytes(node);
    if (bytes > cap) {
      while (bytes > cap * FLUSH_LOW_WATER && (node.msgs.length > 0 || node.rds.length > 0)) {
        this.flushHeaviest(node);
        bytes = messageBytes(node);
      }
      if (node.children.length > this.fanout) return this.splitInternal(lid, node);
    }
    if (pivotBytes(node) + messageBytes(node) <= this.usable) {
      writeInternal(this.pager.get(lid), lid, node);
      this.pager.markDirty(lid);
      return [];
    }
    return this.splitInternal(lid, node);
  }

  private splitInternal(lid: number, node: InternalNode): Split[] {
    assert(node.children.length >= 2, "an internal node that overflows has two children to split");
    const mid = node.children.length >>> 1;
    const promoted = node.pivots[mid - 1] as Pivot;
    const bound = userBound(promoted);
    const left: InternalNode = {
      level: node.level,
      pivots: node.pivots.slice(0, mid - 1),
      children: node.children.slice(0, mid),
      msgs: node.msgs.filter((m) => compareVersion(m.key, m.ts, promoted.key, promoted.ts) < 0),
      rds: node.rds.map((r) => clipRd(r, undefined, bound)).filter((r): r is Cell => r !== undefined),
    };
    const right: InternalNode = {
      level: node.level,
      pivots: node.pivots.slice(mid),
      children: node.children.slice(mid),
      msgs: node.msgs.filter((m) => compareVersion(m.key, m.ts, promoted.key, promoted.ts) >= 0),
      rds: node.rds.map((r) => clipRd(r, bound, undefined)).filter((r): r is Cell => r !== undefined),
    };
    const leftSplits = this.finishInternal(lid, left);
    const { lid: rightLid } = this.pager.allocate();
    const rightSplits = this.finishInternal(rightLid, right);
    return [...leftSplits, { pivot: promoted, lid: rightLid }, ...rightSplits];
  }

  /** Moves every message for the child receiving the most bytes down into that child. */
  private flushHeaviest(node: InternalNode): void {
    const n = node.children.length;
    const bytes = new Float64Array(n);
    let c = 0;
    for (const m of node.msgs) {
      while (c < n - 1 && compareVersion(m.key, m.ts, (node.pivots[c] as Pivot).key, (node.pivots[c] as Pivot).ts) >= 0) c++;
      bytes[c] = (bytes[c] as number) + cellBytes(m);
    }
    for (const r of node.rds) {
      const end = rdEnd(r.value);
      const first = childIndexOf(node.pivots, r.key, MAX_TS);
      const last = end === undefined ? n - 1 : childBefore(node.pivots, end);
      for (let i = first; i <= last; i++) bytes[i] = (bytes[i] as number) + cellBytes(r);
    }
    let best = 0;
    for (let i = 1; i < n; i++) if ((bytes[i] as number) > (bytes[best] as number)) best = i;
    const [lo, hi] = childKeyRange(node.pivots, best);
    const batch: Cell[] = [];
    const keep: Cell[] = [];
    for (const m of node.msgs) (childIndexOf(node.pivots, m.key, m.ts) === best ? batch : keep).push(m);
    node.msgs = keep;
    const keepRds: Cell[] = [];
    for (const r of node.rds) {
      const inside = clipRd(r, lo, hi);
      if (inside === undefined) {
        keepRds.push(r);
        continue;
      }
      batch.push(inside);
      if (lo !== undefined) {
        const before = clipRd(r, undefined, lo);
        if (before !== undefined) keepRds.push(before);
      }
      if (hi !== undefined) {
        const after = clipRd(r, hi, undefined);
        if (after !== undefined) keepRds.push(after);
      }
    }
    node.rds = keepRds;
    batch.sort(byApplicationOrder);
    const splits = this.applyAt(node.children[best] as number, batch);
    node.pivots.splice(best, 0, ...splits.map((s) => s.pivot));
    node.children.splice(best + 1, 0, ...splits.map((s) => s.lid));
  }

  private applyLeaf(lid: number, p: Buffer, msgs: Cell[]): Split[] {
    for (let i = 0; i < msgs.length; i++) {
      const m = msgs[i] as Cell;
      if (m.kind === Kind.RangeDelete) return this.leafSlow(lid, p, msgs.slice(i));
      const n = countA(p);
      const at = lowerBound(p, 0, n, m.key, m.ts);
      if (at < n && compareToCell(m.key, m.ts, p, slotOffset(p, at)) === 0) return this.leafSlow(lid, p, msgs.slice(i));
      if (!insertCell(p, 0, at, m.key, m.ts, m.kind, m.value)) return this.leafSlow(lid, p, msgs.slice(i));
    }
    return [];
  }

  private leafSlow(lid: number, p: Buffer, msgs: Cell[]): Split[] {
    const leaf = decodeLeaf(p);
    const cells = leaf.cells;
    const lastKey = cells.length > 0 ? (cells[cells.length - 1] as Cell).key : undefined;
    let appending = leaf.next === 0;
    for (const m of msgs) {
      if (lastKey !== undefined && compareBytes(m.key, lastKey) <= 0) appending = false;
      if (m.kind === Kind.RangeDelete) applyRangeDelete(cells, m);
      else upsert(cells, m, this.dropCell);
    }
    const pruned = pruneVersions(cells, this.retentionTs, this.continuesInto(cells, leaf.next), this.dropCell);
    return this.packLeaves(lid, pruned, leaf.next, leaf.prev, appending);
  }

  /**
   * GC helper (betree mode): moves the buffered messages of level-1 page parentLid for its child
   * leaf i (point messages and the parts of range deletes covering it) into that leaf, pruning
   * at the retention, when the result fits the leaf's page and the shrunk parent fits its own.
   * Never splits anything. Without it, tombstones waiting in a buffer keep the versions they
   * hide alive in the leaf. Returns true when it moved something.
   */
  absorbIntoLeaf(parentLid: number, i: number): boolean {
    const pp = this.pager.get(parentLid);
    if (pageType(pp) !== PageType.Internal || pageLevel(pp) !== 1 || countB(pp) + countC(pp) === 0) return false;
    const node = decodeInternal(pp);
    const [lo, hi] = childKeyRange(node.pivots, i);
    const batch: Cell[] = [];
    const keep: Cell[] = [];
    for (const m of node.msgs) (childIndexOf(node.pivots, m.key, m.ts) === i ? batch : keep).push(m);
    const keepRds: Cell[] = [];
    for (const r of node.rds) {
      const inside = clipRd(r, lo, hi);
      if (inside === undefined) {
        keepRds.push(r);
        continue;
      }
      batch.push(inside);
      const before = lo === undefined ? undefined : clipRd(r, undefined, lo);
      const after = hi === undefined ? undefined : clipRd(r, hi, undefined);
      if (before !== undefined) keepRds.push(before);
      if (after !== undefined) keepRds.push(after);
    }
    if (batch.length === 0) return false;
    node.msgs = keep;
    node.rds = keepRds;
    if (pivotBytes(node) + messageBytes(node) > this.usable) return false;
    const childLid = node.children[i] as number;
    const leaf = decodeLeaf(this.pager.get(childLid));
    const cells = leaf.cells;
    // Drops are only carried out once the move is certain (an overflow chain is freed for good).
    const dropped: Cell[] = [];
    batch.sort(byApplicationOrder);
    for (const m of batch) {
      if (m.kind === Kind.RangeDelete) applyRangeDelete(cells, m);
      else upsert(cells, m, (c) => dropped.push(c));
    }
    const pruned = pruneVersions(cells, this.retentionTs, this.continuesInto(cells, leaf.next), (c) => dropped.push(c));
    let bytes = 0;
    for (const c of pruned) bytes += cellBytes(c);
    if (bytes > this.usable) return false;
    writeLeaf(this.pager.get(childLid), childLid, pruned, leaf.next, leaf.prev);
    this.pager.markDirty(childLid);
    writeInternal(this.pager.get(parentLid), parentLid, node);
    this.pager.markDirty(parentLid);
    for (const c of dropped) this.dropCell(c);
    this.modCount++;
    return true;
  }

  /** True when the last key of cells also has (older) versions at the start of leaf next. */
  continuesInto(cells: readonly Cell[], next: number): boolean {
    const last = cells[cells.length - 1];
    if (last === undefined || next === 0 || this.retentionTs <= 0) return false;
    const p = this.pager.get(next);
    return countA(p) > 0 && compareKeyToCell(last.key, p, slotOffset(p, 0)) === 0;
  }

  /** Writes cells into page lid and as many new right siblings as needed, never splitting a key. */
  private packLeaves(lid: number, cells: Cell[], next: number, prev: number, appending: boolean): Split[] {
    const usable = this.usable;
    let total = 0;
    for (const c of cells) total += cellBytes(c);
    if (total <= usable) {
      writeLeaf(this.pager.get(lid), lid, cells, next, prev);
      return [];
    }
    const target = appending ? usable : Math.ceil(total / Math.ceil(total / usable));
    const pages: Cell[][] = [];
    let cur: Cell[] = [];
    let curBytes = 0;
    const close = () => {
      pages.push(cur);
      cur = [];
      curBytes = 0;
    };
    for (let i = 0; i < cells.length; ) {
      let j = i;
      let g = 0;
      while (j < cells.length && (cells[j] as Cell).key.equals((cells[i] as Cell).key)) g += cellBytes(cells[j++] as Cell);
      if (g <= usable) {
        // Whole key groups when they fit: a split inside one key's versions only when it must.
        if (cur.length > 0 && (curBytes + g > usable || curBytes + g / 2 > target)) close();
        for (let k = i; k < j; k++) cur.push(cells[k] as Cell);
        curBytes += g;
      } else {
        for (let k = i; k < j; k++) {
          const b = cellBytes(cells[k] as Cell);
          if (cur.length > 0 && curBytes + b > usable) close();
          cur.push(cells[k] as Cell);
          curBytes += b;
        }
      }
      i = j;
    }
    pages.push(cur);
    const lids = [lid];
    for (let i = 1; i < pages.length; i++) lids.push(this.pager.allocate().lid);
    pages.forEach((pc, i) => {
      const l = lids[i] as number;
      writeLeaf(this.pager.get(l), l, pc, lids[i + 1] ?? next, i === 0 ? prev : (lids[i - 1] as number));
      this.pager.markDirty(l);
    });
    if (next !== 0) {
      setLink2(this.pager.get(next), lids[lids.length - 1] as number);
      this.pager.markDirty(next);
    }
    return pages.slice(1).map((pc, i) => ({ pivot: pivotBetween(pages[i] as Cell[], pc), lid: lids[i + 1] as number }));
  }
}

/** Adds a child split to a decoded node: the pivot goes right after the child it split from. */
function insertPivot(node: InternalNode, s: Split): void {
  const i = childIndexOf(node.pivots, s.pivot.key, s.pivot.ts);
  node.pivots.splice(i, 0, s.pivot);
  node.children.splice(i + 1, 0, s.lid);
}

/** The pivot before page `right`: a key boundary unless one key's versions continue across. */
function pivotBetween(left: readonly Cell[], right: readonly Cell[]): Pivot {
  const first = right[0] as Cell;
  const last = left[left.length - 1] as Cell;
  return last.key.equals(first.key) ? { key: first.key, ts: first.ts } : { key: first.key, ts: MAX_TS };
}

function lowerBoundCells(cells: readonly Cell[], key: Buffer, ts: number): number {
  let lo = 0;
  let hi = cells.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = cells[mid] as Cell;
    const k = compareBytes(c.key, key);
    if (k < 0 || (k === 0 && c.ts > ts)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function upsert(cells: Cell[], m: Cell, onDrop?: (c: Cell) => void): void {
  const at = lowerBoundCells(cells, m.key, m.ts);
  const c = cells[at];
  if (c !== undefined && c.ts === m.ts && c.key.equals(m.key)) {
    onDrop?.(c);
    cells[at] = m;
  } else cells.splice(at, 0, m);
}

/** Invariant 5: a tombstone at rd.ts on every key in range whose newest version <= rd.ts is a put. */
function applyRangeDelete(cells: Cell[], rd: Cell): void {
  const end = rdEnd(rd.value);
  const tombs: Cell[] = [];
  let i = lowerBoundCells(cells, rd.key, MAX_TS);
  while (i < cells.length) {
    const key = (cells[i] as Cell).key;
    if (end !== undefined && compareBytes(key, end) >= 0) break;
    let j = i;
    while (j < cells.length && (cells[j] as Cell).key.equals(key) && (cells[j] as Cell).ts > rd.ts) j++;
    const newest = cells[j];
    if (newest?.key.equals(key) && isPut(newest.kind)) {
      tombs.push({ key, ts: rd.ts, kind: Kind.Tombstone, value: Buffer.alloc(0) });
    }
    while (i < cells.length && (cells[i] as Cell).key.equals(key)) i++;
  }
  for (const t of tombs) upsert(cells, t);
}

/**
 * Drops versions no snapshot at or after retentionTs can see: per key, everything older than
 * the newest version <= retentionTs, and that version too when it is a tombstone.
 */
export function pruneVersions(cells: Cell[], retentionTs: number, lastContinues: boolean, onDrop?: (c: Cell) => void): Cell[] {
  if (retentionTs <= 0) return cells;
  const out: Cell[] = [];
  let i = 0;
  while (i < cells.length) {
    const key = (cells[i] as Cell).key;
    let end = i + 1;
    while (end < cells.length && (cells[end] as Cell).key.equals(key)) end++;
    // The last key's versions may continue in the next leaf: a tombstone deciding it must then
    // stay, since it hides the older versions there (whatever follows it in this leaf).
    const continues = lastContinues && end === cells.length;
    let keptOld = false;
    for (; i < end; i++) {
      const c = cells[i] as Cell;
      if (c.ts > retentionTs) out.push(c);
      else if (!keptOld) {
        keptOld = true;
        if (isPut(c.kind) || continues) out.push(c);
        else onDrop?.(c);
      } else onDrop?.(c);
    }
  }
  return out;
}
