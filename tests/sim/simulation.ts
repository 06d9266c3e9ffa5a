// Deterministic simulation of a Raft group: N RawNodes, a simulated network (drop, delay,
// duplicate, reorder, partition), simulated per-node clocks (ticks at skewed rates), and
// simulated durable storage (disk.ts: in memory, or the real WAL on a SimFileSystem), all driven
// from one seed through one event queue. Safety is checked after every event (checker.ts); after
// the faults heal, liveness must hold within LIVENESS_BOUND_TICKS.
//
// Persist-before-send: a node's Ready is written in a "ready" event (a leader also sends its
// replication then, Ready.sendBeforePersist), and sent and applied in a later "synced" event, the
// fsync. Messages, ticks and crashes land in between, as they do while a real node fsyncs: a crash
// there loses the unsynced write (disk.ts), so any message that promised it was durable is a lie
// the checker can catch. With the WAL disk a crash may also hit in the middle of the write.
//
// Determinism: one SeededRandom feeds everything (profiles, delays, faults, each node's election
// randomness); events tie-break by insertion order; disk promises are drained before the next
// event, so microtask order is fixed too. A seed therefore replays exactly.

import {
  type ConfChange,
  decodeConfChange,
  type Entry,
  type Message,
  type NodeId,
  type RaftStorage,
  type RaftTestingKnobs,
  RawNode,
  type Ready,
} from "../../node/raft/index.js";
import { crc32c, isKodiakError, SeededRandom, SqlState } from "../../util/index.js";
import { entryKey, SafetyChecker, Violation } from "./checker.js";
import { type DiskBugs, MemoryDisk, type SimDisk } from "./disk.js";
import { EventQueue } from "./event-queue.js";
import { type Profile, type ProfileName, pickProfile } from "./profiles.js";
import { decodeState, describeMessage, encodeState, type InFlightReady, type SimNode } from "./sim-node.js";
import { WalDisk } from "./wal-disk.js";

/** Simulated microseconds per nominal tick. */
export const TICK_US = 1000;
export const ELECTION_TICKS = 10;
export const HEARTBEAT_TICKS = 2;
/** Default length of the fault phase, in nominal ticks. */
export const CHAOS_TICKS = 300;
/** After all faults heal, a leader must commit and replicate a new entry within this many ticks. */
export const LIVENESS_BOUND_TICKS = 30 * ELECTION_TICKS;
/** Entries kept in the log below a local snapshot (so followers slightly behind need no snapshot). */
const KEEP_ENTRIES_AFTER_SNAPSHOT = 4;
/** Spare node ids beyond the initial voters, for membership changes. */
const SPARE_NODES = 3;
/** Delivered messages kept for the failure trace. */
const RECENT_MESSAGES = 300;
/** Upper bound on simulated fsync latency, in microseconds. */
const MAX_FSYNC_US = 300;

export interface SimOptions {
  seed: number;
  trace?: boolean;
  chaosTicks?: number;
  knobs?: RaftTestingKnobs;
  diskBugs?: DiskBugs;
  /** Force one profile instead of letting the seed pick. */
  profile?: ProfileName;
  /** "memory" (default, fast) or "wal": the real node/log WAL on a SimFileSystem with torn writes. */
  disk?: "memory" | "wal";
  /** Override the profile's clock skew (percent). Above the core's documented bound lease reads may break. */
  skewPercent?: number;
  /** Bugs injected into the simulated node runtime (never into production code). */
  runtimeBugs?: RuntimeBugs;
}

export interface RuntimeBugs {
  /** Send MsgAppResp when the Ready is written, before its fsync: followers ack what a crash can lose. */
  ackBeforePersist?: boolean;
}

/** Probability that a node loses power between writing a Ready and its fsync (during the faults). */
const CRASH_BEFORE_SYNC_P = 0.004;
/** Upper bound on the restart delay after such a power loss, in nominal ticks. */
const POWER_BACK_TICKS = 5;
/** With the WAL disk: probability that a node crashes while its Ready is being written. */
const CRASH_DURING_WRITE_P = 0.02;
/** With the WAL disk: probability that a crash keeps a torn prefix of unsynced bytes. */
const TORN_WRITE_P = 0.5;
/** With the WAL disk: probability that one write() fails with ENOSPC (the node then restarts). */
const DISK_FULL_P = 0.01;

