// The Raft state machine: one step() that does the term checks every role shares, then a per-role
// step function (follower, candidate/preCandidate, leader) and a per-role tick. Output is only
// appended to `msgs` / `readStates`; RawNode hands it out in a Ready. No I/O, no clocks, no
// Math.random: time is tick(), randomness is config.random.
//
// Invariants (asserted where they are established):
//   1. term never decreases; vote is reset only when term grows (reset()).
//   2. At most one vote per term, and it is in the same Ready as the term (persist before send).
//   3. A leader commits by counting only entries of its own term (maybeCommit, Raft §5.4.2).
//   4. An entry at or below commit is never overwritten (RaftLog.append / maybeAppend).
//   5. Learners never count: quorums are computed over `voters` only (quorum.ts).
//   6. For every follower 0 <= match < next (Progress).
//
// Membership: one change at a time (thesis §4.1), taking effect when the runtime applies the
// entry (applyConfChange). The leader proposes a change only when the previous one is applied and
// it has committed an entry of its own term (the fix for the single-server change bug), and
// a node with an unapplied committed change does not campaign.
//
// State diagram (function for each transition):
//   follower --tickElection/MsgHup--> preCandidate (PreVote) --won--> candidate --won--> leader
//   follower --tickElection/MsgHup/MsgTimeoutNow--> candidate            (without PreVote / transfer)
//   any --higher term / lost election--> follower (becomeFollower)
//   leader --CheckQuorum fails / removed from the group--> follower

import { assert } from "../../util/index.js";
import { applyToConfState } from "./confchange.js";
import { DEFAULT_MAX_CLOCK_DRIFT_PERCENT, leaseTicks } from "./lease.js";
import { MAX_SAFE_INDEX, RaftLog } from "./log.js";
import { CAMPAIGN_TRANSFER, proposalDropped, sameBytes } from "./messages.js";
import { Progress } from "./progress.js";
import { isQuorum, majorityValue, voteResult } from "./quorum.js";
import { ReadOnly } from "./read-only.js";
import type { ConfChange, ConfState, Entry, Message, MessageType, NodeId, RaftConfig, ReadState, Snapshot, StateRole } from "./types.js";
import { NONE } from "./types.js";

/** Leader refuses proposals while this many entries are appended but not committed. */
export const MAX_UNCOMMITTED_ENTRIES = 10_000;
/** Bound on read requests queued before the leader has committed an entry of its term. */
export const MAX_PENDING_READ_INDEX_MESSAGES = 1024;
/** Bound on entry bytes handed to the application in one Ready. */
export const MAX_COMMITTED_BYTES_PER_READY = 4 * 1024 * 1024;

/** Deliberate bugs for the simulator's self-test. Never set outside tests. */
export interface RaftTestingKnobs {
  /** Commit a previous-term entry once a majority stores it (Raft paper Figure 8 bug). */
  commitPreviousTermByCounting?: boolean;
  /** Grant votes without checking that the candidate's log is at least as up to date (§5.4.1). */
  voteIgnoresLog?: boolean;
}

export interface RaftCoreConfig extends RaftConfig {
  /**
   * Lease reads assume every node's tick rate stays within this many percent of nominal
   * (default DEFAULT_MAX_CLOCK_DRIFT_PERCENT). See leaseTicks().
   */
  maxClockDriftPercent?: number;
  testingKnobs?: RaftTestingKnobs;
}

type Handler = (m: Message) => void;

export class Raft {
  readonly id: NodeId;
  term = 0;
  vote: NodeId = NONE;
  lead: NodeId = NONE;
  role: StateRole = "follower";
  readonly log: RaftLog;
  readonly prs = new Map<NodeId, Progress>();
  voters: NodeId[] = [];
  learners: NodeId[] = [];
  msgs: Message[] = [];
  readStates: ReadState[] = [];
  leadTransferee: NodeId = NONE;
  /** Index of the newest conf change the leader appended; none may follow until it is applied. */
  pendingConfIndex = 0;

