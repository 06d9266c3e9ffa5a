// The simulator's per-node durable storage, behind a small interface with two implementations:
// MemoryDisk (in-memory, synchronous: fast, used for most seeds) and WalDisk (wal-disk.ts: the real
// segmented WAL of node/log over util's SimFileSystem, where a crash loses unsynced bytes and may
// tear the last write). Writes and their fsync are apart: save() writes, sync() is the fsync
// point, and the simulator lets time pass (messages, ticks, crashes) in between. A crash loses
// what was written and not synced (MemoryDisk may keep a prefix of it, like a torn write).

import {
  type ConfState,
  type Entry,
  type HardState,
  MemoryRaftStorage,
  NONE,
  type RaftStorage,
  type Snapshot,
} from "../../node/raft/index.js";
import type { Random } from "../../util/index.js";

export interface SimDisk {
  /** Opens (or reopens after a crash) the storage a starting node reads. */
  open(): RaftStorage | Promise<RaftStorage>;
  /**
   * Writes a Ready's snapshot, entries and hard state. The running process sees them at once;
   * they survive a crash only after sync() (WalDisk: once the returned promise resolves with
   * mustSync true, since the WAL fsyncs inside save; with mustSync false, only the commit changed,
   * and the disk may defer the fsync).
   */
  save(
    hardState: HardState | undefined,
    entries: readonly Entry[],
    snapshot: Snapshot | undefined,
    mustSync: boolean,
  ): void | Promise<void>;
  /** The fsync: everything saved so far survives a crash. */
  sync(): void;
  /** Records a state machine image at `index` and drops log entries up to `compactIndex` (durable at once). */
  snapshotAndCompact(index: number, conf: ConfState, data: Uint8Array, compactIndex: number): void | Promise<void>;
  /** Power loss: everything not yet durable is gone (the process is gone too). */
  crash(): void;
  /** The durable snapshot (for restoring the state machine on restart). */
  snapshot(): Snapshot;
  /** Last index of the durable log (what a crash now would keep, torn writes aside). */
  durableLastIndex(): number;
  /** Term of an entry the running process wrote, or undefined (for the log-matching check). */
  term(index: number): number | undefined;
  /** Faults end (liveness phase): e.g. the disk stops filling up. */
  heal?(): void;
}

export interface DiskBugs {
  /** Drop the vote when persisting the hard state (an injected bug: double voting after a crash). */
  forgetVote?: boolean;
}

/** A write not yet synced, replayed onto the durable image by sync() (or partly, by a torn crash). */
type PendingWrite = (s: MemoryRaftStorage) => void;

export class MemoryDisk implements SimDisk {
  /** What survives a crash. */
  private durable: MemoryRaftStorage;
  /** What the running process reads: the durable image plus the pending writes. */
  private live: MemoryRaftStorage;
  private pending: PendingWrite[] = [];
  private crashed = false;

  constructor(
    bootstrapVoters: readonly number[] | undefined,
    private readonly random: Random,
    private readonly bugs: DiskBugs = {},
  ) {
    this.durable = bootstrapVoters !== undefined ? MemoryRaftStorage.bootstrap(bootstrapVoters) : new MemoryRaftStorage();
    this.live = this.durable.clone();
  }

  open(): RaftStorage {
    if (this.crashed) {
      this.live = this.durable.clone();
      this.crashed = false;
    }
    return this.live;
  }

  save(hardState: HardState | undefined, entries: readonly Entry[], snapshot: Snapshot | undefined, _mustSync: boolean): void {
    // In the order the WAL makes them durable: snapshot, then term and vote, then entries one by
    // one, then the commit that travels with them.
    const writes: PendingWrite[] = [];
    if (snapshot !== undefined) {
      // Like the WAL's installSnapshot: the commit covers the snapshot in the same write.
      writes.push((s) => {
        s.applySnapshot(snapshot);
        s.setHardState({ ...s.hardState, commit: Math.max(s.hardState.commit, snapshot.metadata.index) });
      });
    }
    const hs = hardState !== undefined && this.bugs.forgetVote ? { ...hardState, vote: NONE } : hardState;
    if (hs !== undefined) writes.push((s) => s.setHardState({ ...hs, commit: s.hardState.commit }));
    for (const e of entries) writes.push((s) => s.append([e]));
    if (hs !== undefined) writes.push((s) => s.setHardState(hs));
    for (const w of writes) w(this.live);
    this.pending.push(...writes);
  }

  sync(): void {
    for (const w of this.pending) w(this.durable);
    this.pending = [];
  }

  snapshotAndCompact(index: number, conf: ConfState, data: Uint8Array, compactIndex: number): void {
    // Like the WAL, compaction first makes the log durable (the commit covers the snapshot).
    this.sync();
    for (const s of [this.live, this.durable]) {
      if (index <= s.snapshot().metadata.index || index > s.lastIndex()) continue;
      s.createSnapshot(index, conf, data);
      s.compact(Math.min(compactIndex, index));
    }
  }

  crash(): void {
    // Unsynced writes are lost; half the time a prefix of them had already reached the platter.
    const kept = this.random.int(2) === 0 ? 0 : this.random.int(this.pending.length + 1);
    for (const w of this.pending.slice(0, kept)) w(this.durable);
    this.pending = [];
    this.crashed = true;
  }

  snapshot(): Snapshot {
    return this.live.snapshot();
  }

  durableLastIndex(): number {
    return this.durable.lastIndex();
  }

  term(index: number): number | undefined {
    const s = this.live;
    if (index < s.firstIndex() - 1 || index > s.lastIndex()) return undefined;
    return s.term(index);
  }
}
