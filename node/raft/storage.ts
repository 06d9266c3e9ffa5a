// In-memory RaftStorage for tests and the simulator: what a durable log holds, with the writes
// the runtime performs after a Ready (append, setHardState, applySnapshot) and compaction.
// ents[0] is a dummy entry at the snapshot's index carrying its term.

import { assert, KodiakError, SqlState } from "../../util/index.js";
import { encodeConfChange } from "./confchange.js";
import { limitSize } from "./log.js";
import type { ConfState, Entry, HardState, RaftStorage, Snapshot } from "./types.js";
import { NONE } from "./types.js";

export class CompactedError extends KodiakError {
  constructor(index: number) {
    super(SqlState.internalError, `raft log index ${index} is compacted`, { where: "raft.storage" });
  }
}

export class UnavailableError extends KodiakError {
  constructor(index: number) {
    super(SqlState.internalError, `raft log index ${index} is not yet available`, { where: "raft.storage" });
  }
}

export class MemoryRaftStorage implements RaftStorage {
  hardState: HardState = { term: 0, vote: NONE, commit: 0 };
  private snap: Snapshot;
  private ents: Entry[];

  constructor(conf: ConfState = { voters: [], learners: [] }) {
    this.snap = {
      metadata: { index: 0, term: 0, conf: { voters: [...conf.voters], learners: [...conf.learners] } },
      data: new Uint8Array(0),
    };
    this.ents = [{ term: 0, index: 0, type: "normal", data: new Uint8Array(0) }];
  }

  initialState(): { hardState: HardState; confState: ConfState } {
    const c = this.snap.metadata.conf;
    return { hardState: { ...this.hardState }, confState: { voters: [...c.voters], learners: [...c.learners] } };
  }

  private offset(): number {
    return (this.ents[0] as Entry).index;
  }

  firstIndex(): number {
    return this.offset() + 1;
  }

  lastIndex(): number {
    return this.offset() + this.ents.length - 1;
  }

  term(i: number): number {
    const off = this.offset();
    if (i < off) throw new CompactedError(i);
    if (i > this.lastIndex()) throw new UnavailableError(i);
    return (this.ents[i - off] as Entry).term;
  }

  entries(lo: number, hi: number, maxBytes: number): Entry[] {
    const off = this.offset();
    if (lo <= off) throw new CompactedError(lo);
    if (hi > this.lastIndex() + 1) throw new UnavailableError(hi - 1);
    return limitSize(this.ents.slice(lo - off, hi - off), maxBytes);
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  setHardState(hs: HardState): void {
    this.hardState = { ...hs };
  }

  /** Appends entries, truncating any conflicting suffix first. */
  append(entries: readonly Entry[]): void {
    const first = entries[0];
    if (first === undefined) return;
    const off = this.offset();
    if (first.index + entries.length - 1 <= off) return; // all compacted already
    const skip = Math.max(0, off + 1 - first.index);
    const rest = entries.slice(skip);
    const start = (rest[0] as Entry).index;
    assert(start <= this.lastIndex() + 1, `append at ${start} leaves a gap after ${this.lastIndex()}`);
    this.ents = this.ents.slice(0, start - off).concat(rest);
  }

  /** Replaces everything with a snapshot received from the leader. */
  applySnapshot(s: Snapshot): void {
    if (s.metadata.index <= this.snap.metadata.index) return;
    this.snap = s;
    this.ents = [{ term: s.metadata.term, index: s.metadata.index, type: "normal", data: new Uint8Array(0) }];
  }

  /** Records a local snapshot of the state machine at `index` (which must be in the log). */
  createSnapshot(index: number, conf: ConfState, data: Uint8Array): Snapshot {
    assert(index > this.snap.metadata.index && index <= this.lastIndex(), "snapshot index within the log and newer");
    this.snap = { metadata: { index, term: this.term(index), conf: { voters: [...conf.voters], learners: [...conf.learners] } }, data };
    return this.snap;
  }

  /** Drops entries before compactIndex (keeping it as the dummy); compactIndex <= the snapshot index. */
  compact(compactIndex: number): void {
    const off = this.offset();
    if (compactIndex <= off) return;
    assert(compactIndex <= this.snap.metadata.index, "compact only what a snapshot covers");
    this.ents = this.ents.slice(compactIndex - off);
  }

  /** An independent copy (entries are immutable, so they are shared): the simulator's durable image. */
  clone(): MemoryRaftStorage {
    const c = new MemoryRaftStorage();
    c.hardState = { ...this.hardState };
    c.snap = this.snap;
    c.ents = this.ents.slice();
    return c;
  }

  /** Bootstraps a fresh group: entries 1..n add the initial voters, committed at term 1 (like etcd's Bootstrap). */
  static bootstrap(voters: readonly number[]): MemoryRaftStorage {
    const s = new MemoryRaftStorage();
    s.append(voters.map((id, i) => ({ term: 1, index: i + 1, type: "confChange" as const, data: encodeBootstrap(id) })));
    s.setHardState({ term: 1, vote: NONE, commit: voters.length });
    return s;
  }
}

function encodeBootstrap(id: number): Uint8Array {
  return encodeConfChange({ type: "addVoter", nodeId: id });
}