  private readonly cfg: RaftCoreConfig;
  private readonly votes = new Map<NodeId, boolean>();
  private readonly readOnly = new ReadOnly();
  private pendingReadIndexMessages: Message[] = [];
  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;
  /** Local monotonic tick counter (never reset): the leader's lease clock. */
  private tickCount = 0;
  /**
   * Ticks since this node last heard from a leader (or booted, or led). While below
   * electionTicks and checkQuorum is on, it ignores vote requests: that is the promise lease
   * reads rely on, so a restart must not forget it.
   */
  private ticksSinceLeaderContact = 0;
  /** Set once this leader sent MsgTimeoutNow in its term: its lease may be broken by a forced vote. */
  private leaseRevoked = false;
  /** True while stepping a message that came from the network (never throw at the sender's expense). */
  private fromNetwork = false;
  private stepRole: Handler;
  private tickRole: () => void;

  constructor(cfg: RaftCoreConfig) {
    assert(cfg.id !== NONE, "node id is not 0");
    assert(cfg.heartbeatTicks > 0 && cfg.electionTicks > cfg.heartbeatTicks, "0 < heartbeatTicks < electionTicks");
    assert(cfg.maxSizePerMsg > 0, "maxSizePerMsg > 0");
    assert(!cfg.leaseReads || cfg.checkQuorum, "lease reads require checkQuorum");
    this.cfg = cfg;
    this.id = cfg.id;
    this.log = new RaftLog(cfg.storage);
    const { hardState, confState } = cfg.storage.initialState();
    this.setConf(confState);
    if (hardState.term > 0 || hardState.vote !== NONE || hardState.commit > 0) {
      assert(hardState.commit >= this.log.committed && hardState.commit <= this.log.lastIndex(), "stored commit within the log");
      this.log.commitTo(hardState.commit);
      this.term = hardState.term;
      this.vote = hardState.vote;
    }
    if (cfg.applied > 0) this.log.appliedTo(cfg.applied);
    this.stepRole = this.stepFollower;
    this.tickRole = this.tickElection;
    this.becomeFollower(this.term, NONE);
  }

  // ---- membership -------------------------------------------------------------------------

  confState(): ConfState {
    return { voters: [...this.voters], learners: [...this.learners] };
  }

  private setConf(conf: ConfState): void {
    this.voters = [...conf.voters].sort((a, b) => a - b);
    this.learners = [...conf.learners].sort((a, b) => a - b);
    const all = new Set([...this.voters, ...this.learners]);
    for (const id of [...this.prs.keys()]) if (!all.has(id)) this.prs.delete(id);
    for (const id of all) {
      const learner = this.learners.includes(id);
      const pr = this.prs.get(id);
      if (pr === undefined) this.prs.set(id, this.newProgress(id, learner));
      else pr.isLearner = learner;
    }
  }

  private newProgress(id: NodeId, isLearner: boolean): Progress {
    const last = this.log.lastIndex();
    const pr = new Progress(last + 1, this.cfg.maxInflightMsgs, this.cfg.maxInflightBytes, isLearner);
    if (id === this.id) pr.match = last;
    // A new member counts as active so CheckQuorum does not depose the leader before it answers.
    pr.recentActive = true;
    return pr;
  }

  private promotable(): boolean {
    return this.voters.includes(this.id) && !this.log.hasPendingSnapshot();
  }

  applyConfChange(cc: ConfChange): ConfState {
    this.setConf(applyToConfState(this.confState(), cc));
    if (this.role !== "leader") return this.confState();
    if (!this.voters.includes(this.id)) {
      // A removed (or demoted) leader must not keep leading a group it does not belong to.
      this.becomeFollower(this.term, NONE);
      return this.confState();
    }
    if (this.leadTransferee !== NONE && !this.voters.includes(this.leadTransferee)) this.abortLeaderTransfer();
    // A smaller quorum may commit at once.
    if (this.maybeCommit()) {
      this.releasePendingReadIndexMessages();
      this.bcastAppend();
    } else for (const id of this.prs.keys()) if (id !== this.id) this.sendAppend(id, false);
    return this.confState();
  }

  // ---- role transitions ---------------------------------------------------------------------

