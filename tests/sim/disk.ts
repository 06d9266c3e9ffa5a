// The simulator's per-node durable storage, behind a small interface so the in-memory model can
// be swapped for the real WAL (node/log over util's SimFileSystem). save() is the simulated fsync
// point: everything passed to it survives a crash; anything the core had not yet handed to it is
// lost, because a restart rebuilds the core from reopen().

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
  /** Persists a Ready's snapshot, entries and hard state (durable when it returns). */
  save(hardState: HardState | undefined, entries: readonly Entry[], snapshot: Snapshot | undefined): void;
  /** Records a state machine image at `index` and drops log entries before `compactIndex`. */
  snapshotAndCompact(index: number, conf: ConfState, data: Uint8Array, compactIndex: number): void;
  /** The storage a (re)started node reads. */
  reopen(): RaftStorage;
  /** The durable snapshot (for restoring the state machine on restart). */
  snapshot(): Snapshot;
  /** Term of a durable entry, or undefined (for the log-matching check). */
  term(index: number): number | undefined;
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

  save(hardState: HardState | undefined, entries: readonly Entry[], snapshot: Snapshot | undefined): void {
    if (snapshot !== undefined) this.storage.applySnapshot(snapshot);
    this.storage.append(entries);
    if (hardState !== undefined) this.storage.setHardState(this.bugs.forgetVote ? { ...hardState, vote: NONE } : hardState);
  }

  snapshotAndCompact(index: number, conf: ConfState, data: Uint8Array, compactIndex: number): void {
    if (index <= this.storage.snapshot().metadata.index || index > this.storage.lastIndex()) return;
    this.storage.createSnapshot(index, conf, data);
    this.storage.compact(Math.min(compactIndex, index));
  }

  reopen(): RaftStorage {
    return this.storage;
  }

  snapshot(): Snapshot {
    return this.storage.snapshot();
  }

  term(index: number): number | undefined {
    if (index < this.storage.firstIndex() - 1 || index > this.storage.lastIndex()) return undefined;
    return this.storage.term(index);
  }
}
