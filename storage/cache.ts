// Page cache: page Buffers keyed by logical page id, bounded in bytes, with CLOCK replacement
// (a reference counter per slot instead of an LRU list: a hit is two array writes). It only holds
// pages and picks victims; the pager writes dirty victims out first. It never touches files.

import { H_TYPE, PageType } from "./format.js";

export interface PageCacheStats {
  /** kodiak_page_cache_bytes: bytes of page buffers held. */
  bytes: number;
  capacityBytes: number;
  pages: number;
  dirtyPages: number;
  hits: number;
  misses: number;
  evictions: number;
  /** Dirty pages written early (to a shadow location) to make room. */
  spills: number;
}

/** Sweeps an internal page survives untouched (leaves: 1), so upper levels stay cached. */
export const INTERNAL_PAGE_CHANCES = 3;
/** Evicted buffers kept for reuse; small, so the cache bound stays meaningful. */
const RECYCLE_MAX = 16;

export class PageCache {
  /** lid -> slot + 1 (0 = not cached); dense because logical ids are. */
  private slotOf = new Int32Array(1024);
  private lids: number[] = [];
  private bufs: (Buffer | undefined)[] = [];
  private chances = new Uint8Array(64);
  private readonly freeSlots: number[] = [];
  private hand = 0;
  private count = 0;
  private readonly dirty = new Set<number>();
  private readonly recycled: Buffer[] = [];
  hits = 0;
  misses = 0;
  evictions = 0;
  spills = 0;

  constructor(
    readonly pageSize: number,
    readonly capacityBytes: number,
  ) {}

  get size(): number {
    return this.count;
  }

  get bytes(): number {
    return this.count * this.pageSize;
  }

  get capacityPages(): number {
    return Math.floor(this.capacityBytes / this.pageSize);
  }

  overBudget(): boolean {
    return this.count * this.pageSize > this.capacityBytes;
  }

  /** Returns the page and marks it recently used (internal pages get more chances); undefined on a miss. */
  lookup(lid: number): Buffer | undefined {
    const s = lid < this.slotOf.length ? (this.slotOf[lid] as number) - 1 : -1;
    if (s < 0) return undefined;
    const p = this.bufs[s] as Buffer;
    this.chances[s] = p[H_TYPE] === PageType.Internal ? INTERNAL_PAGE_CHANCES : 1;
    return p;
  }

  /** Returns the page without marking it used. */
  peek(lid: number): Buffer | undefined {
    const s = lid < this.slotOf.length ? (this.slotOf[lid] as number) - 1 : -1;
    return s < 0 ? undefined : this.bufs[s];
  }

  has(lid: number): boolean {
    return lid < this.slotOf.length && (this.slotOf[lid] as number) > 0;
  }

  insert(lid: number, page: Buffer): void {
    if (lid >= this.slotOf.length) {
      let n = this.slotOf.length;
      while (n <= lid) n *= 2;
      const grown = new Int32Array(n);
      grown.set(this.slotOf);
      this.slotOf = grown;
    }
    let s = this.freeSlots.pop();
    if (s === undefined) {
      s = this.lids.length;
      this.lids.push(lid);
      this.bufs.push(page);
      if (s >= this.chances.length) {
        const grown = new Uint8Array(this.chances.length * 2);
        grown.set(this.chances);
        this.chances = grown;
      }
    } else {
      this.lids[s] = lid;
      this.bufs[s] = page;
    }
    this.chances[s] = 1;
    this.slotOf[lid] = s + 1;
    this.count++;
  }

  allocBuffer(): Buffer {
    return this.recycled.pop() ?? Buffer.allocUnsafe(this.pageSize);
  }

  markDirty(lid: number): void {
    this.dirty.add(lid);
  }

  isDirty(lid: number): boolean {
    return this.dirty.has(lid);
  }

  clean(lid: number): void {
    this.dirty.delete(lid);
  }

  dirtyIds(): number[] {
    return [...this.dirty];
  }

  /** Cached logical ids, in slot order. */
  cachedIds(): number[] {
    return this.lids.filter((lid, s) => this.bufs[s] !== undefined && lid > 0);
  }

  /** Picks up to n victims with the CLOCK sweep (pages used since the last sweep are spared). */
  victims(n: number): number[] {
    const out: number[] = [];
    const slots = this.lids.length;
    // Each full turn lowers every counter, so INTERNAL_PAGE_CHANCES + 1 turns always suffice.
    for (let steps = 0; out.length < n && steps < slots * (INTERNAL_PAGE_CHANCES + 1); steps++) {
      const s = this.hand;
      this.hand = (this.hand + 1) % slots;
      if (this.bufs[s] === undefined) continue;
      const c = this.chances[s] as number;
      if (c > 0) this.chances[s] = c - 1;
      else out.push(this.lids[s] as number);
    }
    return out;
  }

  private drop(lid: number): Buffer | undefined {
    const s = lid < this.slotOf.length ? (this.slotOf[lid] as number) - 1 : -1;
    if (s < 0) return undefined;
    const p = this.bufs[s];
    this.bufs[s] = undefined;
    this.lids[s] = 0;
    this.slotOf[lid] = 0;
    this.freeSlots.push(s);
    this.dirty.delete(lid);
    this.count--;
    return p;
  }

  /** Drops a page (which must be clean) and keeps its buffer for reuse. */
  evict(lid: number): void {
    const p = this.drop(lid);
    if (p === undefined) return;
    this.evictions++;
    if (this.recycled.length < RECYCLE_MAX) this.recycled.push(p);
  }

  /** Forgets a freed page; its buffer is not reused (a caller may still hold it this operation). */
  forget(lid: number): void {
    this.drop(lid);
  }

  stats(): PageCacheStats {
    return {
      bytes: this.bytes,
      capacityBytes: this.capacityBytes,
      pages: this.count,
      dirtyPages: this.dirty.size,
      hits: this.hits,
      misses: this.misses,
      evictions: this.evictions,
      spills: this.spills,
    };
  }
}