  private reset(term: number): void {
    assert(term < MAX_SAFE_INDEX, "term below 2^53");
    if (this.term !== term) {
      assert(term > this.term, "terms never decrease");
      this.term = term;
      this.vote = NONE;
    }
    this.lead = NONE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTimeout = this.cfg.electionTicks + this.cfg.random.int(this.cfg.electionTicks);
    this.abortLeaderTransfer();
    this.votes.clear();
    const last = this.log.lastIndex();
    for (const [id, pr] of this.prs) {
      const fresh = new Progress(last + 1, this.cfg.maxInflightMsgs, this.cfg.maxInflightBytes, pr.isLearner);
      if (id === this.id) fresh.match = last;
      this.prs.set(id, fresh);
    }
    this.pendingConfIndex = 0;
    this.readOnly.reset();
    this.pendingReadIndexMessages = [];
    this.leaseRevoked = false;
  }

  becomeFollower(term: number, lead: NodeId): void {
    this.reset(term);
    this.stepRole = this.stepFollower;
    this.tickRole = this.tickElection;
    this.lead = lead;
    this.role = "follower";
  }

  private becomeCandidate(): void {
    assert(this.role !== "leader", "leader cannot become candidate");
    this.reset(this.term + 1);
    this.stepRole = this.stepCandidate;
    this.tickRole = this.tickElection;
    this.vote = this.id;
    this.role = "candidate";
  }

  private becomePreCandidate(): void {
    assert(this.role !== "leader", "leader cannot become pre-candidate");
    // PreVote changes neither term nor vote: a partitioned node cannot disrupt the cluster.
    this.stepRole = this.stepCandidate;
    this.tickRole = this.tickElection;
    this.votes.clear();
    this.lead = NONE;
    this.role = "preCandidate";
  }

  private becomeLeader(): void {
    assert(this.role === "candidate", "only a candidate becomes leader");
    this.reset(this.term);
    this.stepRole = this.stepLeader;
    this.tickRole = this.tickHeartbeat;
    this.lead = this.id;
    this.role = "leader";
    this.ticksSinceLeaderContact = 0;
    const self = this.prs.get(this.id);
    assert(self !== undefined, "a leader is a member");
    self.becomeReplicate();
    // Conservative: no conf change until everything this leader inherited has been applied.
    this.pendingConfIndex = this.log.lastIndex();
    // The empty entry lets the leader commit (and so learn the commit index) in its own term.
    const ok = this.appendEntries([{ term: 0, index: 0, type: "normal", data: new Uint8Array(0) }]);
    assert(ok, "the leader's empty entry is always accepted");
  }

  // ---- ticks ------------------------------------------------------------------------------

  tick(): void {
    this.tickCount++;
    this.tickRole();
  }