export interface SimResult {
  seed: number;
  profile: string;
  violation: string | undefined;
  trace: string[];
  stats: {
    events: number;
    delivered: number;
    acked: number;
    reads: number;
    leaders: number;
    snapshots: number;
    crashes: number;
    /** Nominal ticks from healing to liveness (a fresh entry applied on every member). */
    livenessTicks: number;
  };
}

type SimEvent =
  | { k: "tick"; id: NodeId; inc: number }
  | { k: "ready"; id: NodeId; inc: number }
  | { k: "synced"; id: NodeId; inc: number }
  | { k: "powerLoss"; id: NodeId; inc: number }
  | { k: "msg"; m: Message; lost: boolean }
  | { k: "client" }
  | { k: "restart"; id: NodeId };

const enc = new TextEncoder();
const dec = new TextDecoder();

export class Simulation {
  private readonly rng: SeededRandom;
  readonly profile: Profile;
  private readonly queue = new EventQueue<SimEvent>();
  private readonly nodes = new Map<NodeId, SimNode>();
  private readonly checker = new SafetyChecker();
  private now = 0;
  private readonly trace: string[] = [];
  /** With trace on: the newest delivered messages, printed when a run fails. */
  private readonly recentMessages: string[] = [];
  private partition: Map<NodeId, number> | undefined;
  private healed = false;
  private seq = 0;
  /** Proposal data -> who proposed it (as leader) ; acked -> index applied at on the proposer. */
  private readonly proposals = new Map<string, NodeId>();
  private readonly acked = new Map<string, number>();
  private readonly pendingReads = new Map<string, number>();
  private marker: { data: string; leader: NodeId; term: number; index?: number } | undefined;
  private readonly stats = { events: 0, delivered: 0, acked: 0, reads: 0, leaders: 0, snapshots: 0, crashes: 0, livenessTicks: 0 };

  constructor(private readonly opts: SimOptions) {
    this.rng = new SeededRandom(opts.seed);
    this.profile = pickProfile(this.rng, opts.profile);
    if (opts.skewPercent !== undefined) this.profile.skewPercent = opts.skewPercent;
    const voters = Array.from({ length: this.profile.voters }, (_, i) => i + 1);
    for (let id = 1; id <= this.profile.voters + SPARE_NODES; id++) {
      const boot = id <= this.profile.voters ? voters : undefined;
      const disk: SimDisk =
        opts.disk === "wal"
          ? new WalDisk(
              new SeededRandom(this.rng.int(0x7fffffff)),
              boot,
              { tornWriteProbability: TORN_WRITE_P, diskFullProbability: DISK_FULL_P },
              opts.diskBugs,
            )
          : new MemoryDisk(boot, new SeededRandom(this.rng.int(0x7fffffff)), opts.diskBugs);
      const skew = (this.rng.next() * 2 - 1) * (this.profile.skewPercent / 100);
      const node: SimNode = {
        id,
        disk,
        raw: undefined,
        incarnation: 0,
        tickPeriodUs: Math.round(TICK_US / (1 + skew)),
        readyScheduled: false,
        inFlight: undefined,
        removed: false,
        smIndex: 0,
        smHash: 0,
        lastDurableCommit: 0,
        lastRole: "follower",
      };
      this.nodes.set(id, node);
    }
  }

  /** Disk work started by the current event; the run loop finishes it before the next event. */
  private io: Promise<void> | undefined;

  /** Continues with k once v is available: now if v is a value, after the event's earlier I/O if a promise. */
  private later<T>(v: T | Promise<T>, k: (v: T) => void): void {
    if (!(v instanceof Promise)) {
      k(v);
      return;
    }
    const before = this.io ?? Promise.resolve();
    this.io = before.then(() => v).then(k);
  }

