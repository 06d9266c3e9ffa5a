// Bounded cache of the most recent log entries, so the leader replicating fresh entries and the
// applier never touch the disk. A contiguous window ending at the log's last index; it must never
// exceed its entry or byte bound (metrics kodiak_log_cache_entries / kodiak_log_cache_bytes).

import type { Entry } from "../raft/types.js";

/** Default bounds: a few seconds of a busy leader's appends. */
export const CACHE_MAX_ENTRIES = 8192;
export const CACHE_MAX_BYTES = 32 * 1024 * 1024;

export class EntryCache {
  private entries: (Entry | undefined)[] = [];
  /** Slot of the oldest cached entry (eviction advances it; the array is compacted lazily). */
  private head = 0;
  private bytesHeld = 0;

  constructor(
    readonly maxEntries: number,
    readonly maxBytes: number,
  ) {}

  get size(): number {
    return this.entries.length - this.head;
  }

  get bytes(): number {
    return this.bytesHeld;
  }

  get(index: number): Entry | undefined {
    const first = this.entries[this.head];
    if (first === undefined) return undefined;
    return this.entries[this.head + index - first.index];
  }

  /** Adds the entry after the current last one (the caller truncates first on a conflict). */
  append(e: Entry): void {
    const last = this.entries[this.entries.length - 1];
    if (this.size > 0 && last !== undefined && last.index + 1 !== e.index) this.clear();
    this.entries.push(e);
    this.bytesHeld += e.data.length;
    while (this.size > this.maxEntries || (this.bytesHeld > this.maxBytes && this.size > 0)) this.evictOldest();
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }

  truncateFrom(index: number): void {
    while (this.size > 0) {
      const last = this.entries[this.entries.length - 1] as Entry;
      if (last.index < index) break;
      this.entries.pop();
      this.bytesHeld -= last.data.length;
    }
    if (this.size === 0) this.clear();
  }

  dropBefore(index: number): void {
    while (this.size > 0 && (this.entries[this.head] as Entry).index < index) this.evictOldest();
  }

  clear(): void {
    this.entries = [];
    this.head = 0;
    this.bytesHeld = 0;
  }

  private evictOldest(): void {
    const e = this.entries[this.head] as Entry;
    this.bytesHeld -= e.data.length;
    this.entries[this.head] = undefined; // let the evicted entry's data be collected
    this.head++;
    if (this.size === 0) this.clear();
  }
}
