// Requests waiting on the replicated log: proposals wait for their entry to be applied, reads
// wait for a ReadIndex and for apply to reach it. Bounded (MAX_PENDING_REQUESTS, 53300 beyond)
// and each with a deadline, so a lost entry or a dead leader never leaves a client hanging.

import { type Clock, KodiakError, SqlState, type TimerHandle } from "../../util/index.js";
import { outcomeUnknown } from "./errors.js";

export const MAX_PENDING_REQUESTS = 4096;

interface Waiter<T> {
  resolve: (v: T) => void;
  reject: (e: KodiakError) => void;
  timer: TimerHandle;
}

export class PendingRequests<T> {
  private readonly waiters = new Map<string, Waiter<T>>();

  constructor(
    private readonly clock: Clock,
    private readonly what: string,
    private readonly max = MAX_PENDING_REQUESTS,
  ) {}

  get size(): number {
    return this.waiters.size;
  }

  /** Throws 53300 when full; otherwise returns a promise settled by resolve/reject or the deadline. */
  add(id: string, timeoutMs: number): Promise<T> {
    if (this.waiters.size >= this.max) {
      throw new KodiakError(SqlState.tooManyConnections, `too many pending ${this.what}s (limit ${this.max})`, { hint: "retry later" });
    }
    return new Promise<T>((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        this.waiters.delete(id);
        reject(outcomeUnknown(`${this.what} not applied within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.set(id, { resolve, reject, timer });
    });
  }

  has(id: string): boolean {
    return this.waiters.has(id);
  }

  resolve(id: string, v: T): boolean {
    const w = this.waiters.get(id);
    if (w === undefined) return false;
    this.waiters.delete(id);
    w.timer.cancel();
    w.resolve(v);
    return true;
  }

  reject(id: string, e: KodiakError): void {
    const w = this.waiters.get(id);
    if (w === undefined) return;
    this.waiters.delete(id);
    w.timer.cancel();
    w.reject(e);
  }

  rejectAll(e: KodiakError): void {
    for (const id of [...this.waiters.keys()]) this.reject(id, e);
  }
}