  private tickElection = (): void => {
    this.electionElapsed++;
    this.ticksSinceLeaderContact++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.step(this.localMsg("MsgHup"));
    }
  };

  private tickHeartbeat = (): void => {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    this.ticksSinceLeaderContact = 0;
    if (this.electionElapsed >= this.cfg.electionTicks) {
      this.electionElapsed = 0;
      if (this.cfg.checkQuorum) this.step(this.localMsg("MsgCheckQuorum"));
      if (this.role === "leader" && this.leadTransferee !== NONE) this.abortLeaderTransfer();
    }
    if (this.role !== "leader") return;
    if (this.heartbeatElapsed >= this.cfg.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      this.step(this.localMsg("MsgBeat"));
    }
  };

  private localMsg(type: MessageType, extra: Partial<Message> = {}): Message {
    return {
      type,
      from: this.id,
      to: this.id,
      term: 0,
      logTerm: 0,
      index: 0,
      entries: [],
      commit: 0,
      reject: false,
      rejectHint: 0,
      ...extra,
    };
  }

  // ---- step ----------------------------------------------------------------------------------

  /** Steps a message received from a peer. Refusals are silent: the peer's caller retries. */
  stepFromNetwork(m: Message): void {
    this.fromNetwork = true;
    try {
      this.step(m);
    } finally {
      this.fromNetwork = false;
    }
  }

  step(m: Message): void {
    if (m.term === 0) {
      // local message, or a forwarded proposal / read request
    } else if (m.term > this.term) {
      if (m.type === "MsgVote" || m.type === "MsgPreVote") {
        const force = sameBytes(m.context, CAMPAIGN_TRANSFER);
        // With lease reads the promise must survive a restart, so booting counts as contact.
        const knowsLeader = this.lead !== NONE || this.cfg.leaseReads;
        const inLease = this.cfg.checkQuorum && knowsLeader && this.ticksSinceLeaderContact < this.cfg.electionTicks;
        if (!force && inLease) return; // heard from a leader recently: do not help depose it
      }
      if (m.type === "MsgPreVote") {
        // a pre-vote never changes our term
      } else if (m.type === "MsgPreVoteResp" && !m.reject) {
        // granted pre-votes carry the future term; the term changes only when we campaign
      } else if (m.type === "MsgApp" || m.type === "MsgHeartbeat" || m.type === "MsgSnap") {
        this.becomeFollower(m.term, m.from);
      } else {
        this.becomeFollower(m.term, NONE);
      }
    } else if (m.term < this.term) {
      if (m.type === "MsgHeartbeat" || m.type === "MsgApp") {
        // A stale leader learns our term and steps down (Raft §5.1). Always answering (not only
        // with CheckQuorum/PreVote as etcd does) also rescues a node whose stale configuration
        // sends its vote requests only to departed members: the leader never hears them otherwise.
        this.send({ to: m.from, type: "MsgAppResp" });
      } else if (m.type === "MsgPreVote") {
        this.send({ to: m.from, type: "MsgPreVoteResp", term: this.term, reject: true });
      }
      return;
    }

    switch (m.type) {
      case "MsgHup":
        this.hup(false);
        return;
      case "MsgVote":
      case "MsgPreVote":
        this.handleVoteRequest(m);
        return;
      default:
        this.stepRole(m);
    }
  }

  private handleVoteRequest(m: Message): void {
    const respType = m.type === "MsgVote" ? "MsgVoteResp" : "MsgPreVoteResp";
    const canVote = this.vote === m.from || (this.vote === NONE && this.lead === NONE) || (m.type === "MsgPreVote" && m.term > this.term);
    const upToDate = this.cfg.testingKnobs?.voteIgnoresLog === true || this.log.isUpToDate(m.index, m.logTerm);
    if (canVote && upToDate) {
      // Learners answer too: their view of their own promotion may be stale. Only the
      // candidate's configuration decides whose votes count.
      this.send({ to: m.from, type: respType, term: m.term });
      if (m.type === "MsgVote") {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      this.send({ to: m.from, type: respType, term: this.term, reject: true });
    }
  }

  private hup(transfer: boolean): void {
    if (this.role === "leader" || !this.promotable()) return;
    if (this.hasUnappliedConfChange()) return;
    this.campaign(this.cfg.preVote && !transfer ? "pre" : "real", transfer);
  }

  private hasUnappliedConfChange(): boolean {
    if (this.log.committed <= this.log.applied) return false;
    const ents = this.log.slice(Math.max(this.log.applied + 1, this.log.firstIndex()), this.log.committed + 1, Number.MAX_SAFE_INTEGER);
    return ents?.some((e) => e.type === "confChange") ?? false;
  }

  campaign(kind: "pre" | "real", transfer: boolean): void {
    if (!this.promotable()) return;
    let term: number;
    let type: MessageType;
    if (kind === "pre") {
      this.becomePreCandidate();
      type = "MsgPreVote";
      term = this.term + 1;
    } else {
      this.becomeCandidate();
      type = "MsgVote";
      term = this.term;
    }
    if (this.poll(this.id, true) === "won") {
      if (kind === "pre") this.campaign("real", transfer);
      else this.becomeLeader();
      return;
    }
    const lastIndex = this.log.lastIndex();
    const logTerm = this.log.lastTerm();
    for (const id of this.voters) {
      if (id === this.id) continue;
      const extra: Partial<Message> = { to: id, type, term, index: lastIndex, logTerm };
      if (transfer) extra.context = CAMPAIGN_TRANSFER;
      this.send(extra);
    }
  }

  private poll(id: NodeId, granted: boolean) {
    if (!this.votes.has(id)) this.votes.set(id, granted);
    return voteResult(this.voters, this.votes);
  }

  // ---- follower ----------------------------------------------------------------------------

  private stepFollower = (m: Message): void => {
    switch (m.type) {
      case "MsgProp":
        // Forward once: a proposal that already travelled is dropped, so no forwarding loops.
        if (this.fromNetwork) return;
        if (this.lead === NONE) throw proposalDropped("no leader");
        this.send({ ...m, to: this.lead, term: 0 }, true);
        return;
      case "MsgApp":
        this.heardFromLeader(m.from);
        this.handleAppend(m);
        return;
      case "MsgHeartbeat":
        this.heardFromLeader(m.from);
        this.handleHeartbeat(m);
        return;
      case "MsgSnap":
        this.heardFromLeader(m.from);
        this.handleSnapshot(m);
        return;
      case "MsgTransferLeader":
        if (this.lead !== NONE && !this.fromNetwork) this.send({ ...m, to: this.lead, term: 0 }, true);
        return;
      case "MsgTimeoutNow":
        // The leader picked us: campaign at once, skipping PreVote and the lease check.
        this.hup(true);
        return;
      case "MsgReadIndex":
        if (this.lead === NONE || this.fromNetwork) return; // the caller's read times out and retries
        this.send({ ...m, to: this.lead, term: 0 }, true);
        return;
      case "MsgReadIndexResp":
        if (m.context !== undefined) this.readStates.push({ index: m.index, context: m.context });
        return;
      default:
        return;
    }
  };

  private heardFromLeader(lead: NodeId): void {
    this.electionElapsed = 0;
    this.ticksSinceLeaderContact = 0;
    this.lead = lead;
  }

  private handleAppend(m: Message): void {
    if (m.index < this.log.committed) {
      this.send({ to: m.from, type: "MsgAppResp", index: this.log.committed });
      return;
    }
    const lastNew = this.log.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
    if (lastNew !== undefined) {
      this.send({ to: m.from, type: "MsgAppResp", index: lastNew });
      return;
    }
    // Fast back-off: tell the leader the last index that could match, with its term, so it can
    // skip a whole term of conflicting entries per round trip.
    const hintIndex = this.log.findConflictByTerm(Math.min(m.index, this.log.lastIndex()), m.logTerm);
    const hintTerm = this.log.term(hintIndex) ?? 0;
    this.send({ to: m.from, type: "MsgAppResp", index: m.index, reject: true, rejectHint: hintIndex, logTerm: hintTerm });
  }

  private handleHeartbeat(m: Message): void {
    // The leader sends min(our match, its commit), so this never commits an unverified entry.
    this.log.commitTo(Math.min(m.commit, this.log.lastIndex()));
    const resp: Partial<Message> = { to: m.from, type: "MsgHeartbeatResp", index: m.index };
    if (m.context !== undefined) resp.context = m.context;
    this.send(resp);
  }

  private handleSnapshot(m: Message): void {
    const s = m.snapshot;
    if (s === undefined) return;
    if (this.restore(s)) this.send({ to: m.from, type: "MsgAppResp", index: this.log.lastIndex() });
    else this.send({ to: m.from, type: "MsgAppResp", index: this.log.committed });
  }

  /** Installs a snapshot unless our log already covers it. Returns true if installed. */
  private restore(s: Snapshot): boolean {
    if (s.metadata.index <= this.log.committed) return false;
    if (this.log.matchTerm(s.metadata.index, s.metadata.term)) {
      // We have the entries: only the commit index moves.
      this.log.commitTo(s.metadata.index);
      return false;
    }
    this.log.restore(s);
    this.prs.clear();
    this.setConf(s.metadata.conf);
    return true;
  }

  // ---- candidate ---------------------------------------------------------------------------

  private stepCandidate = (m: Message): void => {
    const myRespType = this.role === "preCandidate" ? "MsgPreVoteResp" : "MsgVoteResp";
    switch (m.type) {
      case "MsgProp":
        if (!this.fromNetwork) throw proposalDropped("election in progress");
        return;
      case "MsgApp":
      case "MsgHeartbeat":
      case "MsgSnap":
        this.becomeFollower(m.term, m.from);
        this.stepFollower(m);
        return;
      case "MsgVoteResp":
      case "MsgPreVoteResp": {
        if (m.type !== myRespType) return;
        const result = this.poll(m.from, !m.reject);
        if (result === "won") {
          if (this.role === "preCandidate") this.campaign("real", false);
          else {
            this.becomeLeader();
            this.bcastAppend();
          }
        } else if (result === "lost") {
          this.becomeFollower(this.term, NONE);
        }
        return;
      }
      default:
        return;
    }
  };

  // ---- leader ------------------------------------------------------------------------------

  private stepLeader = (m: Message): void => {
    switch (m.type) {
      case "MsgBeat":
        this.bcastHeartbeat(this.readOnly.lastPendingContext());
        return;
      case "MsgCheckQuorum":
        if (!isQuorum(this.voters, (id) => id === this.id || this.prs.get(id)?.recentActive === true)) {
          this.becomeFollower(this.term, NONE);
          return;
        }
        for (const [id, pr] of this.prs) if (id !== this.id) pr.recentActive = false;
        return;
      case "MsgProp":
        this.handleProposal(m);
        return;
      case "MsgReadIndex":
        this.handleReadIndex(m);
        return;
      case "MsgTransferLeader":
        this.handleTransferLeader(m.from);
        return;
      default:
        this.stepLeaderFromPeer(m);
    }
  };

  private handleProposal(m: Message): void {
    const why = this.proposalRefusal(m.entries);
    if (why !== undefined) {
      // A forwarded proposal is dropped silently: its proposer times out and retries.
      if (!this.fromNetwork) throw proposalDropped(why);
      return;
    }
    for (const e of m.entries) if (e.type === "confChange") this.pendingConfIndex = this.log.lastIndex();
    this.bcastAppend();
  }

  /** Appends a proposal's entries, or says why it may not be. */
  private proposalRefusal(entries: readonly Entry[]): string | undefined {
    assert(entries.length > 0, "a proposal carries entries");
    if (!this.prs.has(this.id)) return "this node was removed";
    if (this.leadTransferee !== NONE) return `leadership transfer to ${this.leadTransferee} in progress`;
    for (const e of entries) {
      if (e.type !== "confChange") continue;
      if (this.pendingConfIndex > this.log.applied) return "a membership change is already in progress";
      if (this.log.term(this.log.committed) !== this.term) return "the new leader has not committed an entry yet";
    }
    if (!this.appendEntries(entries)) return "too many uncommitted entries";
    return undefined;
  }

  private appendEntries(ents: readonly Entry[]): boolean {
    const last = this.log.lastIndex();
    if (last - this.log.committed + ents.length > MAX_UNCOMMITTED_ENTRIES) return false;
    const stamped = ents.map((e, i) => ({ term: this.term, index: last + 1 + i, type: e.type, data: e.data }));
    this.log.append(stamped);
    const self = this.prs.get(this.id);
    assert(self !== undefined, "leader has its own progress");
    self.maybeUpdate(this.log.lastIndex());
    // A single-voter group commits right away.
    this.maybeCommit();
    return true;
  }

  private committedInCurrentTerm(): boolean {
    return this.log.term(this.log.committed) === this.term;
  }

  private handleReadIndex(m: Message): void {
    const ctx = m.context ?? new Uint8Array(0);
    if (this.voters.length === 1 && this.voters[0] === this.id) {
      this.answerRead(m.from, this.log.committed, ctx);
      return;
    }
    if (!this.committedInCurrentTerm()) {
      // Until then our commit index may lag what previous leaders committed.
      if (this.pendingReadIndexMessages.length < MAX_PENDING_READ_INDEX_MESSAGES) this.pendingReadIndexMessages.push(m);
      return;
    }
    if (this.leaseValid()) {
      this.answerRead(m.from, this.log.committed, ctx);
      return;
    }
    if (this.readOnly.full()) return; // the caller times out and retries
    if (!this.readOnly.add(this.log.committed, m.from, ctx)) return;
    this.readOnly.recvAck(this.id, ctx);
    this.bcastHeartbeat(ctx);
  }

  private answerRead(to: NodeId, index: number, context: Uint8Array): void {
    if (to === this.id || to === NONE) this.readStates.push({ index, context });
    else this.send({ to, type: "MsgReadIndexResp", index, context });
  }

  /** How long a quorum's heartbeat acknowledgement keeps this leader's lease (see lease.ts). */
  leaseTicks(): number {
    return leaseTicks(this.cfg.electionTicks, this.cfg.maxClockDriftPercent ?? DEFAULT_MAX_CLOCK_DRIFT_PERCENT);
  }

  private leaseValid(): boolean {
    if (!this.cfg.leaseReads || this.leaseRevoked || this.leadTransferee !== NONE || !this.committedInCurrentTerm()) return false;
    const since = majorityValue(this.voters, (id) => (id === this.id ? this.tickCount : (this.prs.get(id)?.leaseAckTick ?? -1)));
    return this.tickCount < since + this.leaseTicks();
  }

  private handleTransferLeader(to: NodeId): void {
    const pr = this.prs.get(to);
    if (pr === undefined || pr.isLearner || to === this.id) return;
    if (this.leadTransferee === to) return;
    this.abortLeaderTransfer();
    this.leadTransferee = to;
    // The transfer must finish within an election timeout, or it is abandoned (tickHeartbeat).
    this.electionElapsed = 0;
    if (pr.match === this.log.lastIndex()) this.sendTimeoutNow(to);
    else this.sendAppend(to, true);
  }

  private sendTimeoutNow(to: NodeId): void {
    this.leaseRevoked = true;
    this.send({ to, type: "MsgTimeoutNow" });
  }

  private abortLeaderTransfer(): void {
    this.leadTransferee = NONE;
  }

  private stepLeaderFromPeer(m: Message): void {
    const pr = this.prs.get(m.from);
    if (pr === undefined) return;
    switch (m.type) {
      case "MsgAppResp":
        pr.recentActive = true;
        this.handleAppendResponse(m, pr);
        return;
      case "MsgHeartbeatResp":
        this.handleHeartbeatResponse(m, pr);
        return;
      case "MsgSnapStatus":
        if (pr.state !== "snapshot") return;
        if (m.reject) pr.pendingSnapshot = 0;
        pr.becomeProbe();
        // Wait for a heartbeat response before probing: the snapshot may still be in flight.
        pr.msgAppFlowPaused = true;
        return;
      case "MsgUnreachable":
        if (pr.state === "replicate") pr.becomeProbe();
        return;
      default:
        return;
    }
  }

  private handleAppendResponse(m: Message, pr: Progress): void {
    if (m.reject) {
      let nextProbe = m.rejectHint;
      if (m.logTerm > 0) nextProbe = this.log.findConflictByTerm(m.rejectHint, m.logTerm);
      if (pr.maybeDecrTo(m.index, nextProbe)) {
        if (pr.state === "replicate") pr.becomeProbe();
        this.sendAppend(m.from, true);
      }
      return;
    }
    const wasPaused = pr.isPaused();
    if (!pr.maybeUpdate(m.index)) return;
    if (pr.state === "probe") pr.becomeReplicate();
    else if (pr.state === "snapshot" && pr.match >= pr.pendingSnapshot) {
      pr.becomeProbe();
      pr.becomeReplicate();
    } else if (pr.state === "replicate") pr.inflights.freeLE(m.index);

    if (this.maybeCommit()) {
      this.releasePendingReadIndexMessages();
      this.bcastAppend();
    } else if (wasPaused) {
      this.sendAppend(m.from, true);
    }
    // Pipelining: keep sending while the window has room and there are entries.
    let guard = this.cfg.maxInflightMsgs + 1;
    while (guard-- > 0 && this.sendAppend(m.from, false)) {
      // each iteration sends one MsgApp
    }
    if (m.from === this.leadTransferee && pr.match === this.log.lastIndex()) this.sendTimeoutNow(m.from);
  }

  private handleHeartbeatResponse(m: Message, pr: Progress): void {
    pr.recentActive = true;
    pr.msgAppFlowPaused = false;
    // The follower is alive but the window is full: its acks were lost. Let one MsgApp out;
    // a rejection then moves it back to probe.
    if (pr.state === "replicate" && pr.inflights.full()) pr.inflights.freeFirstOne();
    pr.leaseAckTick = Math.max(pr.leaseAckTick, m.index);
    if (pr.match < this.log.lastIndex()) this.sendAppend(m.from, true);
    if (m.context === undefined || m.context.length === 0) return;
    const acks = this.readOnly.recvAck(m.from, m.context);
    if (acks === undefined || !isQuorum(this.voters, (id) => acks.has(id))) return;
    for (const r of this.readOnly.advance(m.context)) this.answerRead(r.from, r.index, r.context);
  }

  private releasePendingReadIndexMessages(): void {
    if (!this.committedInCurrentTerm()) return;
    const pending = this.pendingReadIndexMessages;
    this.pendingReadIndexMessages = [];
    for (const m of pending) this.handleReadIndex(m);
  }

  private maybeCommit(): boolean {
    const mci = majorityValue(this.voters, (id) => this.prs.get(id)?.match ?? 0);
    if (this.cfg.testingKnobs?.commitPreviousTermByCounting === true) {
      if (mci > this.log.committed && (this.log.term(mci) ?? 0) > 0) {
        this.log.commitTo(mci);
        return true;
      }
      return false;
    }
    // Only entries of the current term are committed by counting (Raft §5.4.2).
    return this.log.maybeCommit(mci, this.term);
  }

  /** Sends a MsgApp (or snapshot) to `to`. Returns true if a message was sent. */
  private sendAppend(to: NodeId, sendIfEmpty: boolean): boolean {
    const pr = this.prs.get(to);
    if (pr === undefined || to === this.id || pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    const prevTerm = this.log.term(prevIndex);
    const ents = pr.next <= this.log.lastIndex() + 1 ? this.log.slice(pr.next, this.log.lastIndex() + 1, this.cfg.maxSizePerMsg) : [];
    if (prevTerm === undefined || ents === undefined) return this.sendSnapshot(to, pr);
    if (ents.length === 0 && !sendIfEmpty) return false;
    this.send({ to, type: "MsgApp", index: prevIndex, logTerm: prevTerm, entries: ents, commit: this.log.committed });
    const last = ents.length > 0 ? (ents[ents.length - 1] as Entry).index : prevIndex;
    pr.sentEntries(
      ents.length,
      last,
      ents.reduce((n, e) => n + e.data.length, 0),
    );
    return true;
  }

  private sendSnapshot(to: NodeId, pr: Progress): boolean {
    if (!pr.recentActive) return false; // do not ship a snapshot to a node that seems down
    const snapshot = this.log.snapshot();
    assert(snapshot.metadata.index > 0, "a compacted log has a snapshot");
    pr.becomeSnapshot(snapshot.metadata.index);
    this.send({ to, type: "MsgSnap", snapshot });
    return true;
  }

  private bcastAppend(): void {
    for (const id of this.prs.keys()) if (id !== this.id) this.sendAppend(id, true);
  }

  private bcastHeartbeat(context: Uint8Array | undefined): void {
    for (const [id, pr] of this.prs) {
      if (id === this.id) continue;
      // index carries our tick at send time; the follower echoes it (lease timing).
      const m: Partial<Message> = { to: id, type: "MsgHeartbeat", commit: Math.min(pr.match, this.log.committed), index: this.tickCount };
      if (context !== undefined) m.context = context;
      this.send(m);
    }
  }

  // ---- output ------------------------------------------------------------------------------

  /** Queues a message. Non-local messages get our term unless `keepTerm` (forwarded requests). */
  private send(partial: Partial<Message>, keepTerm = false): void {
    const m: Message = {
      type: partial.type ?? "MsgApp",
      from: this.id,
      to: partial.to ?? NONE,
      term: keepTerm ? (partial.term ?? 0) : (partial.term ?? this.term),
      logTerm: partial.logTerm ?? 0,
      index: partial.index ?? 0,
      entries: partial.entries ?? [],
      commit: partial.commit ?? 0,
      reject: partial.reject ?? false,
      rejectHint: partial.rejectHint ?? 0,
    };
    if (keepTerm) m.from = partial.from ?? this.id;
    if (partial.snapshot !== undefined) m.snapshot = partial.snapshot;
    if (partial.context !== undefined) m.context = partial.context;
    assert(m.to !== NONE && m.to !== this.id, `message ${m.type} has a remote destination`);
    this.msgs.push(m);
  }

  // ---- helpers for RawNode ----------------------------------------------------------------

  /** Entry point for local messages from RawNode (never from the network). */
  stepLocal(m: Message): void {
    assert(m.term === 0, "local messages carry term 0");
    this.step(m);
  }
}
