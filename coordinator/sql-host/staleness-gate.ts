// Bounded-stale reads on any replica: before a statement reads this node's local store, prove the
// store is no older than the session's bound. A proof is (sentAt, index): at local monotonic time
// sentAt this node asked the leader for its read index and got `index` back, so every write
// committed before sentAt is at or below `index`. Once this node has applied `index`, a snapshot
// at its applied index contains all of those writes, so its data is at most (now - sentAt) old.
// Only this node's own clock is used; no clock agreement between nodes is assumed.

import { type Clock, KodiakError, SqlState } from "../../util/index.js";

/** Bound on asking the leader for a read index. */
export const READ_INDEX_TIMEOUT_MS = 1000;
/** Bound on waiting for this node to apply up to a fresh read index. */
export const APPLY_WAIT_MS = 1000;
const APPLY_POLL_MS = 2;

export interface StaleReadProof {
  nodeId: number;
  /** The applied index the statement will read at (at least the proven index). */
  appliedIndex: number;
  /** How old the data may be at most, in ms. */
  stalenessMs: number;
}

export interface StalenessGateOptions {
  nodeId: number;
  appliedIndex(): number;
  /** The leader's read index (the leader itself: after a local ReadIndex barrier). */
  leaderReadIndex(timeoutMs: number): Promise<number>;
  clock: Clock;
}

interface Proof {
  sentAtMs: number;
  index: number;
}

export class StalenessGate {
  /** Newest proof this node has applied, and the newest one it received (maybe not applied yet). */
  private applied: Proof | undefined;
  private latest: Proof | undefined;
  private inflight: Promise<Proof> | undefined;

  constructor(private readonly o: StalenessGateOptions) {}

  /**
   * Resolves once reading this node's store now returns data no older than maxStalenessMs, or
   * fails with 57P03 when that cannot be proven in time (leader unreachable, node behind).
   */
  async check(maxStalenessMs: number): Promise<StaleReadProof> {
    const now = this.o.clock.monotonicMs();
    const usable = this.usableProof(now, maxStalenessMs);
    if (usable !== undefined) {
      // Refresh ahead of expiry so steady reads rarely wait for the leader.
      if (now - usable.sentAtMs > maxStalenessMs / 2) this.refresh().catch(() => {});
      return this.proofOf(usable, now);
    }
    let fresh: Proof;
    try {
      fresh = await this.refresh();
    } catch (e) {
      throw new KodiakError(
        SqlState.cannotConnectNow,
        `this replica cannot prove its data is within the staleness bound: ${String((e as Error).message ?? e)}`,
      );
    }
    const deadline =
      this.o.clock.monotonicMs() + Math.min(APPLY_WAIT_MS, Math.max(0, fresh.sentAtMs + maxStalenessMs - this.o.clock.monotonicMs()));
    while (this.o.appliedIndex() < fresh.index) {
      if (this.o.clock.monotonicMs() >= deadline) {
        throw new KodiakError(
          SqlState.cannotConnectNow,
          `this replica is behind the staleness bound (applied ${this.o.appliedIndex()}, needs ${fresh.index})`,
        );
      }
      await new Promise<void>((r) => this.o.clock.setTimeout(r, APPLY_POLL_MS));
    }
    const at = this.o.clock.monotonicMs();
    this.noteApplied(fresh);
    if (at - fresh.sentAtMs > maxStalenessMs) {
      throw new KodiakError(SqlState.cannotConnectNow, "this replica could not catch up within the staleness bound");
    }
    return this.proofOf(fresh, at);
  }

  private proofOf(p: Proof, now: number): StaleReadProof {
    return { nodeId: this.o.nodeId, appliedIndex: this.o.appliedIndex(), stalenessMs: Math.max(0, Math.ceil(now - p.sentAtMs)) };
  }

  /** The newest proof already applied here that is still within the bound. */
  private usableProof(now: number, maxStalenessMs: number): Proof | undefined {
    if (this.latest !== undefined && this.o.appliedIndex() >= this.latest.index) this.noteApplied(this.latest);
    const p = this.applied;
    return p !== undefined && now - p.sentAtMs <= maxStalenessMs ? p : undefined;
  }

  private noteApplied(p: Proof): void {
    if (this.applied === undefined || p.sentAtMs > this.applied.sentAtMs) this.applied = p;
  }

  /** Asks the leader for its read index; one request at a time. */
  private refresh(): Promise<Proof> {
    if (this.inflight !== undefined) return this.inflight;
    const sentAtMs = this.o.clock.monotonicMs();
    const p = this.o
      .leaderReadIndex(READ_INDEX_TIMEOUT_MS)
      .then((index) => {
        const proof = { sentAtMs, index };
        if (this.latest === undefined || sentAtMs > this.latest.sentAtMs) this.latest = proof;
        return proof;
      })
      .finally(() => {
        this.inflight = undefined;
      });
    this.inflight = p;
    return p;
  }
}
