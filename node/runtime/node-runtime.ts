// The node's Ready loop: ticks the Raft core on a Clock timer, steps inbound messages, and
// drains Ready in the order Raft requires — persist (Wal.save, fsync) BEFORE sending (except a
// leader's replication, sent in parallel with its fsync: Ready.sendBeforePersist), then apply
// committed entries (those already durable here are applied while the fsync runs), then advance;
// one Ready at a time. Client requests resolve only after their
// entry is applied. It must never acknowledge anything that is not durable on a majority.

import { ConfChangeContext } from "../../proto/gen/raft.js";
import type { Wal } from "../log/index.js";
import type { ConfChange, ConfState, Entry, Message, RawNodeApi, Ready, ReadState, Snapshot, SoftState } from "../raft/index.js";
import { isDurable, type StateMachine } from "../state-machine/index.js";
import type { RaftTransport } from "../transport/index.js";
import { type Clock, KodiakError, type Logger, type Random, SqlState, type TimerHandle, toKodiakError } from "../../util/index.js";
import { NotLeaderError, outcomeUnknown } from "./errors.js";
import { decodeRuntimeImage, encodeRuntimeImage } from "./image.js";
import { LeaderWaiters, planConfChange } from "./membership.js";
import { MAX_PENDING_REQUESTS, PendingRequests } from "./pending.js";
import { decodeBatch, encodeBatch, MAX_COMMAND_BYTES, ProposalQueue } from "./proposal-queue.js";
import { RequestIds, requestKey } from "./request-id.js";
import type { SnapshotStore } from "./snapshot-store.js";
import { buildStatus, type NodeStatus } from "./status.js";

export interface RuntimeOptions {
  id: number;
  clusterId: string;
  clock: Clock;
  random: Random;
  logger: Logger;
  wal: Wal;
  snapshots: SnapshotStore;
  stateMachine: StateMachine;
  /** Builds a Raft core over the durable state: at start, and again to step down after a failed append. */
  createRawNode: (applied: number) => RawNodeApi;
  decodeConfChange: (data: Uint8Array) => ConfChange;
  /** Index the state machine already reflects (from the loaded snapshot). */
  applied: number;
  appliedTerm: number;
  peers: Map<number, string>;
  tickIntervalMs: number;
  /** Take a snapshot every this many applied entries, then compact the log. */
  snapshotEveryEntries: number;
  /** Entries kept below the snapshot index for lagging followers. */
  snapshotCatchupEntries: number;
  requestTimeoutMs: number;
  /** Bound on requests waiting for apply (default MAX_PENDING_REQUESTS); beyond it 53300. */
  maxPendingRequests?: number;
  /** Called when the loop hits a failure it cannot serve through (the entry point exits). */
  onFatal: (e: unknown) => void;
}

/** Bound on stopping: an fsync in flight gets this long to finish. */
const STOP_TIMEOUT_MS = 3000;

