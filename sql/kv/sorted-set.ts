// An ordered set of strings in chunks (a one-level B-tree): O(sqrt n)-ish inserts and ordered
// range iteration, used for key indexes of the in-memory store and transaction write buffers.
// Strings compare by UTF-16 code units; keys here are latin1 strings, so that is byte order.

/** Chunks split when they grow past this many keys. */
const CHUNK_KEYS_MAX = 512;

function lowerBound(xs: readonly string[], s: string): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid] < s) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class SortedStringSet {
  private chunks: string[][] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Index of the first chunk whose last key is >= s (chunks.length if none). */
  private chunkFor(s: string): number {
    let lo = 0;
    let hi = this.chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = this.chunks[mid];
      if (c[c.length - 1] < s) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Adds s; returns false if it was present. */
  add(s: string): boolean {
    if (this.chunks.length === 0) {
      this.chunks.push([s]);
      this.count = 1;
      return true;
    }
    let ci = this.chunkFor(s);
    if (ci === this.chunks.length) ci--;
    const c = this.chunks[ci];
    const i = lowerBound(c, s);
    if (c[i] === s) return false;
    if (i === c.length) c.push(s);
    else c.splice(i, 0, s);
    this.count++;
    if (c.length > CHUNK_KEYS_MAX) this.chunks.splice(ci + 1, 0, c.splice(c.length >>> 1));
    return true;
  }

  /** Keys in [start, end), in order. */
  *range(start: string, end: string): Generator<string> {
    const first = this.chunkFor(start);
    for (let ci = first; ci < this.chunks.length; ci++) {
      const c = this.chunks[ci];
      for (let i = ci === first ? lowerBound(c, start) : 0; i < c.length; i++) {
        if (c[i] >= end) return;
        yield c[i];
      }
    }
  }

  /** Keys in [start, end) as an array. */
  slice(start: string, end: string): string[] {
    const out: string[] = [];
    const first = this.chunkFor(start);
    for (let ci = first; ci < this.chunks.length; ci++) {
      const c = this.chunks[ci];
      for (let i = ci === first ? lowerBound(c, start) : 0; i < c.length; i++) {
        if (c[i] >= end) return out;
        out.push(c[i]);
      }
    }
    return out;
  }

  static from(keys: Iterable<string>): SortedStringSet {
    const all = [...new Set(keys)].sort();
    const s = new SortedStringSet();
    for (let i = 0; i < all.length; i += CHUNK_KEYS_MAX / 2) s.chunks.push(all.slice(i, i + CHUNK_KEYS_MAX / 2));
    s.count = all.length;
    return s;
  }
}
