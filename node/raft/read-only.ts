// Pending ReadIndex requests on the leader (Raft thesis §6.4): each remembers the commit index
// when it arrived and waits until a quorum has answered a heartbeat sent after it. Bounded.

import { assert } from "../../util/index.js";
import type { NodeId } from "./types.js";

/** At most this many reads wait for a heartbeat round; more are refused (the caller retries). */
export const MAX_PENDING_READS = 4096;

export interface ReadRequest {
  index: number;
  /** Who asked: this node (local read) or a follower that forwarded it. */
  from: NodeId;
  context: Uint8Array;
  acks: Set<NodeId>;
}

export function contextKey(ctx: Uint8Array): string {
  return Buffer.from(ctx.buffer, ctx.byteOffset, ctx.byteLength).toString("latin1");
}

export class ReadOnly {
  private readonly pending = new Map<string, ReadRequest>();
  private queue: string[] = [];

  get size(): number {
    return this.pending.size;
  }

  full(): boolean {
    return this.pending.size >= MAX_PENDING_READS;
  }

  /** Returns false if a request with this context is already pending (it will be answered once). */
  add(index: number, from: NodeId, context: Uint8Array): boolean {
    const key = contextKey(context);
    if (this.pending.has(key)) return false;
    assert(!this.full(), "ReadOnly.add within MAX_PENDING_READS");
    this.pending.set(key, { index, from, context, acks: new Set() });
    this.queue.push(key);
    return true;
  }

  /** Records a heartbeat ack carrying `context`; returns who has acked it so far. */
  recvAck(id: NodeId, context: Uint8Array): ReadonlySet<NodeId> | undefined {
    const r = this.pending.get(contextKey(context));
    if (r === undefined) return undefined;
    r.acks.add(id);
    return r.acks;
  }

  /**
   * Releases the request with `context` and every request queued before it: a quorum confirmed
   * leadership after all of them arrived.
   */
  advance(context: Uint8Array): ReadRequest[] {
    const key = contextKey(context);
    const at = this.queue.indexOf(key);
    if (at < 0) return [];
    const released = this.queue.slice(0, at + 1).map((k) => {
      const r = this.pending.get(k);
      assert(r !== undefined, "queued read is pending");
      this.pending.delete(k);
      return r;
    });
    this.queue = this.queue.slice(at + 1);
    return released;
  }

  lastPendingContext(): Uint8Array | undefined {
    const k = this.queue[this.queue.length - 1];
    return k === undefined ? undefined : this.pending.get(k)?.context;
  }

  reset(): void {
    this.pending.clear();
    this.queue = [];
  }
}
