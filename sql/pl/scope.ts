// Lexical scopes of PL code (block, loop, lambda, MATCH/CATCH bindings, function) and the
// session-variable store. Lookup goes innermost first; session variables come last (section 2).

import { SqlState } from "../../util/index.js";
import { assign } from "./cast.js";
import { PlError } from "./errors.js";
import type { PlType } from "./types.js";
import type { PlValue } from "./values.js";

export interface Binding {
  /** Declared type (assignments convert to it); null → takes the type of each value. */
  readonly type: PlType | null;
  value: PlValue;
  /** Set for NEW/OLD in AFTER triggers: assigning raises 55000. */
  readonly frozen?: boolean;
}

export class Scope {
  private readonly vars = new Map<string, Binding>();

  constructor(
    readonly parent: Scope | null,
    /** A lambda body: enclosing variables are readable but not assignable (0A000). */
    readonly lambda = false,
  ) {}

  declare(name: string, binding: Binding): void {
    this.vars.set(name, binding);
  }

  lookup(name: string): Binding | undefined {
    for (let s: Scope | null = this; s !== null; s = s.parent) {
      const b = s.vars.get(name);
      if (b !== undefined) return b;
    }
    return undefined;
  }

  /** Finds a binding to assign; crossing a lambda boundary to reach it → 0A000. */
  lookupForAssign(name: string): Binding | undefined {
    let crossed = false;
    for (let s: Scope | null = this; s !== null; s = s.parent) {
      const b = s.vars.get(name);
      if (b !== undefined) {
        if (crossed)
          throw new PlError(SqlState.featureNotSupported, `cannot assign variable "${name}" of an enclosing scope inside a lambda`);
        return b;
      }
      if (s.lambda) crossed = true;
    }
    return undefined;
  }
}

/** Session variables: created on first SET, typed by each value, not transactional. */
export class SessionVars {
  private readonly vars = new Map<string, PlValue>();

  get(name: string): PlValue | undefined {
    return this.vars.get(name);
  }

  set(name: string, value: PlValue): void {
    this.vars.set(name, value);
  }

  reset(name: string): boolean {
    return this.vars.delete(name);
  }

  names(): string[] {
    return [...this.vars.keys()];
  }
}

export function assignBinding(b: Binding, value: PlValue): void {
  b.value = b.type === null ? value : assign(value, b.type);
}
