// The core's view of its log: the durable part (RaftStorage, read-only here) followed by the
// unstable part (entries and at most one snapshot not yet persisted; handed out in Ready and
// dropped from here once the caller reports them stable). No I/O: storage is only read.
//
// Invariants: firstIndex()-1 <= applied <= committed <= lastIndex(); committed never decreases;
// an entry at or below committed is never overwritten.

import { assert } from "../../util/index.js";
import type { Entry, RaftStorage, Snapshot } from "./types.js";

/** Terms and indexes are plain numbers; past this they would lose precision. */
export const MAX_SAFE_INDEX = Number.MAX_SAFE_INTEGER;

/** Approximate bytes an entry costs in a message (payload plus fixed header). */
export function entrySize(e: Entry): number {
  return e.data.length + 24;
}

/** Keeps a prefix of `ents` within maxBytes, but always at least one entry. */
export function limitSize(ents: Entry[], maxBytes: number): Entry[] {
  if (ents.length <= 1) return ents;
  let size = entrySize(ents[0] as Entry);
  let n = 1;
  for (; n < ents.length; n++) {
    size += entrySize(ents[n] as Entry);
    if (size > maxBytes) break;
  }
  return n === ents.length ? ents : ents.slice(0, n);
}

class Unstable {
  snapshot: Snapshot | undefined;
  entries: Entry[] = [];
  /** Index of entries[0] (or where it would be). */
  offset: number;

  constructor(offset: number) {
    this.offset = offset;
  }

  lastIndex(): number | undefined {
    if (this.entries.length > 0) return this.offset + this.entries.length - 1;
    return this.snapshot?.metadata.index;
  }

  term(i: number): number | undefined {
    if (i < this.offset) {
      return this.snapshot !== undefined && this.snapshot.metadata.index === i ? this.snapshot.metadata.term : undefined;
    }
    return this.entries[i - this.offset]?.term;
  }

  truncateAndAppend(ents: Entry[]): void {
    const from = (ents[0] as Entry).index;
    if (from === this.offset + this.entries.length) {
      this.entries = this.entries.concat(ents);
    } else if (from <= this.offset) {
      // Replaces everything unstable; storage's entries >= from are superseded too.
      this.offset = from;
      this.entries = ents.slice();
    } else {
      this.entries = this.entries.slice(0, from - this.offset).concat(ents);
    }
  }
}

export class RaftLog {
  committed: number;
  applied: number;
  private unstable: Unstable;

  constructor(readonly storage: RaftStorage) {
    const first = storage.firstIndex();
    const last = storage.lastIndex();
    this.unstable = new Unstable(last + 1);
    this.committed = first - 1;
    this.applied = first - 1;
  }

  firstIndex(): number {
    const s = this.unstable.snapshot;
    return s !== undefined ? s.metadata.index + 1 : this.storage.firstIndex();
  }

  lastIndex(): number {
    return this.unstable.lastIndex() ?? this.storage.lastIndex();
  }

  /** Term of entry i, or undefined if i is compacted or beyond the log. */
  term(i: number): number | undefined {
    if (i < this.firstIndex() - 1 || i > this.lastIndex()) return undefined;
    const t = this.unstable.term(i);
    if (t !== undefined) return t;
    try {
      return this.storage.term(i);
    } catch {
      return undefined; // compacted concurrently by the runtime: the caller falls back to a snapshot
    }
  }

  lastTerm(): number {
    const t = this.term(this.lastIndex());
    assert(t !== undefined, "the last entry's term is always known");
    return t;
  }

  matchTerm(i: number, term: number): boolean {
    return this.term(i) === term;
  }

  isUpToDate(lastIndex: number, term: number): boolean {
    const ourTerm = this.lastTerm();
    return term > ourTerm || (term === ourTerm && lastIndex >= this.lastIndex());
  }

  /** Entries in [lo, hi) within maxBytes (at least one); undefined if lo is compacted. */
  slice(lo: number, hi: number, maxBytes: number): Entry[] | undefined {
    if (lo < this.firstIndex()) return undefined;
    assert(lo <= hi && hi <= this.lastIndex() + 1, `slice [${lo}, ${hi}) within log ending at ${this.lastIndex()}`);
    if (lo === hi) return [];
    let out: Entry[] = [];
    const off = this.unstable.offset;
    if (lo < off) {
      let stored: Entry[];
      try {
        stored = this.storage.entries(lo, Math.min(hi, off), maxBytes);
      } catch {
        return undefined;
      }
      assert(stored.length > 0, "storage returns at least one entry");
      if (stored.length < Math.min(hi, off) - lo) return stored; // hit the byte limit
      out = stored;
    }
    if (hi > off) {
      const u = this.unstable.entries.slice(Math.max(lo, off) - off, hi - off);
      out = out.length > 0 ? out.concat(u) : u;
    }
    return limitSize(out, maxBytes);
  }