  private log(line: string): void {
    if (this.opts.trace) this.trace.push(`${(this.now / TICK_US).toFixed(3)} ${line}`);
  }

  // ---- node lifecycle -------------------------------------------------------------------

  private start(n: SimNode): void {
    n.incarnation++;
    n.readyScheduled = false;
    n.inFlight = undefined;
    const inc = n.incarnation;
    const opened = n.disk.open();
    if (!(opened instanceof Promise)) {
      this.boot(n, opened);
      return;
    }
    this.later(
      opened.catch((e: unknown) => this.diskFailure(n, inc, e)),
      (storage) => {
        if (storage !== undefined && n.incarnation === inc) this.boot(n, storage);
      },
    );
  }

  /**
   * A full disk fails the write (nothing acknowledged); the node's runtime then exits and is
   * restarted later, like after a crash. Any other disk error is a real failure of the run.
   */
  private diskFailure(n: SimNode, inc: number, e: unknown): undefined {
    if (n.incarnation !== inc) return undefined; // already crashed: writes of a dead process fail
    if (!isKodiakError(e) || e.code !== SqlState.diskFull) throw e;
    this.log(`n${n.id} disk full: ${e.message}`);
    if (n.raw !== undefined) this.crash(n);
    else {
      n.incarnation++;
      n.disk.crash();
    }
    return undefined;
  }

  private boot(n: SimNode, storage: RaftStorage): void {
    const snap = n.disk.snapshot();
    const st = decodeState(snap.data);
    n.smIndex = snap.metadata.index;
    n.smHash = snap.metadata.index > 0 ? st.hash : 0;
    n.lastDurableCommit = storage.initialState().hardState.commit;
    n.lastRole = "follower";
    const p = this.profile;
    n.raw = new RawNode({
      id: n.id,
      electionTicks: ELECTION_TICKS,
      heartbeatTicks: HEARTBEAT_TICKS,
      storage,
      applied: snap.metadata.index,
      maxSizePerMsg: p.maxSizePerMsg,
      maxInflightMsgs: p.maxInflightMsgs,
      maxInflightBytes: this.rng.int(2) === 0 ? 0 : 2048,
      preVote: p.preVote,
      checkQuorum: p.checkQuorum,
      leaseReads: p.leaseReads,
      random: new SeededRandom(this.rng.int(0x7fffffff)),
      ...(this.opts.knobs !== undefined ? { testingKnobs: this.opts.knobs } : {}),
    });
    this.queue.push(this.now + 1 + this.rng.int(n.tickPeriodUs), { k: "tick", id: n.id, inc: n.incarnation });
    this.afterInput(n);
    this.log(`n${n.id} start (incarnation ${n.incarnation}, applied ${n.smIndex})`);
  }

  private crash(n: SimNode): void {
    if (n.raw === undefined) return;
    n.raw = undefined;
    n.incarnation++;
    n.readyScheduled = false;
    n.inFlight = undefined;
    n.disk.crash();
    this.stats.crashes++;
    this.log(`n${n.id} crash`);
  }

  // ---- run ------------------------------------------------------------------------------

  async run(): Promise<SimResult> {
    let violation: string | undefined;
    const chaosUs = (this.opts.chaosTicks ?? CHAOS_TICKS) * TICK_US;
    const endUs = chaosUs + LIVENESS_BOUND_TICKS * TICK_US;
    this.queue.push(TICK_US, { k: "client" });
    try {
      for (const n of this.nodes.values()) this.start(n);
      await this.drainIo();
      for (;;) {
        const ev = this.queue.pop();
        if (ev === undefined) break;
        this.now = ev.at;
        if (!this.healed && this.now >= chaosUs) this.heal();
        if (this.now > endUs)
          throw new Violation(
            `liveness: no leader committed a new entry on all members within ${LIVENESS_BOUND_TICKS} ticks after healing`,
          );
        this.stats.events++;
        const done = this.dispatch(ev.event);
        if (this.io !== undefined) await this.drainIo();
        if (done) {
          this.stats.livenessTicks = Math.ceil((this.now - chaosUs) / TICK_US);
          break;
        }
      }
      this.finalChecks();
    } catch (e) {
      if (e instanceof Violation) violation = e.message;
      else violation = `crash: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`;
      if (this.opts.trace) {
        this.trace.push(`--- last ${RECENT_MESSAGES} messages delivered ---`, ...this.recentMessages.slice(-RECENT_MESSAGES));
      }
      this.log(`VIOLATION ${violation}`);
    }
    return { seed: this.opts.seed, profile: this.profile.name, violation, trace: this.trace, stats: this.stats };
  }

