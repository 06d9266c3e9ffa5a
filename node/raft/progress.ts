// The leader's view of one follower: how far its log matches (match), what to send next (next),
// and flow control (a bounded window of in-flight MsgApp by count and bytes). Pure bookkeeping.
//
// States: probe (one MsgApp per heartbeat until a match is found), replicate (optimistic
// pipelining: next advances on send, bounded by Inflights), snapshot (waiting for a snapshot to
// be installed; nothing else is sent). Invariant: 0 <= match < next.

import { assert } from "../../util/index.js";

export type ProgressState = "probe" | "replicate" | "snapshot";

/** Hard ceiling on maxInflightMsgs, whatever the config says (memory per follower is O(this)). */
export const MAX_INFLIGHT_MSGS_LIMIT = 4096;

/** Sliding window of the last index (and bytes) of each MsgApp sent but not yet acknowledged. */
export class Inflights {
  private lastIndexes: number[] = [];
  private sizes: number[] = [];
  private head = 0;
  private bytes = 0;

  constructor(
    readonly maxMsgs: number,
    /** 0 = no byte limit. */
    readonly maxBytes: number,
  ) {
    assert(maxMsgs > 0 && maxMsgs <= MAX_INFLIGHT_MSGS_LIMIT, "maxInflightMsgs within (0, MAX_INFLIGHT_MSGS_LIMIT]");
    assert(maxBytes >= 0, "maxInflightBytes >= 0");
  }

  get count(): number {
    return this.lastIndexes.length - this.head;
  }

  get inflightBytes(): number {
    return this.bytes;
  }

  full(): boolean {
    return this.count >= this.maxMsgs || (this.maxBytes > 0 && this.bytes >= this.maxBytes);
  }

  add(lastIndex: number, bytes: number): void {
    assert(!this.full(), "Inflights.add on a full window");
    const n = this.lastIndexes.length;
    assert(n === this.head || (this.lastIndexes[n - 1] as number) < lastIndex, "in-flight indexes increase");
    this.lastIndexes.push(lastIndex);
    this.sizes.push(bytes);
    this.bytes += bytes;
  }

  /** Frees every message whose last index is <= index (they are acknowledged). */
  freeLE(index: number): void {
    while (this.head < this.lastIndexes.length && (this.lastIndexes[this.head] as number) <= index) {
      this.bytes -= this.sizes[this.head] as number;
      this.head++;
    }
    if (this.head > 64 && this.head * 2 > this.lastIndexes.length) {
      this.lastIndexes = this.lastIndexes.slice(this.head);
      this.sizes = this.sizes.slice(this.head);
      this.head = 0;
    }
  }

  /** Frees the oldest message: lets one MsgApp out when acks were lost (e.g. the follower restarted). */
  freeFirstOne(): void {
    if (this.count === 0) return;
    this.freeLE(this.lastIndexes[this.head] as number);
  }

  reset(): void {
    this.lastIndexes = [];
    this.sizes = [];
    this.head = 0;
    this.bytes = 0;
  }
}

export class Progress {
  match = 0;
  next: number;
  state: ProgressState = "probe";
  /** In snapshot state: the index of the snapshot being sent. */
  pendingSnapshot = 0;
  /** Heard from since the last CheckQuorum round. */
  recentActive = false;
  /** In probe state: a MsgApp is outstanding, wait for an answer or a heartbeat response. */
  msgAppFlowPaused = false;
  /** Leader-local tick at which the newest heartbeat this follower acknowledged was sent (lease reads). */
  leaseAckTick = Number.NEGATIVE_INFINITY;
  readonly inflights: Inflights;

  constructor(
    next: number,
    maxInflightMsgs: number,
    maxInflightBytes: number,
    public isLearner: boolean,
  ) {
    this.next = next;
    this.inflights = new Inflights(maxInflightMsgs, maxInflightBytes);
    this.checkInvariant();
  }

  private checkInvariant(): void {
    assert(this.match >= 0 && this.match < this.next, `progress 0 <= match(${this.match}) < next(${this.next})`);
  }

  private resetState(state: ProgressState): void {
    this.msgAppFlowPaused = false;
    this.pendingSnapshot = 0;
    this.state = state;
    this.inflights.reset();
  }

  becomeProbe(): void {
    // After a snapshot, the follower has at least pendingSnapshot: probe right after it.
    const after = this.state === "snapshot" ? Math.max(this.match, this.pendingSnapshot) : this.match;
    this.resetState("probe");
    this.next = after + 1;
    this.checkInvariant();
  }

  becomeReplicate(): void {
    this.resetState("replicate");
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.resetState("snapshot");
    this.pendingSnapshot = snapshotIndex;
  }

  /** Records a MsgApp that carried entries up to lastIndex (count>0) or none (a probe). */
  sentEntries(count: number, lastIndex: number, bytes: number): void {
    if (this.state === "replicate" && count > 0) {
      this.next = lastIndex + 1;
      this.inflights.add(lastIndex, bytes);
    } else if (this.state === "probe") {
      this.msgAppFlowPaused = true;
    }
    this.checkInvariant();
  }

  /** A follower acknowledged index n. Returns false if the ack was stale. */
  maybeUpdate(n: number): boolean {
    let updated = false;
    if (this.match < n) {
      this.match = n;
      updated = true;
      this.msgAppFlowPaused = false;
    }
    this.next = Math.max(this.next, n + 1);
    this.checkInvariant();
    return updated;
  }

  /**
   * A follower rejected a MsgApp at `rejected`; matchHint is the highest index that may still
   * match. Returns false for a stale rejection (one that does not concern the current probe).
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === "replicate") {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    this.msgAppFlowPaused = false;
    this.checkInvariant();
    return true;
  }

  isPaused(): boolean {
    switch (this.state) {
      case "probe":
        return this.msgAppFlowPaused;
      case "replicate":
        return this.inflights.full();
      case "snapshot":
        return true;
    }
  }
}
