// Run-time state of compiled PL code (compile-*.ts): one Frame per function call or per block
// entered from the generator interpreter, holding the bindings of every LET/parameter/loop
// variable in slots chosen at compile time, plus the pending control transfer. Also the bound on
// how deep compiled code may nest on the JavaScript stack before calls fall back to the
// generator interpreter (gen.ts), which keeps deep PL recursion off the host stack.

import { BREAK, CONTINUE, type Ctx, type Frame as PlFrame, Signal } from "./context.js";
import { type Binding, Scope } from "./scope.js";
import type { PlValue } from "./values.js";

/** Pending control transfer after a statement (checked by blocks, loops and calls). */
export const CTL_NONE = 0;
export const CTL_BREAK = 1;
export const CTL_CONTINUE = 2;
export const CTL_RETURN = 3;

export class Frame {
  readonly b: (Binding | undefined)[];
  ctl = CTL_NONE;
  ret: PlValue | null = null;

  constructor(
    slots: number,
    /** Names not bound in slots resolve here (then session variables). */
    readonly outer: Scope,
    readonly c: Ctx,
    /** The PL call-stack frame whose line/column the statements update. */
    readonly pf: PlFrame | undefined,
  ) {
    this.b = new Array<Binding | undefined>(slots);
  }

  /** Turns the pending transfer into the Signal the generator interpreter throws. */
  takeSignal(): Signal {
    const k = this.ctl;
    this.ctl = CTL_NONE;
    if (k === CTL_BREAK) return BREAK;
    if (k === CTL_CONTINUE) return CONTINUE;
    const v = this.ret;
    this.ret = null;
    return new Signal("return", v);
  }

  /** A Scope showing the slot bindings visible at one program point, for code the compiler
   * hands to the generator interpreter (same Binding objects, so assignments are shared). */
  scopeFor(visible: ReadonlyMap<string, number>): Scope {
    const s = new Scope(this.outer);
    for (const [name, slot] of visible) {
      const b = this.b[slot];
      if (b !== undefined) s.declare(name, b);
    }
    return s;
  }
}

/** A scope nobody declares into: the outer scope of compiled function bodies. */
export const EMPTY_SCOPE = new Scope(null);

/** Compiled code entered (calls and blocks) and still running on the JavaScript stack. Past
 * MAX_COMPILED_NESTING, execution continues in the generator interpreter, whose depth costs no
 * host stack, so max_call_depth (1000) and trigger nesting stay safe. */
export const MAX_COMPILED_NESTING = 48;
let nesting = 0;

export function compiledAllowed(): boolean {
  return nesting < MAX_COMPILED_NESTING;
}

export function enterCompiled(): void {
  nesting++;
}

export function leaveCompiled(): void {
  nesting--;
}