  private async drainIo(): Promise<void> {
    while (this.io !== undefined) {
      const p = this.io;
      this.io = undefined;
      await p;
    }
  }

  /** Returns true when the run is complete (liveness reached after healing). */
  private dispatch(ev: SimEvent): boolean {
    switch (ev.k) {
      case "tick": {
        const n = this.node(ev.id);
        if (n.raw === undefined || n.incarnation !== ev.inc) return false;
        n.raw.tick();
        this.queue.push(this.now + n.tickPeriodUs, ev);
        this.afterInput(n);
        return false;
      }
      case "ready": {
        const n = this.node(ev.id);
        if (n.raw === undefined || n.incarnation !== ev.inc) return false;
        n.readyScheduled = false;
        this.handleReady(n, n.raw);
        return false;
      }
      case "synced": {
        const n = this.node(ev.id);
        if (n.raw === undefined || n.incarnation !== ev.inc || n.inFlight === undefined) return false;
        n.disk.sync();
        this.afterPersist(n, n.raw, n.inFlight);
        return false;
      }
      case "powerLoss": {
        const n = this.node(ev.id);
        if (n.raw === undefined || n.incarnation !== ev.inc) return false;
        this.log(`n${n.id} loses power before its fsync`);
        this.crash(n);
        this.queue.push(this.now + 1 + this.rng.int(POWER_BACK_TICKS * TICK_US), { k: "restart", id: n.id });
        return false;
      }
      case "msg":
        this.deliver(ev.m, ev.lost);
        return false;
      case "restart": {
        const n = this.node(ev.id);
        if (n.raw === undefined && !n.removed) this.start(n);
        return false;
      }
      case "client":
        this.queue.push(this.now + TICK_US, ev);
        if (this.healed) return this.livenessStep();
        this.chaosStep();
        return false;
    }
  }

  private node(id: NodeId): SimNode {
    const n = this.nodes.get(id);
    if (n === undefined) throw new Violation(`unknown node ${id}`);
    return n;
  }

  /** After anything touched a node: record role changes, schedule its Ready. */
  private afterInput(n: SimNode): void {
    const raw = n.raw;
    if (raw === undefined) return;
    const r = raw.raft;
    if (r.role === "leader" && n.lastRole !== "leader") {
      this.stats.leaders++;
      this.log(`n${n.id} becomes leader of term ${r.term}`);
      this.checker.leaderOf(r.term, n.id);
      this.checker.newLeader(n.id, r.term, r.log.firstIndex(), (i) => r.log.term(i));
    }
    n.lastRole = r.role;
    if (!n.readyScheduled && n.inFlight === undefined && raw.hasReady()) {
      n.readyScheduled = true;
      this.queue.push(this.now + this.rng.int(MAX_FSYNC_US), { k: "ready", id: n.id, inc: n.incarnation });
    }
  }