/** One event-loop turn: the log's queued write and fsync are issued before the caller goes on. */
function yieldToIo(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export class NodeRuntime {
  private rawNode: RawNodeApi;
  private transport: RaftTransport | undefined;
  private readonly ids: RequestIds;
  private readonly proposals: PendingRequests<Uint8Array>;
  private readonly reads: PendingRequests<void>;
  private readonly confChanges: PendingRequests<void>;
  private readonly readIndexes = new Map<string, number>();
  private readonly leaderWaiters: LeaderWaiters;
  private applied: number;
  private appliedTerm: number;
  private lastSnapshotIndex: number;
  private soft: SoftState = { leader: 0, role: "follower" };
  private tickTimer: TimerHandle | undefined;
  private loopScheduled = false;
  private loopRunning: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private readonly queued = new ProposalQueue();

  constructor(private readonly o: RuntimeOptions) {
    this.applied = o.applied;
    this.appliedTerm = o.appliedTerm;
    this.lastSnapshotIndex = o.applied;
    this.rawNode = o.createRawNode(o.applied);
    this.ids = new RequestIds(o.id, o.random);
    const max = o.maxPendingRequests ?? MAX_PENDING_REQUESTS;
    this.proposals = new PendingRequests(o.clock, "proposal", max);
    // A read changes nothing, so a slow one is simply canceled (safe to retry).
    this.reads = new PendingRequests(o.clock, "read", max, (what, ms) => {
      return new KodiakError(SqlState.queryCanceled, `${what} not served within ${ms} ms (no quorum or a leader change)`, {
        hint: "retry",
      });
    });
    this.confChanges = new PendingRequests(o.clock, "membership change", max);
    this.leaderWaiters = new LeaderWaiters(o.clock);
  }

  /** Starts ticking and processing; the transport delivers inbound messages via step(). */
  start(transport: RaftTransport): void {
    this.transport = transport;
    for (const [id, addr] of this.o.peers) transport.setPeer(id, addr);
    this.tickTimer = this.o.clock.setInterval(() => {
      this.rawNode.tick();
      this.schedule();
    }, this.o.tickIntervalMs);
    this.schedule();
  }

  /** A single-voter cluster (or tests) can campaign right away instead of waiting a timeout. */
  campaign(): void {
    this.rawNode.campaign();
    this.schedule();
  }

  step(msgs: Message[]): void {
    if (this.stopped) return;
    for (const m of msgs) {
      try {
        this.rawNode.step(m);
      } catch (e) {
        this.o.logger.warn({ from: m.from, type: m.type, err: toKodiakError(e).message }, "raft refused a message");
      }
    }
    this.schedule();
  }

  reportUnreachable(id: number): void {
    if (!this.stopped) this.rawNode.reportUnreachable(id);
  }

  reportSnapshot(id: number, ok: boolean): void {
    if (this.stopped) return;
    this.rawNode.reportSnapshot(id, ok);
    this.schedule();
  }

  // ---- client-facing operations ----

  /**
   * Proposes a state machine command; resolves with its apply result. Commands arriving in the
   * same event-loop turn are batched into one entry (see flushProposals); one larger than
   * MAX_ENTRY_BYTES travels in an entry of its own. The caller must not modify `command`
   * afterwards: it is queued as it is, not copied.
   */
  async propose(command: Uint8Array): Promise<Uint8Array> {
    this.requireLeader();
    if (command.byteLength > MAX_COMMAND_BYTES) {
      throw new KodiakError(SqlState.programLimitExceeded, `command of ${command.byteLength} bytes exceeds ${MAX_COMMAND_BYTES}`, {
        hint: "split the transaction into smaller ones",
      });
    }
    const id = this.ids.next();
    const done = this.proposals.add(requestKey(id), this.o.requestTimeoutMs);
    if (this.queued.wouldOverflow(command.byteLength, this.o.stateMachine.commandsPerEntry ?? 1)) this.flushProposals();
    this.queued.push(id, command);
    this.schedule();
    return done;
  }

  /** Fails the commands still queued (never handed to Raft, so certainly not applied). */
  private dropQueued(err: KodiakError): void {
    for (const p of this.queued.take()) this.proposals.reject(requestKey(p.requestId), err);
  }

  /** Hands the queued commands to Raft as one entry. */
  private flushProposals(): void {
    const batch = this.queued.take();
    if (batch.length === 0) return;
    try {
      this.rawNode.propose(encodeBatch(batch));
    } catch (e) {
      const err = toKodiakError(e);
      for (const p of batch) this.proposals.reject(requestKey(p.requestId), err);
    }
  }

  /** Resolves once the state machine reflects every write committed before the call (ReadIndex). */
  async readBarrier(): Promise<void> {
    this.requireLeader();
    const id = this.ids.next();
    const done = this.reads.add(requestKey(id), this.o.requestTimeoutMs);
    this.rawNode.readIndex(id);
    this.schedule();
    return done;
  }

  async changeMember(action: string, nodeId: number, address: string): Promise<void> {
    this.requireLeader();
    const plan = planConfChange(action, nodeId, address, this.rawNode.status().conf, this.o.peers.get(nodeId));
    const id = this.ids.next();
    const done = this.confChanges.add(requestKey(id), this.o.requestTimeoutMs);
    const context = ConfChangeContext.encode({ address: plan.address, requestId: Buffer.from(id) }).finish();
    try {
      this.rawNode.proposeConfChange({ type: plan.type, nodeId, context });
    } catch (e) {
      this.confChanges.reject(requestKey(id), toKodiakError(e));
    }
    this.schedule();
    return done;
  }

  async transferLeader(to: number): Promise<void> {
    this.requireLeader();
    if (!this.rawNode.status().conf.voters.includes(to)) throw new KodiakError(SqlState.undefinedObject, `node ${to} is not a voter`);
    if (this.soft.leader === to) return;
    const done = this.leaderWaiters.wait(to);
    this.rawNode.transferLeader(to);
    this.schedule();
    return done;
  }

  status(): NodeStatus {
    const metrics = {
      kodiak_raft_pending_proposals: this.proposals.size,
      kodiak_raft_pending_reads: this.reads.size,
      kodiak_raft_pending_conf_changes: this.confChanges.size,
      kodiak_raft_is_leader: this.soft.role === "leader" ? 1 : 0,
      ...this.transport?.metrics?.(),
    };
    const self = { id: this.o.id, clusterId: this.o.clusterId, applied: this.applied, metrics };
    return buildStatus(self, this.rawNode.status(), this.o.wal.stats(), (id) => this.addressOf(id));
  }

  /** Whether `id` is a peer this node has an address for (members, and nodes being added). */
  knowsPeer(id: number): boolean {
    return this.o.peers.has(id);
  }

  appliedIndex(): number {
    return this.applied;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.tickTimer?.cancel();
    // Queued commands never reached Raft (safe to retry); proposed ones may still commit.
    this.dropQueued(new KodiakError(SqlState.adminShutdown, "node is shutting down"));
    this.proposals.rejectAll(outcomeUnknown("the node shut down before the write was applied"));
    this.confChanges.rejectAll(outcomeUnknown("the node shut down before the change was applied"));
    this.reads.rejectAll(new KodiakError(SqlState.adminShutdown, "node is shutting down"));
    if (this.loopRunning !== undefined) {
      let timer: TimerHandle | undefined;
      await Promise.race([this.loopRunning, new Promise<void>((r) => (timer = this.o.clock.setTimeout(r, STOP_TIMEOUT_MS)))]);
      timer?.cancel();
    }
    this.transport?.close();
    await this.o.wal.close();
  }

  // ---- the Ready loop ----

  private addressOf(id: number): string | undefined {
    return this.o.peers.get(id);
  }

  private requireLeader(): void {
    if (this.stopped) throw new KodiakError(SqlState.adminShutdown, "node is shutting down");
    const s = this.rawNode.status();
    if (s.role !== "leader") throw new NotLeaderError(s.lead, this.addressOf(s.lead));
  }

  private schedule(): void {
    if (this.loopScheduled || this.stopped) return;
    if (this.loopRunning !== undefined) {
      this.again = true;
      return;
    }
    this.loopScheduled = true;
    setImmediate(() => {
      this.loopScheduled = false;
      this.loopRunning = this.runLoop().finally(() => {
        this.loopRunning = undefined;
        if (this.again) {
          this.again = false;
          this.schedule();
        }
      });
    });
  }

  private async runLoop(): Promise<void> {
    try {
      // Commands that arrived while the previous Ready was being persisted join the next one,
      // instead of waiting for the loop to drain: the pipeline stays full under load.
      while (!this.stopped) {
        this.flushProposals();
        if (!this.rawNode.hasReady()) break;
        await this.handleReady();
      }
    } catch (e) {
      // A bug or an unexpected I/O failure outside the append path: do not keep serving from
      // a state we cannot vouch for.
      this.o.logger.error({ err: String(e), stack: e instanceof Error ? e.stack : undefined }, "ready loop failed");
      this.stopped = true;
      this.tickTimer?.cancel();
      this.o.onFatal(e);
    }
  }

  private async handleReady(): Promise<void> {
    const rd = this.rawNode.ready();
    if (rd.softState !== undefined) this.onSoftState(rd.softState);
    if (rd.snapshot !== undefined && rd.snapshot.metadata.index > 0) await this.installSnapshot(rd.snapshot);
    // A leader replicates while it fsyncs (Ready.sendBeforePersist): followers' fsyncs overlap
    // its own. Safe because the next Ready is not taken before this save resolves (see there).
    if (rd.sendBeforePersist) this.transport?.send(rd.messages);
    let appliedEarly = 0;
    if (rd.hardState !== undefined || rd.entries.length > 0) {
      const early = rd.snapshot === undefined ? this.durableCommittedPrefix(rd) : 0;
      // A commit-only change need not be fsynced before sending (mustSync false): Raft
      // recovers the commit index from a quorum, and the log makes it durable with the next sync.
      const saving = this.o.wal.save(rd.hardState, rd.entries, { sync: rd.mustSync });
      if (early > 0) {
        // Committed entries this node already holds durably need not wait for the fsync of the
        // new ones: apply them while it runs (once the log has issued it), as etcd's server does.
        saving.catch(() => undefined); // awaited (and handled) below
        await yieldToIo();
        for (let i = 0; i < early; i++) this.applyEntry(rd.committedEntries[i] as Entry);
        appliedEarly = early;
      }
      try {
        await saving;
      } catch (e) {
        // Entries already sent to followers may still be committed by a later leader.
        const sent = rd.sendBeforePersist === true && rd.messages.some((m) => m.type === "MsgApp" && m.entries.length > 0);
        this.onAppendFailed(e, rd.entries, sent);
        return;
      }
    }
    if (!rd.sendBeforePersist) this.transport?.send(rd.messages);
    for (const rs of rd.readStates) this.onReadState(rs);
    for (let i = appliedEarly; i < rd.committedEntries.length; i++) this.applyEntry(rd.committedEntries[i] as Entry);
    this.rawNode.advance();
    this.releaseReads();
    await this.maybeSnapshot();
  }

  /**
   * How many of the Ready's committed entries are already durable in this node's log (before this
   * Ready's save) and are not rewritten by it: those may be applied before the save completes.
   * Committed entries never change, and a node holding one durably can replay it after a crash.
   */
  private durableCommittedPrefix(rd: Ready): number {
    const durableLast = this.o.wal.storage.lastIndex();
    const firstNew = rd.entries[0]?.index ?? Number.POSITIVE_INFINITY;
    let n = 0;
    for (const e of rd.committedEntries) {
      if (e.index > durableLast || e.index >= firstNew) break;
      n++;
    }
    return n;
  }

  /**
   * The append failed (e.g. disk full): nothing of it may be acknowledged. The commands still
   * queued certainly failed; so did those in the failed entries, unless the entries already went
   * out to followers (Ready.sendBeforePersist), when a later leader may still commit them and the
   * outcome is unknown. Earlier proposals were durable and may still commit: outcome unknown.
   * Then rebuild the core from durable state, which makes this node a follower.
   */
  private onAppendFailed(e: unknown, entries: Entry[], sentToFollowers: boolean): void {
    const err = toKodiakError(e);
    this.o.logger.error({ code: err.code, err: err.message }, "log append failed; failing pending requests and stepping down");
    const failure = new KodiakError(err.code, `write not acknowledged: log append failed: ${err.message}`);
    this.dropQueued(failure);
    const entryFailure = sentToFollowers
      ? outcomeUnknown(`write not acknowledged: log append failed after the entries were sent to followers: ${err.message}`)
      : failure;
    for (const entry of entries) {
      if (entry.type !== "normal") continue;
      for (const p of decodeBatch(entry.data) ?? []) this.proposals.reject(requestKey(p.requestId), entryFailure);
    }
    this.proposals.rejectAll(outcomeUnknown("the log append that followed it failed; this node stepped down"));
    this.confChanges.rejectAll(failure);
    this.reads.rejectAll(failure);
    this.readIndexes.clear();
    this.rawNode = this.o.createRawNode(this.applied);
    this.soft = { leader: 0, role: "follower" };
  }

  private onSoftState(s: SoftState): void {
    const wasLeader = this.soft.role === "leader";
    this.soft = s;
    this.o.logger.info({ role: s.role, leader: s.leader }, "raft role changed");
    if (wasLeader && s.role !== "leader") {
      this.dropQueued(new NotLeaderError(s.leader, this.addressOf(s.leader)));
      this.proposals.rejectAll(outcomeUnknown("this node lost leadership before the write was applied"));
      this.confChanges.rejectAll(outcomeUnknown("this node lost leadership before the change was applied"));
      this.reads.rejectAll(new NotLeaderError(s.leader, this.addressOf(s.leader)));
      this.readIndexes.clear();
    }
    this.leaderWaiters.leaderChanged(s.leader);
  }

  private onReadState(rs: ReadState): void {
    const key = requestKey(rs.context);
    if (this.reads.has(key)) this.readIndexes.set(key, rs.index);
  }

  private releaseReads(): void {
    for (const [key, index] of this.readIndexes) {
      if (index <= this.applied) {
        this.readIndexes.delete(key);
        this.reads.resolve(key, undefined);
      }
    }
  }

  private applyEntry(e: Entry): void {
    if (e.index <= this.applied) return; // already reflected by a restored snapshot
    if (e.type === "confChange") this.applyConfChange(e);
    else if (e.data.byteLength > 0) {
      const batch = decodeBatch(e.data);
      // Deterministic on every replica: a malformed entry is skipped everywhere.
      if (batch === undefined) this.o.logger.error({ index: e.index }, "skipping a committed entry that is not a ProposalBatch");
      for (const p of batch ?? []) {
        const result = this.o.stateMachine.apply({ index: e.index, term: e.term, command: p.command });
        this.proposals.resolve(requestKey(p.requestId), result);
      }
    }
    this.applied = e.index;
    this.appliedTerm = e.term;
  }

  private applyConfChange(e: Entry): void {
    const cc = this.o.decodeConfChange(e.data);
    const ctx = cc.context !== undefined && cc.context.byteLength > 0 ? ConfChangeContext.decode(cc.context) : undefined;
    if (cc.type === "removeNode") {
      this.o.peers.delete(cc.nodeId);
      if (cc.nodeId !== this.o.id) this.transport?.removePeer(cc.nodeId);
      else this.o.logger.warn({}, "this node was removed from the cluster");
    } else if (ctx !== undefined && ctx.address !== "") {
      this.o.peers.set(cc.nodeId, ctx.address);
      this.transport?.setPeer(cc.nodeId, ctx.address);
    }
    const conf: ConfState = this.rawNode.applyConfChange(cc);
    this.o.logger.info({ change: cc.type, node: cc.nodeId, voters: conf.voters, learners: conf.learners }, "membership changed");
    if (ctx !== undefined) this.confChanges.resolve(requestKey(ctx.requestId), undefined);
  }

  private async installSnapshot(s: Snapshot): Promise<void> {
    // Our snapshot file first: if we crash after the log dropped its prefix, the image survives.
    await this.o.snapshots.save(s);
    await this.o.wal.applySnapshot(s);
    await this.restoreImage(s.data);
    this.applied = s.metadata.index;
    this.appliedTerm = s.metadata.term;
    this.lastSnapshotIndex = s.metadata.index;
    this.o.logger.info({ index: s.metadata.index, term: s.metadata.term }, "installed snapshot from leader");
  }

  /**
   * Restores the state machine and peer addresses from a RuntimeSnapshot image. peersOnly: at
   * startup of a durable state machine that is already at or past the image's index.
   */
  async restoreImage(data: Uint8Array, options: { peersOnly?: boolean } = {}): Promise<void> {
    const img = decodeRuntimeImage(data);
    if (!options.peersOnly) await this.o.stateMachine.restore(img.state);
    for (const [id, address] of img.peers) {
      this.o.peers.set(id, address);
      this.transport?.setPeer(id, address);
    }
  }

  /**
   * The state at the applied index as a Raft snapshot (peers + state machine image). For a
   * durable state machine this is what a lagging follower is sent; built only when asked.
   */
  currentSnapshot(): Snapshot {
    const data = encodeRuntimeImage(this.o.peers, this.o.stateMachine.snapshot());
    const conf = this.rawNode.status().conf;
    const metadata = { index: this.applied, term: this.appliedTerm, conf: { voters: [...conf.voters], learners: [...conf.learners] } };
    return { metadata, data };
  }

  private async maybeSnapshot(): Promise<void> {
    if (this.applied - this.lastSnapshotIndex < this.o.snapshotEveryEntries) return;
    const sm = this.o.stateMachine;
    let snapshot: Snapshot;
    if (isDurable(sm)) {
      // The storage engine is its own image: checkpoint it, and keep only peers + metadata in
      // the snapshot file. Followers that need a snapshot get currentSnapshot() on demand.
      await sm.checkpoint(this.applied);
      const conf = this.rawNode.status().conf;
      const metadata = { index: this.applied, term: this.appliedTerm, conf: { voters: [...conf.voters], learners: [...conf.learners] } };
      snapshot = { metadata, data: encodeRuntimeImage(this.o.peers, new Uint8Array(0)) };
    } else {
      snapshot = this.currentSnapshot();
    }
    const { metadata, data } = snapshot;
    await this.o.snapshots.save({ metadata, data });
    this.lastSnapshotIndex = this.applied;
    await this.o.wal.compact(Math.max(0, this.applied - this.o.snapshotCatchupEntries), metadata);
    this.o.logger.info({ index: this.applied, bytes: data.byteLength }, "took snapshot and compacted the log");
  }
}
