// Time seam. Production code below the process entry points never calls Date.now(),
// setTimeout or performance.now() directly; it takes a Clock so the simulator can drive time.

export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Wall-clock milliseconds since the epoch (may jump; only for timestamps shown to people). */
  nowMs(): number;
  /** Monotonic milliseconds, for measuring intervals and deadlines. */
  monotonicMs(): number;
  setTimeout(fn: () => void, delayMs: number): TimerHandle;
  setInterval(fn: () => void, periodMs: number): TimerHandle;
}

export const systemClock: Clock = {
  nowMs: () => Date.now(),
  monotonicMs: () => performance.now(),
  setTimeout(fn, delayMs) {
    const t = setTimeout(fn, delayMs);
    return { cancel: () => clearTimeout(t) };
  },
  setInterval(fn, periodMs) {
    const t = setInterval(fn, periodMs);
    return { cancel: () => clearInterval(t) };
  },
};

/** A clock driven by hand (tests, simulation): time moves only when advance() is called. */
export class ManualClock implements Clock {
  private now: number;
  private nextId = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void; periodMs?: number }>();

  constructor(startMs = 0) {
    this.now = startMs;
  }

  nowMs(): number {
    return this.now;
  }

  monotonicMs(): number {
    return this.now;
  }

  setTimeout(fn: () => void, delayMs: number): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, { at: this.now + Math.max(0, delayMs), fn });
    return { cancel: () => this.timers.delete(id) };
  }

  setInterval(fn: () => void, periodMs: number): TimerHandle {
    const id = this.nextId++;
    const p = Math.max(1, periodMs);
    this.timers.set(id, { at: this.now + p, fn, periodMs: p });
    return { cancel: () => this.timers.delete(id) };
  }

  /** Moves time forward, firing due timers in time order (ties by creation order). */
  advance(ms: number): void {
    const target = this.now + ms;
    for (;;) {
      let dueId = -1;
      let dueAt = Number.POSITIVE_INFINITY;
      for (const [id, t] of this.timers) {
        if (t.at <= target && t.at < dueAt) {
          dueAt = t.at;
          dueId = id;
        }
      }
      if (dueId < 0) break;
      const t = this.timers.get(dueId);
      if (t === undefined) break;
      this.now = t.at;
      if (t.periodMs !== undefined) t.at += t.periodMs;
      else this.timers.delete(dueId);
      t.fn();
    }
    this.now = target;
  }
}
