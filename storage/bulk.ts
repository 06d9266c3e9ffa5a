// Bulk loading a tree from versions in (key asc, ts desc) order, for snapshot import, and the
// ordered version stream it is fed from on export. Builds new pages only: the live tree is not
// touched until the caller swaps the root, and abort() frees everything built so far.

import { assert, KodiakError, SqlState } from "../util/index.js";
import { H_LEVEL, H_LINK1, H_NA, Kind, MAX_TS, maxInlineValueBytes, PageType, compareBytes } from "./format.js";
import { type Cell, cellBytes, type InternalNode, type Pivot, pivotBytes, usableBytes, writeInternal, writeLeaf } from "./nodes.js";
import type { Pager } from "./pager.js";
import { effectiveVersions, loadWindow } from "./read.js";
import { cellKind, cellValue, pageType, slotOffset, totalSlots } from "./slotted.js";
import { childAt, type Tree } from "./tree.js";

/** Leaves are filled to this fraction so the first inserts after an import do not all split. */
const BULK_FILL = 0.9;

export interface VersionRecord {
  key: Buffer;
  ts: number;
  /** Put or Tombstone. */
  kind: Kind;
  value: Buffer;
}

/**
 * Every version with ts <= maxTs that a snapshot at or above the tree's retention timestamp can
 * see, in (key asc, ts desc) order; range deletes resolved. The GC rule (tree.pruneVersions) is
 * applied here exactly, whatever the sweep has physically pruned so far, so two replicas at the
 * same applied index export the same records even though their GC sweeps progressed differently.
 */
export function* versionRecords(tree: Tree, maxTs: number, beforeWindow: () => void): Generator<VersionRecord> {
  let seek: Buffer | undefined;
  for (;;) {
    beforeWindow();
    const w = loadWindow(tree, seek, false);
    if (w === undefined) return;
    const retention = tree.retentionTs;
    for (const ke of w.keys) {
      for (const v of effectiveVersions(ke.events)) {
        if (v.ts > maxTs) continue;
        if (v.ts <= retention) {
          // The newest version at or below the retention: kept when it is a put, and it hides the rest.
          if (v.kind === Kind.Put) yield { key: ke.key, ts: v.ts, kind: v.kind, value: v.value };
          break;
        }
        yield { key: ke.key, ts: v.ts, kind: v.kind, value: v.value };
      }
    }
    if (w.hi === undefined) return;
    seek = w.hi;
  }
}

/** Logical ids of every page of the tree rooted at root (reads internal pages only). */
export function treePages(pager: Pager, root: number): number[] {
  if (root === 0) return [];
  const out: number[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const lid = stack.pop() as number;
    out.push(lid);
    const p = pager.get(lid);
    if (pageType(p) !== PageType.Internal) continue;
    const n = p.readUInt16LE(H_NA) + 1;
    const level = p[H_LEVEL] as number;
    for (let i = 0; i < n; i++) {
      const c = childAt(p, i);
      if (level === 1) out.push(c);
      else stack.push(c);
    }
    pager.relieve();
  }
  return out;
}

/** Logical ids of the internal pages of the tree rooted at root. */
export function internalPages(pager: Pager, root: number): number[] {
  const out: number[] = [];
  if (root === 0 || pageType(pager.get(root)) !== PageType.Internal) return out;
  const stack = [root];
  while (stack.length > 0) {
    const lid = stack.pop() as number;
    out.push(lid);
    const p = pager.get(lid);
    if ((p[H_LEVEL] as number) > 1) for (let i = 0; i <= p.readUInt16LE(H_NA); i++) stack.push(childAt(p, i));
    pager.relieve();
  }
  return out;
}

/** The overflow references held by every cell of the tree rooted at root (reads every page). */
export function overflowRefs(pager: Pager, root: number): Buffer[] {
  const out: Buffer[] = [];
  for (const lid of treePages(pager, root)) {
    const p = pager.get(lid);
    for (let i = 0; i < totalSlots(p); i++) {
      const o = slotOffset(p, i);
      if (cellKind(p, o) === Kind.PutOverflow) out.push(Buffer.from(cellValue(p, o)));
    }
    pager.relieve();
  }
  return out;
}

export class BulkLoader {
  private readonly allocated: number[] = [];
  private level0: { pivot: Pivot; lid: number }[] = [];
  private prevLast: Cell | undefined;
  private group: Cell[] = [];
  private page: Cell[] = [];
  private pageBytes = 0;
  private prevLid = 0;
  private lastKey: Buffer | undefined;
  private lastTs = 0;
  count = 0;