  private handleReady(n: SimNode, raw: RawNode): void {
    const rd = raw.ready();
    const inc = n.incarnation;
    // 0. a leader replicates while it persists, exactly as the node runtime does (with the
    //    injected bug, every node also acknowledges appends before they are durable)
    const early = rd.sendBeforePersist
      ? rd.messages
      : this.opts.runtimeBugs?.ackBeforePersist
        ? rd.messages.filter((m) => m.type === "MsgAppResp")
        : [];
    for (const m of early) this.send(m);
    const afterSync = early.length === 0 ? rd.messages : rd.messages.filter((m) => !early.includes(m));
    const flight: InFlightReady = { rd, afterSync, appliedEarly: 0, removedNow: [] };
    n.inFlight = flight;
    const durable = rd.snapshot === undefined ? this.durableCommittedPrefix(n, rd) : 0;
    // 1. write; 2. fsync, in a later event; nothing below the write happens unless both complete
    const written = (): void => {
      if (n.incarnation === inc) this.awaitSync(n, raw, flight);
    };
    const saved = n.disk.save(rd.hardState, rd.entries, rd.snapshot, rd.mustSync);
    // Like the runtime: committed entries already durable here are applied while the fsync runs.
    for (; flight.appliedEarly < durable; flight.appliedEarly++) {
      this.apply(n, raw, rd.committedEntries[flight.appliedEarly] as Entry, flight.removedNow);
    }
    if (!(saved instanceof Promise)) {
      written();
      return;
    }
    if (this.healed || this.rng.next() >= CRASH_DURING_WRITE_P) {
      this.later(
        saved.then(
          () => true,
          (e: unknown) => this.diskFailure(n, inc, e) ?? false,
        ),
        (ok) => {
          if (ok) written();
        },
      );
      return;
    }
    // Power fails part-way through the write: let it run a few steps, then crash.
    const steps = this.rng.int(40);
    let completed = false;
    saved.then(
      () => {
        completed = true;
      },
      () => undefined,
    );
    this.later(
      (async () => {
        for (let i = 0; i < steps; i++) await null;
      })(),
      () => {
        if (completed) written();
        else {
          this.log(`n${n.id} loses power while writing`);
          this.crash(n);
        }
      },
    );
  }

  /** How many of the Ready's committed entries the disk holds durably and the Ready does not rewrite. */
  private durableCommittedPrefix(n: SimNode, rd: Ready): number {
    const durableLast = n.disk.durableLastIndex();
    const firstNew = rd.entries[0]?.index ?? Number.POSITIVE_INFINITY;
    let k = 0;
    for (const e of rd.committedEntries) {
      if (e.index > durableLast || e.index >= firstNew) break;
      k++;
    }
    return k;
  }

  /** The Ready is written: it takes effect at its fsync, a later event; power may fail before it. */
  private awaitSync(n: SimNode, raw: RawNode, flight: InFlightReady): void {
    const { rd } = flight;
    if (!rd.mustSync && rd.snapshot === undefined) {
      // Only the commit changed: like the runtime, go on without an fsync (a crash may lose it).
      this.afterPersist(n, raw, flight);
      return;
    }
    const syncAt = this.now + 1 + this.rng.int(MAX_FSYNC_US);
    this.queue.push(syncAt, { k: "synced", id: n.id, inc: n.incarnation });
    if (!this.healed && this.rng.next() < CRASH_BEFORE_SYNC_P) {
      this.queue.push(this.now + this.rng.int(syncAt - this.now), { k: "powerLoss", id: n.id, inc: n.incarnation });
    }
  }

  private afterPersist(n: SimNode, raw: RawNode, { rd, afterSync, appliedEarly, removedNow }: InFlightReady): void {
    n.inFlight = undefined;
    for (const e of rd.entries) this.checker.persistedEntry(n.id, e, n.disk.term(e.index - 1));
    if (rd.hardState !== undefined) this.recordCommits(n, rd.hardState.commit);
    if (rd.snapshot !== undefined) {
      const st = decodeState(rd.snapshot.data);
      n.smIndex = rd.snapshot.metadata.index;
      n.smHash = st.hash;
      this.checker.restoredSnapshot(n.id, n.smIndex, n.smHash);
      this.log(`n${n.id} installs snapshot at ${n.smIndex}`);
    }
    // 2. send what waited for the fsync
    for (const m of afterSync) this.send(m);
    // 3. apply (what was not applied while the fsync ran)
    for (let i = appliedEarly; i < rd.committedEntries.length; i++) this.apply(n, raw, rd.committedEntries[i] as Entry, removedNow);
    for (const rs of rd.readStates) this.checkRead(n, rs.index, dec.decode(rs.context));
    raw.advance();
    this.maybeSnapshot(n, raw);
    for (const id of removedNow) this.retire(id);
    this.afterInput(n);
  }

