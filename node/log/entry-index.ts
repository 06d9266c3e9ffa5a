// Where every live log entry is: term, segment and byte offset, in growable typed arrays (no JS
// object per entry). Covers exactly [firstIndex, lastIndex]; must never hold a gap or a stale entry.

import { assert } from "../../util/index.js";

const INITIAL_CAPACITY = 1024;

export interface EntryLocation {
  term: number;
  segmentSeq: number;
  /** Byte offset of the entry's record in its segment. */
  offset: number;
  /** Total record length (header + payload). */
  recordBytes: number;
}

export class EntryIndex {
  private terms = new Float64Array(INITIAL_CAPACITY);
  private segs = new Float64Array(INITIAL_CAPACITY);
  private offsets = new Float64Array(INITIAL_CAPACITY);
  private lengths = new Uint32Array(INITIAL_CAPACITY);
  /** Slot of firstIndex in the arrays (dropping a prefix only moves this until it is worth compacting). */
  private head = 0;
  private count = 0;

  /** @param firstIndex index the next append must carry when the index is empty */
  constructor(private firstIndex: number) {}

  get first(): number {
    return this.firstIndex;
  }

  /** firstIndex - 1 when empty. */
  get last(): number {
    return this.firstIndex + this.count - 1;
  }

  get size(): number {
    return this.count;
  }

  append(index: number, loc: EntryLocation): void {
    assert(index === this.last + 1, `entry index ${index} appended after ${this.last}`);
    if (this.head + this.count === this.terms.length) this.grow();
    const slot = this.head + this.count;
    this.terms[slot] = loc.term;
    this.segs[slot] = loc.segmentSeq;
    this.offsets[slot] = loc.offset;
    this.lengths[slot] = loc.recordBytes;
    this.count++;
  }

  get(index: number): EntryLocation {
    assert(index >= this.firstIndex && index <= this.last, `entry ${index} outside [${this.firstIndex}, ${this.last}]`);
    const slot = this.head + index - this.firstIndex;
    return {
      term: this.terms[slot] as number,
      segmentSeq: this.segs[slot] as number,
      offset: this.offsets[slot] as number,
      recordBytes: this.lengths[slot] as number,
    };
  }

  term(index: number): number {
    assert(index >= this.firstIndex && index <= this.last, `entry ${index} outside [${this.firstIndex}, ${this.last}]`);
    return this.terms[this.head + index - this.firstIndex] as number;
  }

  /** Removes entries >= index (suffix truncation on conflict). */
  truncateFrom(index: number): void {
    assert(index >= this.firstIndex, `truncate at ${index} below first index ${this.firstIndex}`);
    if (index <= this.last) this.count = index - this.firstIndex;
  }

  /** Removes entries < index (compaction); an index past the end empties it and moves firstIndex there. */
  dropBefore(index: number): void {
    if (index <= this.firstIndex) return;
    const drop = Math.min(index - this.firstIndex, this.count);
    this.head += drop;
    this.count -= drop;
    this.firstIndex = index;
    if (this.count === 0) this.head = 0;
  }

  /** Empties the index; the next append must carry `firstIndex`. */
  reset(firstIndex: number): void {
    this.firstIndex = firstIndex;
    this.head = 0;
    this.count = 0;
  }

  private grow(): void {
    // Compact the dropped prefix away first; only double when more than half the slots are live.
    const cap = this.count * 2 > this.terms.length ? this.terms.length * 2 : this.terms.length;
    const move = <T extends Float64Array | Uint32Array>(a: T, make: (n: number) => T): T => {
      const b = make(cap);
      b.set(a.subarray(this.head, this.head + this.count));
      return b;
    };
    this.terms = move(this.terms, (n) => new Float64Array(n));
    this.segs = move(this.segs, (n) => new Float64Array(n));
    this.offsets = move(this.offsets, (n) => new Float64Array(n));
    this.lengths = move(this.lengths, (n) => new Uint32Array(n));
    this.head = 0;
  }
}
