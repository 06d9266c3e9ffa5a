// Execution context of one top-level statement running PL code: the host and catalog seams,
// session variables, budget, call depth, PL call stack (for error context) and the control-flow
// signals (RETURN/BREAK/CONTINUE) that unwind blocks.

import type { Budget } from "./budget.js";
import type { PlCatalog, SqlHost } from "./host.js";
import type { SessionVars } from "./scope.js";
import type { FutureRaw, PlValue } from "./values.js";

export const DEFAULT_MAX_CALL_DEPTH = 1000;

export interface Frame {
  /** "function f", "trigger t on tbl", "cron job j", "DO block". */
  readonly label: string;
  line: number;
  col: number;
}

/** Hooks the engine provides for builtins the interpreter cannot compute alone. */
export interface PlEnv {
  readonly host: SqlHost;
  readonly catalog: PlCatalog;
  readonly session: SessionVars;
  readonly budget: Budget;
  readonly maxCallDepth: number;
  /** Current time for now()-like builtins (Clock seam). */
  readonly nowMs: () => number;
}

export class Ctx {
  depth = 0;
  readonly frames: Frame[] = [];
  /** Exceptions being handled by enclosing CATCH arms (for bare RAISE). */
  readonly handling: PlValue[] = [];
  /** Futures started and not yet awaited by the current call (structured concurrency). */
  futures: FutureRaw[] = [];

  constructor(
    readonly env: PlEnv,
    /** Inside an ASYNC body: writes and session SETs raise 25006. */
    readonly readOnly = false,
  ) {}

  /** A context for an async body: same env and depth, read-only, own frames. */
  forAsync(): Ctx {
    const c = new Ctx(this.env, true);
    c.depth = this.depth;
    c.frames.push(...this.frames);
    return c;
  }

  stack(): string {
    return [...this.frames]
      .reverse()
      .map((f) => `${f.label} line ${f.line} column ${f.col}`)
      .join("\n");
  }

  top(): Frame | undefined {
    return this.frames[this.frames.length - 1];
  }
}

/** Thrown to unwind blocks; never a user-visible error and never caught by TRY. */
export class Signal {
  constructor(
    readonly kind: "return" | "break" | "continue",
    readonly value: PlValue | null,
  ) {}
}

export const BREAK = new Signal("break", null);
export const CONTINUE = new Signal("continue", null);
