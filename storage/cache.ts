// Page cache: page Buffers keyed by logical page id, in LRU order, bounded in bytes. It only
// holds and orders pages; the pager decides what to evict and writes dirty pages out first.
// It never reads or writes files itself.

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

export class PageCache {
  /** Map iteration order is the LRU order: least recently used first. */
  private readonly pages = new Map<number, Buffer>();
  private readonly dirty = new Set<number>();
  /** Buffers of evicted pages, reused for the next miss (bounded by RECYCLE_MAX). */
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
    return this.pages.size;
  }

  get bytes(): number {
    return this.pages.size * this.pageSize;
  }

  overBudget(): boolean {
    return this.pages.size * this.pageSize > this.capacityBytes;
  }

  /** Returns the page and marks it most recently used; undefined on a miss. */
  lookup(lid: number): Buffer | undefined {
    const p = this.pages.get(lid);
    if (p === undefined) return undefined;
    this.pages.delete(lid);
    this.pages.set(lid, p);
    return p;
  }

  has(lid: number): boolean {
    return this.pages.has(lid);
  }

  insert(lid: number, page: Buffer): void {
    this.pages.set(lid, page);
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

  /** Least recently used first. */
  lruOrder(): IterableIterator<number> {
    return this.pages.keys();
  }

  /** Drops a page (which must be clean) and keeps its buffer for reuse. */
  evict(lid: number): void {
    const p = this.pages.get(lid);
    if (p === undefined) return;
    this.pages.delete(lid);
    this.dirty.delete(lid);
    this.evictions++;
    if (this.recycled.length < RECYCLE_MAX) this.recycled.push(p);
  }

  /** Forgets a freed page; its buffer is not reused (a caller may still hold it this operation). */
  forget(lid: number): void {
    this.pages.delete(lid);
    this.dirty.delete(lid);
  }

  stats(): PageCacheStats {
    return {
      bytes: this.bytes,
      capacityBytes: this.capacityBytes,
      pages: this.pages.size,
      dirtyPages: this.dirty.size,
      hits: this.hits,
      misses: this.misses,
      evictions: this.evictions,
      spills: this.spills,
    };
  }
}

/** Evicted buffers kept for reuse; small, so the cache bound stays meaningful. */
const RECYCLE_MAX = 16;