  private recordCommits(n: SimNode, commit: number): void {
    for (let i = n.lastDurableCommit + 1; i <= commit; i++) {
      const t = n.disk.term(i);
      if (t !== undefined) this.checker.committed(n.id, i, t);
    }
    n.lastDurableCommit = Math.max(n.lastDurableCommit, commit);
  }

  private apply(n: SimNode, raw: RawNode, e: Entry, removedNow: NodeId[]): void {
    if (e.index <= n.smIndex) throw new Violation(`node ${n.id} asked to apply ${e.index} again (applied ${n.smIndex})`);
    if (e.index !== n.smIndex + 1) throw new Violation(`node ${n.id} applies ${e.index} after ${n.smIndex}: a gap`);
    if (e.type === "confChange") {
      const cc: ConfChange = decodeConfChange(e.data);
      raw.applyConfChange(cc);
      if (cc.type === "removeNode") removedNow.push(cc.nodeId);
    }
    const key = entryKey(e);
    n.smHash = crc32c(enc.encode(key), n.smHash);
    n.smIndex = e.index;
    this.checker.appliedEntry(n.id, e.index, key, n.smHash);
    const data = dec.decode(e.data);
    if (e.type === "normal" && this.proposals.get(data) === n.id && !this.acked.has(data)) {
      this.acked.set(data, e.index);
      this.stats.acked++;
    }
    if (this.marker !== undefined && data === this.marker.data && n.id === this.marker.leader) this.marker.index = e.index;
  }

  /** A removed member is shut down by its runtime once the removal is applied. */
  private retire(id: NodeId): void {
    const n = this.nodes.get(id);
    if (n === undefined || n.removed) return;
    n.removed = true;
    this.crash(n);
    this.log(`n${id} removed from the group and shut down`);
  }

  private maybeSnapshot(n: SimNode, raw: RawNode): void {
    const snapIndex = n.disk.snapshot().metadata.index;
    if (n.smIndex - snapIndex < this.profile.snapshotEvery) return;
    const done = n.disk.snapshotAndCompact(
      n.smIndex,
      raw.raft.confState(),
      encodeState(n.smIndex, n.smHash),
      n.smIndex - KEEP_ENTRIES_AFTER_SNAPSHOT,
    );
    if (!(done instanceof Promise)) return;
    // The node may be shut down while compacting (it just applied its own removal): then the
    // write fails against the fenced disk, which is what a dead process's writes do.
    const inc = n.incarnation;
    this.later(
      done.catch((e: unknown) => this.diskFailure(n, inc, e)),
      () => undefined,
    );
  }

  private checkRead(n: SimNode, index: number, ctx: string): void {
    const min = this.pendingReads.get(ctx);
    if (min === undefined) return; // duplicate answer
    this.pendingReads.delete(ctx);
    this.stats.reads++;
    if (index < min) {
      throw new Violation(
        `linearizability: read ${ctx} on node ${n.id} got read index ${index}, but ${min} was committed before it was issued`,
      );
    }
  }

  // ---- network ----------------------------------------------------------------------------

  private send(m: Message): void {
    const p = this.profile;
    const faulty = !this.healed;
    const lost = faulty && this.rng.next() < p.dropRate;
    // A lost snapshot still reaches deliver(): like a real transport, the sender learns it failed.
    if (lost && m.type !== "MsgSnap") return;
    const maxDelay = p.maxDelayTicks * TICK_US;
    this.queue.push(this.now + 1 + this.rng.int(maxDelay), { k: "msg", m, lost });
    if (!lost && faulty && this.rng.next() < p.dupRate) this.queue.push(this.now + 1 + this.rng.int(maxDelay), { k: "msg", m, lost });
  }

  private linked(a: NodeId, b: NodeId): boolean {
    return this.partition === undefined || this.partition.get(a) === this.partition.get(b);
  }

