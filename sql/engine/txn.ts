// A transaction over the KV store: snapshot reads at a fixed timestamp, buffered writes (read your
// own writes), the read set and scanned ranges for commit-time validation, and savepoints.
// Nothing reaches the store before commit, so ROLLBACK is simply dropping this object.
import { type Clock, KodiakError, systemClock } from "../../util/index.js";
import { type Key, type KeyRange, type KvEntry, type KvStore, keyString, SortedStringSet } from "../kv/index.js";

interface BufferedWrite {
  readonly key: Key;
  readonly value: Uint8Array | null;
}

/** Keys remembered per snapshot by getShared (only a few hot keys use it). */
const SHARED_READS_MAX = 16;
/** Per store: values read through getShared at its most recent snapshot timestamp. */
const sharedReads = new WeakMap<KvStore, { ts: bigint; values: Map<string, { entry: KvEntry | undefined }> }>();

export class Transaction {
  readonly readTs: bigint;
  private writes = new Map<string, BufferedWrite>();
  private readonly reads = new Map<string, { key: Key; version: bigint }>();
  private readonly ranges: KeyRange[] = [];
  private readonly savepoints: { name: string; mark: number }[] = [];
  /** Undo log: the previous buffered write (or none) of every put, so marks cost O(1). */
  private readonly undo: { ks: string; prev: BufferedWrite | undefined }[] = [];
  /** Buffered write keys in byte order (maintained on every new key; rebuilt after restores). */
  private sortedWrites = new SortedStringSet();

  /** Wall-clock start time (ms), for now() and current_timestamp. */
  readonly startedAtMs: number;

  constructor(
    private readonly store: KvStore,
    clock: Clock = systemClock,
  ) {
    this.readTs = store.snapshotTimestamp();
    this.startedAtMs = clock.nowMs();
  }

  get hasWrites(): boolean {
    return this.writes.size > 0;
  }

  get(key: Key): Uint8Array | undefined {
    const ks = keyString(key);
    const w = this.writes.get(ks);
    if (w) return w.value ?? undefined;
    const e = this.store.get(key, this.readTs);
    if (!this.reads.has(ks)) this.reads.set(ks, { key, version: e?.version ?? 0n });
    return e?.value;
  }

  /**
   * get() for a key nearly every statement reads (the catalog document): transactions reading at
   * the same snapshot share one copy of the value (a snapshot never changes), so parsed forms
   * cached by identity stay valid. The read is recorded like get()'s.
   */
  getShared(key: Key): Uint8Array | undefined {
    const ks = keyString(key);
    const w = this.writes.get(ks);
    if (w) return w.value ?? undefined;
    let snap = sharedReads.get(this.store);
    if (snap === undefined || snap.ts !== this.readTs) {
      snap = { ts: this.readTs, values: new Map() };
      sharedReads.set(this.store, snap);
    }
    let hit = snap.values.get(ks);
    if (hit === undefined) {
      hit = { entry: this.store.get(key, this.readTs) };
      if (snap.values.size < SHARED_READS_MAX) snap.values.set(ks, hit);
    }
    if (!this.reads.has(ks)) this.reads.set(ks, { key, version: hit.entry?.version ?? 0n });
    return hit.entry?.value;
  }

  /** Entries in [start, end) merged with this transaction's own writes; the range is recorded for validation. */
  scan(range: KeyRange): Iterable<{ key: Key; value: Uint8Array }> {
    this.ranges.push(range);
    // Without own writes the store's iterator is the answer (no per-entry generator step).
    if (this.writes.size === 0) return this.store.scan(range, this.readTs);
    return this.mergedScan(range);
  }

  private *mergedScan(range: KeyRange): Iterable<{ key: Key; value: Uint8Array }> {
    const start = keyString(range.start);
    const end = keyString(range.end);
    const mine = this.sortedWrites.slice(start, end);
    let i = 0;
    for (const e of this.store.scan(range, this.readTs)) {
      const ks = keyString(e.key);
      while (i < mine.length && mine[i] < ks) {
        const w = this.writes.get(mine[i++])!;
        if (w.value) yield { key: w.key, value: w.value };
      }
      if (i < mine.length && mine[i] === ks) {
        const w = this.writes.get(mine[i++])!;
        if (w.value) yield { key: w.key, value: w.value };
        continue;
      }
      yield e;
    }
    while (i < mine.length) {
      const w = this.writes.get(mine[i++])!;
      if (w.value) yield { key: w.key, value: w.value };
    }
  }

  put(key: Key, value: Uint8Array | null): void {
    const ks = keyString(key);
    const prev = this.writes.get(ks);
    if (!prev) this.sortedWrites.add(ks);
    this.undo.push({ ks, prev });
    this.writes.set(ks, { key, value });
  }

  savepoint(name: string): void {
    this.savepoints.push({ name, mark: this.undo.length });
  }

  private findSavepoint(name: string): number {
    for (let i = this.savepoints.length - 1; i >= 0; i--) if (this.savepoints[i].name === name) return i;
    throw new KodiakError("3B001", `savepoint "${name}" does not exist`);
  }

  rollbackTo(name: string): void {
    const i = this.findSavepoint(name);
    this.restore(this.savepoints[i].mark);
    this.savepoints.length = i + 1;
  }

  release(name: string): void {
    this.savepoints.length = this.findSavepoint(name);
  }

  /** Statement-level atomicity: a failed statement's writes are undone. */
  mark(): number {
    return this.undo.length;
  }
  restore(mark: number): void {
    if (this.undo.length === mark) return;
    let removed = false;
    while (this.undo.length > mark) {
      const u = this.undo.pop()!;
      if (u.prev) this.writes.set(u.ks, u.prev);
      else {
        this.writes.delete(u.ks);
        removed = true;
      }
    }
    if (removed) this.sortedWrites = SortedStringSet.from(this.writes.keys());
  }

  async commit(): Promise<void> {
    if (this.writes.size === 0) return; // read-only: its snapshot was consistent, nothing to validate
    await this.store.commit({ readTs: this.readTs, reads: this.reads, ranges: this.ranges, writes: this.writes });
  }
}
