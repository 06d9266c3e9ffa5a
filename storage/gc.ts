// The incremental MVCC GC sweep: prunes versions no snapshot at or above the tree's retention
// timestamp can see (tree.pruneVersions) from internal-node buffers and leaves, frees the overflow
// pages of dropped versions, and merges neighbouring leaves that pruning left (nearly) empty.
// Each step visits a bounded number of pages and holds nothing between steps except page ids,
// so readers (which re-descend by key for every window) are never blocked or invalidated.
//
// A pass walks the internal pages listed when it started (depth first). For each it prunes the
// buffer, and for a level-1 page also its child leaves left to right, resuming at a child index
// between steps. Merges happen only between two children of the same parent: the left leaf takes
// the right one's cells, the parent loses the pivot between them, and the right leaf is freed.
// Internal pages are never freed, so the listed ids stay valid; a page created by a split after
// the pass started is left to the next pass.

import { PageType } from "./format.js";
import { type Cell, cellBytes, copyCell, decodeLeaf, usableBytes, writeLeaf } from "./nodes.js";
import { internalPages } from "./bulk.js";
import { cellKey, cellTs, countA, countB, link1, pageLevel, pageType, removeCells, setLink2, slotOffset } from "./slotted.js";
import { childAt, pruneVersions, type Tree } from "./tree.js";

/** Two neighbouring leaves merge when their cells together fill at most this share of a page. */
export const MERGE_FILL = 0.5;

export class GcSweep {
  /** Internal pages still to visit (a stack); null = no pass running. */
  private pages: number[] | null = null;
  /** Next child of the top page to visit; -1 = its buffer first. */
  private child = -1;
  private rootLeaf = false;
  /** Leaves merged away since the store opened (stats and tests). */
  merges = 0;

  constructor(private readonly tree: Tree) {}

  get running(): boolean {
    return this.pages !== null;
  }

  /** Starts a pass unless one is running (a running pass continues with the new retention). */
  start(): void {
    if (this.pages !== null) return;
    const root = this.tree.root;
    this.pages = internalPages(this.tree.pager, root).reverse();
    this.child = -1;
    this.rootLeaf = root !== 0 && this.pages.length === 0;
  }

  /** Forgets the pass (the tree was replaced). */
  reset(): void {
    this.pages = null;
    this.rootLeaf = false;
  }

  /** Visits at most budget pages; returns true when no pass is running any more. */
  step(budget: number): boolean {
    while (budget > 0 && this.pages !== null) {
      this.tree.pager.relieve();
      if (this.rootLeaf) {
        this.rootLeaf = false;
        budget--;
        const root = this.tree.root;
        if (pageType(this.tree.pager.get(root)) === PageType.Leaf) this.pruneLeaf(root);
        continue;
      }
      const lid = this.pages[this.pages.length - 1];
      if (lid === undefined) {
        this.pages = null;
        break;
      }
      if (this.child < 0) {
        budget--;
        this.pruneBuffer(lid);
        this.child = 0;
        continue;
      }
      const r = this.sweepLeaves(lid, this.child, budget);
      budget -= r.visited;
      if (r.next === null) {
        this.pages.pop();
        this.child = -1;
      } else this.child = r.next;
    }
    return this.pages === null;
  }

  /**
   * Drops buffered point messages of internal page lid no read at or above the retention can
   * see: per key, those older than its newest message at or below the retention (tree.ts
   * invariant 2: everything below is older still, so that message decides).
   */
  private pruneBuffer(lid: number): void {
    const tree = this.tree;
    const p = tree.pager.get(lid);
    if (pageType(p) !== PageType.Internal || countB(p) < 2 || tree.retentionTs <= 0) return;
    const na = countA(p);
    const nb = countB(p);
    const drop: number[] = [];
    let prev: Buffer | undefined;
    let decided = false;
    for (let i = na; i < na + nb; i++) {
      const o = slotOffset(p, i);
      const key = cellKey(p, o);
      if (prev === undefined || !prev.equals(key)) {
        prev = key;
        decided = false;
      }
      if (decided) drop.push(i);
      else if (cellTs(p, o) <= tree.retentionTs) decided = true;
    }
    if (drop.length === 0) return;
    for (const i of drop) tree.dropCell(copyCell(p, slotOffset(p, i)));
    for (let k = drop.length - 1; k >= 0; k--) removeCells(p, 1, drop[k] as number, (drop[k] as number) + 1);
    tree.pager.markDirty(lid);
    tree.modCount++;
  }

  /** Prunes leaf lid in place; returns its cells after pruning. */
  private pruneLeaf(lid: number): Cell[] {
    const tree = this.tree;
    const p = tree.pager.get(lid);
    const leaf = decodeLeaf(p);
    const kept = pruneVersions(leaf.cells, tree.retentionTs, tree.continuesInto(leaf.cells, leaf.next), tree.dropCell);
    if (kept.length < leaf.cells.length) {
      writeLeaf(p, lid, kept, leaf.next, leaf.prev);
      tree.pager.markDirty(lid);
      tree.modCount++;
    }
    return kept;
  }

  /**
   * Prunes the child leaves of level-1 page lid from child index `from`, merging each into its
   * left neighbour when both fit in MERGE_FILL of a page. Returns the child index to resume at
   * (null = done with this page) and the leaves visited.
   */
  private sweepLeaves(lid: number, from: number, budget: number): { next: number | null; visited: number } {
    const tree = this.tree;
    const pager = tree.pager;
    const parent = pager.get(lid);
    if (pageType(parent) !== PageType.Internal || pageLevel(parent) !== 1) return { next: null, visited: 0 };
    const limit = usableBytes(pager.pageSize) * MERGE_FILL;
    let i = from;
    let visited = 0;
    while (visited < budget && i <= countA(parent)) {
      const child = childAt(parent, i);
      if (tree.mode === "betree") tree.absorbIntoLeaf(lid, i);
      const cells = this.pruneLeaf(child);
      visited++;
      if (i > 0 && bytesOf(cells) <= limit) {
        const leftLid = childAt(parent, i - 1);
        const left = decodeLeaf(pager.get(leftLid));
        if (bytesOf(left.cells) + bytesOf(cells) <= limit) {
          const next = link1(pager.get(child));
          writeLeaf(pager.get(leftLid), leftLid, [...left.cells, ...cells], next, left.prev);
          pager.markDirty(leftLid);
          if (next !== 0) {
            setLink2(pager.get(next), leftLid);
            pager.markDirty(next);
          }
          // Pivot i-1 separates child i-1 from child i and carries child i's id: removing it
          // hands child i's key range (and any buffered messages for it) to child i-1.
          removeCells(parent, 0, i - 1, i);
          pager.markDirty(lid);
          pager.free(child);
          tree.modCount++;
          this.merges++;
          continue;
        }
      }
      i++;
    }
    return { next: i <= countA(parent) ? i : null, visited };
  }
}

function bytesOf(cells: readonly Cell[]): number {
  let b = 0;
  for (const c of cells) b += cellBytes(c);
  return b;
}