  private deliver(m: Message, lost: boolean): void {
    const to = this.nodes.get(m.to);
    const ok = !lost && to?.raw !== undefined && this.linked(m.from, m.to);
    if (m.type === "MsgSnap") {
      const from = this.nodes.get(m.from);
      if (ok) this.stats.snapshots++;
      from?.raw?.reportSnapshot(m.to, ok);
      if (from !== undefined) this.afterInput(from);
    }
    if (!ok && m.type === "MsgApp" && !lost) {
      // Like a transport whose connection is down: the leader hears the peer is unreachable.
      const from = this.nodes.get(m.from);
      if (from?.raw !== undefined) {
        from.raw.reportUnreachable(m.to);
        this.afterInput(from);
      }
    }
    if (!ok || to === undefined || to.raw === undefined) return;
    this.stats.delivered++;
    if (this.opts.trace) this.recentMessages.push(`${(this.now / TICK_US).toFixed(3)}   ${describeMessage(m)}`);
    if (this.recentMessages.length > 2 * RECENT_MESSAGES) this.recentMessages.splice(0, this.recentMessages.length - RECENT_MESSAGES);
    to.raw.step(m);
    this.afterInput(to);
  }

  // ---- workload and faults --------------------------------------------------------------

  private live(): SimNode[] {
    return [...this.nodes.values()].filter((n) => n.raw !== undefined);
  }

  private pick<T>(xs: T[]): T | undefined {
    return xs.length === 0 ? undefined : xs[this.rng.int(xs.length)];
  }

  private leaders(): SimNode[] {
    return this.live().filter((n) => n.raw?.raft.role === "leader");
  }

  private chaosStep(): void {
    const p = this.profile;
    const r = this.rng;
    if (r.next() < p.proposeP) this.propose();
    if (r.next() < p.readP) this.read();
    if (r.next() < p.crashP) {
      const n = this.pick(this.live());
      if (n !== undefined) this.crash(n);
    }
    for (const n of this.nodes.values()) if (n.raw === undefined && !n.removed && r.next() < p.restartP) this.start(n);
    if (r.next() < p.bounceP) {
      // Prefer a node that just voted for someone else: the moment a lost vote would matter.
      const voted = this.live().filter((x) => x.raw !== undefined && x.raw.raft.vote !== 0 && x.raw.raft.vote !== x.id);
      const choice = r.int(3);
      const n = this.pick(choice === 0 && voted.length > 0 ? voted : choice === 1 ? this.leaders() : this.live());
      if (n !== undefined) {
        this.crash(n);
        this.queue.push(this.now + this.rng.int(TICK_US), { k: "restart", id: n.id });
      }
    }
    if (r.next() < p.campaignP) {
      // One or two election timers fire at once: two candidates may compete for one term.
      const candidates = this.live().filter((x) => x.raw?.raft.role !== "leader");
      for (let i = 1 + r.int(2); i > 0; i--) {
        const n = this.pick(candidates);
        if (n?.raw === undefined) continue;
        n.raw.campaign();
        this.afterInput(n);
      }
    }
    if (r.next() < p.partitionP) {
      // Half the time cut a leader off alone: the case a leader lease must survive.
      const lonely = r.int(2) === 0 ? this.pick(this.leaders())?.id : undefined;
      this.partition = new Map([...this.nodes.keys()].map((id) => [id, lonely === undefined ? r.int(2) : id === lonely ? 1 : 0]));
      this.log(`partition ${[...this.partition].map(([id, g]) => `${id}:${g}`).join(" ")}`);
    }
    if (this.partition !== undefined && r.next() < p.healP) {
      this.partition = undefined;
      this.log("heal partition");
    }
    if (r.next() < p.confChangeP) this.confChange();
    if (r.next() < p.transferP) this.transfer();
  }

  private propose(): void {
    // Mostly to a leader; sometimes to anyone (followers forward, candidates drop).
    const n = this.rng.int(4) === 0 ? this.pick(this.live()) : this.pick(this.leaders());
    if (n?.raw === undefined) return;
    const data = `p${this.seq++}`;
    try {
      n.raw.propose(enc.encode(data));
      if (n.raw.raft.role === "leader") this.proposals.set(data, n.id);
    } catch (e) {
      if (!isKodiakError(e)) throw e;
    }
    this.afterInput(n);
  }