  constructor(
    private readonly pager: Pager,
    private readonly fanout: number,
  ) {}

  private get usable(): number {
    return usableBytes(this.pager.pageSize);
  }

  add(r: VersionRecord): void {
    if (this.lastKey !== undefined) {
      const c = compareBytes(r.key, this.lastKey);
      if (c < 0 || (c === 0 && r.ts >= this.lastTs)) {
        throw new KodiakError(SqlState.dataCorrupted, "snapshot records are out of order");
      }
      if (c !== 0) this.closeGroup();
    }
    if (r.kind !== Kind.Put && r.kind !== Kind.Tombstone)
      throw new KodiakError(SqlState.dataCorrupted, `snapshot record has kind ${r.kind}`);
    this.lastKey = r.key;
    this.lastTs = r.ts;
    if (r.kind === Kind.Put && r.value.length > maxInlineValueBytes(this.pager.pageSize, r.key.length)) {
      const ref = this.pager.writeOverflow(r.value, (lid) => this.allocated.push(lid));
      this.group.push({ key: r.key, ts: r.ts, kind: Kind.PutOverflow, value: ref });
    } else this.group.push({ key: r.key, ts: r.ts, kind: r.kind, value: r.value });
    this.count++;
  }

  private closeGroup(): void {
    let g = 0;
    for (const c of this.group) g += cellBytes(c);
    if (g <= this.usable) {
      if (this.page.length > 0 && this.pageBytes + g > this.usable * BULK_FILL) this.closePage(false);
      this.page.push(...this.group);
      this.pageBytes += g;
    } else {
      // More versions of one key than a page holds: split inside the key (tree.ts invariant 1).
      for (const c of this.group) {
        if (this.page.length > 0 && this.pageBytes + cellBytes(c) > this.usable) this.closePage(false);
        this.page.push(c);
        this.pageBytes += cellBytes(c);
      }
    }
    this.group = [];
  }

  private closePage(last: boolean): void {
    const { lid, page } = this.pager.allocate();
    this.allocated.push(lid);
    writeLeaf(page, lid, this.page, 0, this.prevLid);
    if (this.prevLid !== 0) {
      this.pager.get(this.prevLid).writeUInt32LE(lid, H_LINK1);
      this.pager.markDirty(this.prevLid);
    }
    const first = this.page[0] as Cell;
    const inKey = this.prevLast?.key.equals(first.key);
    this.level0.push({ pivot: { key: first.key, ts: inKey ? first.ts : MAX_TS }, lid });
    this.prevLast = this.page[this.page.length - 1];
    this.prevLid = lid;
    this.page = [];
    this.pageBytes = 0;
    if (!last) this.pager.relieve();
  }

  /** Writes the remaining pages and the internal levels; returns the root (0 = empty). */
  finish(): number {
    if (this.group.length > 0) this.closeGroup();
    if (this.page.length > 0) this.closePage(true);
    let level = this.level0;
    let height = 1;
    while (level.length > 1) {
      const next: { pivot: Pivot; lid: number }[] = [];
      let node: InternalNode | undefined;
      let firstPivot: Pivot = { key: Buffer.alloc(0), ts: MAX_TS };
      const flush = () => {
        if (node === undefined) return;
        const { lid, page } = this.pager.allocate();
        this.allocated.push(lid);
        writeInternal(page, lid, node);
        next.push({ pivot: firstPivot, lid });
        node = undefined;
      };
      for (const child of level) {
        const full =
          node !== undefined &&
          (node.children.length >= this.fanout ||
            pivotBytes(node) + cellBytes({ key: child.pivot.key, ts: 0, kind: Kind.Pivot, value: Buffer.alloc(4) }) >
              this.usable * BULK_FILL);
        if (full) flush();
        if (node === undefined) {
          node = { level: height, pivots: [], children: [child.lid], msgs: [], rds: [] };
          firstPivot = child.pivot;
        } else {
          node.pivots.push(child.pivot);
          node.children.push(child.lid);
        }
      }
      flush();
      level = next;
      height++;
    }
    assert(level.length <= 1, "bulk load ends with one root");
    return level[0]?.lid ?? 0;
  }

  abort(): void {
    for (const lid of this.allocated) this.pager.free(lid);
  }
}