  /** Index of the first entry whose term disagrees with ours (or is new); 0 if all match. */
  findConflict(ents: readonly Entry[]): number {
    for (const e of ents) if (!this.matchTerm(e.index, e.term)) return e.index;
    return 0;
  }

  /**
   * The largest index <= index whose term is <= term (fast back-off: entries after it cannot
   * match a log whose entry at `index` has `term`).
   */
  findConflictByTerm(index: number, term: number): number {
    let i = Math.min(index, this.lastIndex());
    for (;;) {
      const t = this.term(i);
      if (t === undefined || t <= term) return i;
      i--;
    }
  }

  /** Follower side of MsgApp. Returns the last new index, or undefined when (index, logTerm) does not match. */
  maybeAppend(index: number, logTerm: number, committed: number, ents: readonly Entry[]): number | undefined {
    if (!this.matchTerm(index, logTerm)) return undefined;
    const lastNew = index + ents.length;
    const ci = this.findConflict(ents);
    if (ci !== 0) {
      assert(ci > this.committed, `entry ${ci} conflicts with committed entry (committed ${this.committed})`);
      this.append(ents.slice(ci - (index + 1)));
    }
    this.commitTo(Math.min(committed, lastNew));
    return lastNew;
  }

  append(ents: Entry[]): number {
    if (ents.length === 0) return this.lastIndex();
    const first = ents[0] as Entry;
    assert(first.index - 1 >= this.committed, `append after ${first.index - 1} would overwrite committed ${this.committed}`);
    assert(first.index <= this.lastIndex() + 1, "append leaves no gap");
    for (const e of ents) assert(e.index < MAX_SAFE_INDEX && e.term < MAX_SAFE_INDEX, "index and term below 2^53");
    this.unstable.truncateAndAppend(ents);
    return this.lastIndex();
  }

  commitTo(c: number): void {
    if (c <= this.committed) return;
    assert(c <= this.lastIndex(), `commit ${c} beyond last index ${this.lastIndex()}`);
    this.committed = c;
  }

  /** Leader side: commits maxIndex if a quorum has it and it is from the current term. */
  maybeCommit(maxIndex: number, term: number): boolean {
    if (maxIndex > this.committed && this.term(maxIndex) === term) {
      this.commitTo(maxIndex);
      return true;
    }
    return false;
  }

  appliedTo(i: number): void {
    if (i === 0) return;
    assert(i <= this.committed && i >= this.applied, `applied ${i} within [${this.applied}, ${this.committed}]`);
    this.applied = i;
  }

  hasPendingSnapshot(): boolean {
    return this.unstable.snapshot !== undefined;
  }

  unstableEntries(): Entry[] {
    return this.unstable.entries;
  }

  unstableSnapshot(): Snapshot | undefined {
    return this.unstable.snapshot;
  }

  nextCommittedEntries(maxBytes: number): Entry[] {
    if (this.hasPendingSnapshot()) return [];
    const lo = Math.max(this.applied + 1, this.firstIndex());
    if (this.committed + 1 <= lo) return [];
    return this.slice(lo, this.committed + 1, maxBytes) ?? [];
  }

  hasNextCommittedEntries(): boolean {
    return !this.hasPendingSnapshot() && this.committed > Math.max(this.applied, this.firstIndex() - 1);
  }

  /** The caller persisted entries up to (i, t): they leave the unstable part. */
  stableTo(i: number, t: number): void {
    const u = this.unstable;
    if (i >= u.offset && u.term(i) === t) {
      u.entries = u.entries.slice(i + 1 - u.offset);
      u.offset = i + 1;
    }
  }

  stableSnapTo(i: number): void {
    if (this.unstable.snapshot?.metadata.index === i) this.unstable.snapshot = undefined;
  }

  /** Replaces the whole log by a snapshot (follower installing one from the leader). */
  restore(s: Snapshot): void {
    assert(s.metadata.index > this.committed, "a restored snapshot is ahead of the commit index");
    this.committed = s.metadata.index;
    this.unstable = new Unstable(s.metadata.index + 1);
    this.unstable.snapshot = s;
  }

  snapshot(): Snapshot {
    return this.unstable.snapshot ?? this.storage.snapshot();
  }
}
