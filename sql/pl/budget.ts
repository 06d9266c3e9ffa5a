// Work budget of one top-level statement: the interpreter ticks it on every loop iteration and
// call, so statement_timeout and client cancellation stop infinite loops (57014) even though
// evaluation never yields to the event loop. Once expired it stays expired: nothing swallows it.

import { type Clock, SqlState } from "../../util/index.js";
import { PlError } from "./errors.js";

const CHECK_EVERY_TICKS = 256;

export class Budget {
  private ticks = 0;
  private expiredReason: string | null = null;

  constructor(
    private readonly clock: Clock,
    /** Monotonic deadline in ms, or null for no timeout. */
    private readonly deadlineMs: number | null,
    private readonly signal?: AbortSignal,
  ) {}

  static unlimited(clock: Clock): Budget {
    return new Budget(clock, null);
  }

  static fromTimeout(clock: Clock, timeoutMs: number, signal?: AbortSignal): Budget {
    return new Budget(clock, timeoutMs > 0 ? clock.monotonicMs() + timeoutMs : null, signal);
  }

  get expired(): boolean {
    return this.expiredReason !== null;
  }

  /** Cheap per-iteration check; looks at the clock every CHECK_EVERY_TICKS ticks. */
  tick(): void {
    if (this.expiredReason !== null) this.fail();
    if (++this.ticks % CHECK_EVERY_TICKS !== 0) return;
    this.check();
  }

  check(): void {
    if (this.expiredReason === null) {
      if (this.signal?.aborted) this.expiredReason = "canceling statement due to user request";
      else if (this.deadlineMs !== null && this.clock.monotonicMs() >= this.deadlineMs) {
        this.expiredReason = "canceling statement due to statement timeout";
      }
    }
    if (this.expiredReason !== null) this.fail();
  }

  private fail(): never {
    throw new PlError(SqlState.queryCanceled, this.expiredReason ?? "canceling statement");
  }
}
