// RawNode: the thread-safe-by-construction driving API around Raft (etcd's rawnode.go). It turns
// caller actions into messages for Raft.step and collects Raft's output into Ready batches.
// Contract: ready() -> persist hardState/entries/snapshot -> send messages -> apply committed
// entries -> advance(); no second ready() before advance(). No I/O here.

import { assert, KodiakError, SqlState } from "../../util/index.js";
import { encodeConfChange } from "./confchange.js";
import { isLocal, isResponse } from "./messages.js";
import { MAX_COMMITTED_BYTES_PER_READY, Raft, type RaftCoreConfig } from "./raft.js";
import type {
  ConfChange,
  ConfState,
  Entry,
  HardState,
  Message,
  NodeId,
  ProgressStatus,
  RaftStatus,
  RawNodeApi,
  Ready,
  SoftState,
} from "./types.js";

function isIndex(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

/** Bad input from a peer is a KodiakError for the transport to log and drop, never an assertion. */
function validate(m: Message): void {
  const bad = (what: string): never => {
    throw new KodiakError(SqlState.protocolViolation, `malformed raft message ${m.type} from ${m.from}: ${what}`, { where: "raft" });
  };
  if (!Number.isSafeInteger(m.from) || m.from <= 0) bad("sender id");
  if (!isIndex(m.term) || !isIndex(m.logTerm) || !isIndex(m.index) || !isIndex(m.commit) || !isIndex(m.rejectHint)) {
    bad("term or index out of range");
  }
  let prev = m.index;
  if (m.type === "MsgApp")
    for (const e of m.entries) {
      if (!isIndex(e.term) || e.index !== prev + 1 || e.term > m.term) bad(`entry ${e.index}/${e.term} out of sequence`);
      prev = e.index;
    }
  const s = m.snapshot;
  if (s !== undefined && (!isIndex(s.metadata.index) || !isIndex(s.metadata.term) || s.metadata.term > m.term)) bad("snapshot metadata");
}

function sameHardState(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

export class RawNode implements RawNodeApi {
  readonly raft: Raft;
  private prevSoft: SoftState;
  private prevHard: HardState;
  /** The Ready handed out and not yet advanced. */
  private pending: Ready | undefined;

  constructor(config: RaftCoreConfig) {
    this.raft = new Raft(config);
    this.prevSoft = this.softState();
    this.prevHard = this.hardState();
  }

  private softState(): SoftState {
    return { leader: this.raft.lead, role: this.raft.role };
  }

  private hardState(): HardState {
    return { term: this.raft.term, vote: this.raft.vote, commit: this.raft.log.committed };
  }

  tick(): void {
    this.raft.tick();
  }

  campaign(): void {
    this.raft.stepLocal(this.local("MsgHup"));
  }

  /** Steps a message from a peer. Throws KodiakError 08P01 for a malformed one (nothing changes). */
  step(m: Message): void {
    // Local-only message types never come from the network.
    if (isLocal(m.type)) return;
    validate(m);
    if (isResponse(m.type) && !this.raft.prs.has(m.from)) return;
    this.raft.stepFromNetwork(m);
  }

  propose(data: Uint8Array): void {
    this.raft.stepLocal(this.local("MsgProp", { entries: [{ term: 0, index: 0, type: "normal", data }] }));
  }

  proposeEntries(data: readonly Uint8Array[]): void {
    if (data.length === 0) return;
    const entries = data.map((d): Entry => ({ term: 0, index: 0, type: "normal", data: d }));
    this.raft.stepLocal(this.local("MsgProp", { entries }));
  }

  proposeConfChange(cc: ConfChange): void {
    const data = encodeConfChange(cc);
    this.raft.stepLocal(this.local("MsgProp", { entries: [{ term: 0, index: 0, type: "confChange", data }] }));
  }

  applyConfChange(cc: ConfChange): ConfState {
    return this.raft.applyConfChange(cc);
  }

  readIndex(context: Uint8Array): void {
    this.raft.stepLocal(this.local("MsgReadIndex", { context }));
  }

  transferLeader(to: NodeId): void {
    this.raft.stepLocal(this.local("MsgTransferLeader", { from: to }));
  }

  reportUnreachable(id: NodeId): void {
    this.raft.stepLocal(this.local("MsgUnreachable", { from: id }));
  }

  reportSnapshot(id: NodeId, ok: boolean): void {
    this.raft.stepLocal(this.local("MsgSnapStatus", { from: id, reject: !ok }));
  }

  private local(type: Message["type"], extra: Partial<Message> = {}): Message {
    const id = this.raft.id;
    return { type, from: id, to: id, term: 0, logTerm: 0, index: 0, entries: [], commit: 0, reject: false, rejectHint: 0, ...extra };
  }

  hasReady(): boolean {
    const r = this.raft;
    const soft = this.softState();
    return (
      soft.leader !== this.prevSoft.leader ||
      soft.role !== this.prevSoft.role ||
      !sameHardState(this.hardState(), this.prevHard) ||
      r.log.unstableEntries().length > 0 ||
      r.log.hasPendingSnapshot() ||
      r.msgs.length > 0 ||
      r.readStates.length > 0 ||
      r.log.hasNextCommittedEntries()
    );
  }

  ready(): Ready {
    assert(this.pending === undefined, "ready() called again before advance()");
    const r = this.raft;
    const soft = this.softState();
    const hard = this.hardState();
    const rd: Ready = {
      entries: r.log.unstableEntries(),
      committedEntries: r.log.nextCommittedEntries(MAX_COMMITTED_BYTES_PER_READY),
      messages: r.msgs,
      readStates: r.readStates,
      mustSync: false,
      sendBeforePersist: false,
    };
    if (soft.leader !== this.prevSoft.leader || soft.role !== this.prevSoft.role) rd.softState = soft;
    if (!sameHardState(hard, this.prevHard)) rd.hardState = hard;
    const snap = r.log.unstableSnapshot();
    if (snap !== undefined) rd.snapshot = snap;
    const termOrVote = hard.term !== this.prevHard.term || hard.vote !== this.prevHard.vote;
    rd.mustSync = rd.entries.length > 0 || termOrVote;
    rd.sendBeforePersist = r.role === "leader" && !termOrVote && snap === undefined;
    r.msgs = [];
    r.readStates = [];
    this.pending = rd;
    return rd;
  }

  advance(): void {
    const rd = this.pending;
    assert(rd !== undefined, "advance() without a Ready");
    this.pending = undefined;
    const log = this.raft.log;
    if (rd.softState !== undefined) this.prevSoft = rd.softState;
    if (rd.hardState !== undefined) this.prevHard = rd.hardState;
    if (rd.snapshot !== undefined) {
      log.stableSnapTo(rd.snapshot.metadata.index);
      log.appliedTo(rd.snapshot.metadata.index);
    }
    const lastEntry = rd.entries[rd.entries.length - 1];
    if (lastEntry !== undefined) log.stableTo(lastEntry.index, lastEntry.term);
    const lastCommitted: Entry | undefined = rd.committedEntries[rd.committedEntries.length - 1];
    if (lastCommitted !== undefined) log.appliedTo(lastCommitted.index);
  }

  status(): RaftStatus {
    const r = this.raft;
    const s: RaftStatus = {
      id: r.id,
      term: r.term,
      vote: r.vote,
      commit: r.log.committed,
      applied: r.log.applied,
      lead: r.lead,
      role: r.role,
      conf: r.confState(),
      leadTransferee: r.leadTransferee,
    };
    if (r.role === "leader") {
      const progress = new Map<NodeId, ProgressStatus>();
      for (const [id, pr] of r.prs) {
        progress.set(id, {
          match: pr.match,
          next: pr.next,
          state: pr.state,
          recentActive: pr.recentActive,
          inflightMessages: pr.inflights.count,
          inflightBytes: pr.inflights.inflightBytes,
        });
      }
      s.progress = progress;
    }
    return s;
  }
}
