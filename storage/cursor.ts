// Ordered iteration at a snapshot timestamp, forward or reverse, with seek. Works one leaf window
// at a time and re-descends by key for the next one, so concurrent writes, flushes, GC and
// checkpoints never invalidate it. It never holds a page Buffer between calls.

import { compareBytes } from "./format.js";
import { prefixEnd } from "./keycodec.js";
import { loadWindow, visibleAt, visibleWindow } from "./read.js";
import type { Tree } from "./tree.js";

export interface Entry {
  key: Buffer;
  value: Buffer;
}

export interface ScanOptions {
  /** Inclusive lower bound. */
  start?: Uint8Array;
  /** Exclusive upper bound. */
  end?: Uint8Array;
  /** Only keys starting with these bytes (combined with start/end). */
  prefix?: Uint8Array;
  reverse?: boolean;
  /** Stop after this many entries. */
  limit?: number;
}

/** Called before each window: checks the snapshot is still readable and relieves the cache. */
export type WindowGuard = () => void;

const ZERO = Buffer.from([0]);

export class Cursor implements IterableIterator<Entry> {
  private readonly start: Buffer | undefined;
  private readonly end: Buffer | undefined;
  private readonly reverse: boolean;
  private remaining: number;
  private batch: Entry[] = [];
  private pos = 0;
  /** Forward: next window seek key; reverse: exclusive upper bound. null = exhausted. */
  private next_: Buffer | undefined | null;
  /** Forward: skip keys below this; reverse: skip keys at or above this. */
  private bound: Buffer | undefined;

  constructor(
    private readonly tree: Tree,
    opts: ScanOptions,
    private readonly ts: number,
    private readonly guard: WindowGuard,
  ) {
    let start = opts.start === undefined ? undefined : Buffer.from(opts.start);
    let end = opts.end === undefined ? undefined : Buffer.from(opts.end);
    if (opts.prefix !== undefined) {
      const p = Buffer.from(opts.prefix);
      if (start === undefined || compareBytes(p, start) > 0) start = p;
      const pe = prefixEnd(p);
      if (pe !== undefined && (end === undefined || compareBytes(Buffer.from(pe), end) < 0)) end = Buffer.from(pe);
    }
    this.start = start;
    this.end = end;
    this.reverse = opts.reverse === true;
    this.remaining = opts.limit ?? Number.POSITIVE_INFINITY;
    this.next_ = this.reverse ? end : start;
    this.bound = this.next_ ?? undefined;
  }

  /** Repositions: forward to the first key >= key, reverse to the last key <= key. */
  seek(key: Uint8Array): void {
    const k = Buffer.from(key);
    this.batch = [];
    this.pos = 0;
    if (this.reverse) {
      const b = Buffer.concat([k, ZERO]);
      this.next_ = this.end !== undefined && compareBytes(this.end, b) < 0 ? this.end : b;
    } else {
      this.next_ = this.start !== undefined && compareBytes(this.start, k) > 0 ? this.start : k;
    }
    this.bound = this.next_;
  }

  next(): IteratorResult<Entry> {
    if (this.remaining <= 0) return { done: true, value: undefined };
    while (this.pos >= this.batch.length) {
      if (this.next_ === null) return { done: true, value: undefined };
      this.fill();
    }
    this.remaining--;
    return { done: false, value: this.batch[this.pos++] as Entry };
  }

  [Symbol.iterator](): IterableIterator<Entry> {
    return this;
  }

  /** All remaining entries as an array. */
  toArray(): Entry[] {
    return [...this];
  }

  private fill(): void {
    this.guard();
    this.batch = [];
    this.pos = 0;
    const out: Entry[] = [];
    // Forward: copy nothing past the scan's end (a short range would otherwise copy the whole leaf).
    const fast = visibleWindow(this.tree, this.next_ ?? undefined, this.reverse, this.ts, this.reverse ? undefined : this.end);
    let w: { lo: Buffer | undefined; hi: Buffer | undefined } | undefined = fast;
    if (fast !== undefined) {
      for (const e of fast.entries) if (this.inRange(e.key)) out.push(e);
    } else {
      const win = loadWindow(this.tree, this.next_ ?? undefined, this.reverse);
      w = win;
      for (const ke of win?.keys ?? []) {
        if (!this.inRange(ke.key)) continue;
        const v = visibleAt(ke.events, this.ts);
        if (v !== undefined) out.push({ key: ke.key, value: v });
      }
    }
    if (w === undefined) {
      this.next_ = null;
      return;
    }
    if (this.reverse) {
      out.reverse();
      this.next_ = w.lo === undefined || (this.start !== undefined && compareBytes(w.lo, this.start) <= 0) ? null : w.lo;
    } else {
      this.next_ = w.hi === undefined || (this.end !== undefined && compareBytes(w.hi, this.end) >= 0) ? null : w.hi;
    }
    this.batch = out;
  }

  private inRange(key: Buffer): boolean {
    if (this.start !== undefined && compareBytes(key, this.start) < 0) return false;
    if (this.end !== undefined && compareBytes(key, this.end) >= 0) return false;
    if (this.bound !== undefined) {
      if (this.reverse ? compareBytes(key, this.bound) >= 0 : compareBytes(key, this.bound) < 0) return false;
    }
    return true;
  }
}