  private read(): void {
    const n = this.rng.int(2) === 0 ? this.pick(this.live()) : this.pick(this.leaders());
    if (n?.raw === undefined) return;
    const ctx = `r${this.seq++}`;
    this.pendingReads.set(ctx, this.checker.maxCommitted);
    n.raw.readIndex(enc.encode(ctx));
    this.afterInput(n);
  }

  private confChange(): void {
    const l = this.pick(this.leaders());
    if (l?.raw === undefined) return;
    const conf = l.raw.raft.confState();
    const members = new Set([...conf.voters, ...conf.learners]);
    const fresh = [...this.nodes.values()].filter((n) => !n.removed && !members.has(n.id)).map((n) => n.id);
    const options: ConfChange[] = [];
    for (const id of fresh) options.push({ type: "addLearner", nodeId: id }, { type: "addVoter", nodeId: id });
    for (const id of conf.learners) options.push({ type: "addVoter", nodeId: id }, { type: "removeNode", nodeId: id });
    if (conf.voters.length > 3) for (const id of conf.voters) options.push({ type: "removeNode", nodeId: id });
    const cc = this.pick(options);
    if (cc === undefined) return;
    try {
      l.raw.proposeConfChange(cc);
      this.log(`n${l.id} proposes ${cc.type} ${cc.nodeId}`);
    } catch (e) {
      if (!isKodiakError(e)) throw e;
    }
    this.afterInput(l);
  }

  private transfer(): void {
    const l = this.pick(this.leaders());
    if (l?.raw === undefined) return;
    const to = this.pick(l.raw.raft.voters.filter((id) => id !== l.id));
    if (to === undefined) return;
    this.log(`n${l.id} transfers leadership to ${to}`);
    l.raw.transferLeader(to);
    this.afterInput(l);
  }

  // ---- healing and liveness ---------------------------------------------------------------

  private heal(): void {
    this.healed = true;
    for (const n of this.nodes.values()) n.disk.heal?.();
    this.partition = undefined;
    for (const n of this.nodes.values()) if (n.raw === undefined && !n.removed) this.start(n);
    this.log("all faults healed");
  }

  /** Returns true once a leader has committed a fresh entry and every live member applied it. */
  private livenessStep(): boolean {
    const leaders = this.leaders().sort((a, b) => (b.raw?.raft.term ?? 0) - (a.raw?.raft.term ?? 0));
    const l = leaders[0];
    if (l?.raw === undefined) return false;
    const m = this.marker;
    if (m === undefined || m.leader !== l.id || m.term !== l.raw.raft.term) {
      const data = `m${this.seq++}`;
      try {
        l.raw.propose(enc.encode(data));
        this.marker = { data, leader: l.id, term: l.raw.raft.term };
        this.proposals.set(data, l.id);
      } catch (e) {
        if (!isKodiakError(e)) throw e;
      }
      this.afterInput(l);
      return false;
    }
    if (m.index === undefined) return false;
    const conf = l.raw.raft.confState();
    for (const id of [...conf.voters, ...conf.learners]) {
      const n = this.nodes.get(id);
      if (n === undefined || n.removed) continue;
      if (n.smIndex < m.index) return false;
    }
    return true;
  }

  private finalChecks(): void {
    const m = this.marker;
    const l = m !== undefined ? this.nodes.get(m.leader) : undefined;
    if (m?.index === undefined || l === undefined) throw new Violation("liveness: run ended without a committed marker");
    for (const [data, index] of this.acked) {
      if (index > l.smIndex)
        throw new Violation(`durability: acknowledged ${data} at ${index} is beyond the final leader's state (${l.smIndex})`);
      const key = this.checker.appliedKeyAt(index);
      if (key === undefined || !key.endsWith(`:normal:${data}`))
        throw new Violation(`durability: acknowledged ${data} at ${index} was lost`);
    }
  }
}

export function runSeed(opts: SimOptions): Promise<SimResult> {
  return new Simulation(opts).run();
}
