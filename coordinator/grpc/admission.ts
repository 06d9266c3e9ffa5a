// Admission control for statements: at most `maxRunning` run at once; up to `maxQueued` more wait
// (each for at most `queueTimeoutMs`); anything beyond fails at once with SQLSTATE 53300 instead
// of piling up memory. FIFO and bounded; never waits without a deadline.

import { type Clock, KodiakError, SqlState, type TimerHandle } from "../../util/index.js";

export interface AdmissionLimits {
  maxRunning: number;
  maxQueued: number;
  queueTimeoutMs: number;
}

export const DEFAULT_ADMISSION_LIMITS: AdmissionLimits = { maxRunning: 64, maxQueued: 256, queueTimeoutMs: 10_000 };

interface Waiter {
  grant: () => void;
  fail: (e: KodiakError) => void;
  timer: TimerHandle;
}

export type Release = () => void;

export class AdmissionController {
  private running = 0;
  private readonly queue: Waiter[] = [];

  constructor(
    readonly limits: AdmissionLimits,
    private readonly clock: Clock,
  ) {}

  get runningCount(): number {
    return this.running;
  }

  get queuedCount(): number {
    return this.queue.length;
  }

  /** Waits for a slot; the returned function gives it back (call it exactly once). */
  acquire(signal?: AbortSignal): Promise<Release> {
    if (signal?.aborted) return Promise.reject(new KodiakError(SqlState.queryCanceled, "canceling statement due to user request"));
    if (this.running < this.limits.maxRunning) {
      this.running++;
      return Promise.resolve(this.releaser());
    }
    if (this.queue.length >= this.limits.maxQueued) {
      return Promise.reject(
        new KodiakError(SqlState.tooManyConnections, "too many statements running; try again later", {
          detail: `${this.running} running, ${this.queue.length} waiting (limits ${this.limits.maxRunning} and ${this.limits.maxQueued})`,
        }),
      );
    }
    return new Promise<Release>((resolve, reject) => {
      const onAbort = () => remove(new KodiakError(SqlState.queryCanceled, "canceling statement due to user request"));
      const remove = (e: KodiakError) => {
        const i = this.queue.indexOf(waiter);
        if (i >= 0) this.queue.splice(i, 1);
        waiter.timer.cancel();
        signal?.removeEventListener("abort", onAbort);
        reject(e);
      };
      const waiter: Waiter = {
        grant: () => {
          waiter.timer.cancel();
          signal?.removeEventListener("abort", onAbort);
          resolve(this.releaser());
        },
        fail: remove,
        timer: this.clock.setTimeout(
          () => remove(new KodiakError(SqlState.tooManyConnections, "timed out waiting for a statement slot; try again later")),
          this.limits.queueTimeoutMs,
        ),
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.queue.push(waiter);
    });
  }

  private releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.queue.shift();
      if (next !== undefined) next.grant();
      else this.running--;
    };
  }

  /** Fails every waiter (server shutdown). */
  close(): void {
    for (const w of this.queue.splice(0)) {
      w.timer.cancel();
      w.fail(new KodiakError(SqlState.adminShutdown, "terminating statement due to server shutdown"));
    }
  }
}
