// The simulator's per-node durable storage, behind a small interface with two implementations:
// MemoryDisk (in-memory, synchronous: fast, used for most seeds) and WalDisk (wal-disk.ts: the real
// segmented WAL of node/log over util's SimFileSystem, where a crash loses unsynced bytes and may
// tear the last write). save() is the fsync point: what it persisted survives a crash; what the
// core had not yet handed to it is lost, because a restart rebuilds the core from open().

import {
  type ConfState,
  type Entry,
  type HardState,
  MemoryRaftStorage,
  NONE,
  type RaftStorage,
  type Snapshot,
} from "../../node/raft/index.js";

export interface SimDisk {
  /** Opens (or reopens after a crash) the storage a starting node reads. */
  open(): RaftStorage | Promise<RaftStorage>;
  /**
   * Persists a Ready's snapshot, entries and hard state; durable when it returns/resolves, except
   * that with mustSync false (only the commit index changed) the disk may defer the fsync.
   */
  save(
    hardState: HardState | undefined,
    entries: readonly Entry[],
    snapshot: Snapshot | undefined,
    mustSync: boolean,
  ): void | Promise<void>;
  /** Records a state machine image at `index` and drops log entries up to `compactIndex`. */
  snapshotAndCompact(index: number, conf: ConfState, data: Uint8Array, compactIndex: number): void | Promise<void>;
  /** Power loss: everything not yet durable is gone (the process is gone too). */
  crash(): void;
  /** The durable snapshot (for restoring the state machine on restart). */
  snapshot(): Snapshot;
  /** Term of a durable entry, or undefined (for the log-matching check). */
  term(index: number): number | undefined;
  /** Faults end (liveness phase): e.g. the disk stops filling up. */
  heal?(): void;
}

export interface DiskBugs {
  /** Drop the vote when persisting the hard state (an injected bug: double voting after a crash). */
  forgetVote?: boolean;
}

export class MemoryDisk implements SimDisk {
  private readonly storage: MemoryRaftStorage;

  constructor(
    bootstrapVoters: readonly number[] | undefined,
    private readonly bugs: DiskBugs = {},
  ) {
    this.storage = bootstrapVoters !== undefined ? MemoryRaftStorage.bootstrap(bootstrapVoters) : new MemoryRaftStorage();
  }

  open(): RaftStorage {
    return this.storage;
  }

  save(hardState: HardState | undefined, entries: readonly Entry[], snapshot: Snapshot | undefined, _mustSync: boolean): void {
    if (snapshot !== undefined) this.storage.applySnapshot(snapshot);
    this.storage.append(entries);
    if (hardState !== undefined) this.storage.setHardState(this.bugs.forgetVote ? { ...hardState, vote: NONE } : hardState);
  }

  snapshotAndCompact(index: number, conf: ConfState, data: Uint8Array, compactIndex: number): void {
    if (index <= this.storage.snapshot().metadata.index || index > this.storage.lastIndex()) return;
    this.storage.createSnapshot(index, conf, data);
    this.storage.compact(Math.min(compactIndex, index));
  }

  crash(): void {
    // Every save() was durable when it returned: nothing to lose.
  }

  snapshot(): Snapshot {
    return this.storage.snapshot();
  }

  term(index: number): number | undefined {
    if (index < this.storage.firstIndex() - 1 || index > this.storage.lastIndex()) return undefined;
    return this.storage.term(index);
  }
}
