// Entry points the engine calls: run a DO block, call a function from SQL, evaluate a
// standalone PL expression. Each call is one top-level statement: fresh Ctx, call depth 0,
// structured concurrency settled before returning.

import { drive } from "./gen.js";
import type { Block, Expr } from "./ast.js";
import { callFunction, settleFutures } from "./call.js";
import { Ctx, type PlEnv } from "./context.js";
import { evalExpr, NO_VALUE } from "./expr.js";
import type { PlFunction } from "./host.js";
import { Scope } from "./scope.js";
import { execBlock } from "./stmt.js";
import { Signal } from "./context.js";
import type { PlValue } from "./values.js";

/** Runs a DO block (or an inline trigger/cron block) with optional pre-bound variables. */
export function runBlock(
  block: Block,
  env: PlEnv,
  label = "DO block",
  bindings: ReadonlyMap<string, { value: PlValue; frozen?: boolean }> = new Map(),
  ctx?: Ctx,
): PlValue | null {
  const c = ctx ?? new Ctx(env);
  const root = new Scope(null);
  for (const [k, b] of bindings) root.declare(k, { type: b.value.t, value: b.value, frozen: b.frozen ?? false });
  c.frames.push({ label, line: block.at?.line ?? 0, col: block.at?.col ?? 0 });
  const outer = c.futures;
  c.futures = [];
  try {
    let v: PlValue | null;
    try {
      v = drive(execBlock(block, new Scope(root), c));
    } catch (e) {
      if (!(e instanceof Signal)) throw e;
      v = e.kind === "return" ? e.value : NO_VALUE;
    }
    settleFutures(c);
    for (const [k] of bindings) {
      const b = root.lookup(k);
      if (b !== undefined) (bindings.get(k) as { value: PlValue }).value = b.value;
    }
    return v;
  } finally {
    c.futures = outer;
    c.frames.pop();
  }
}

/** Calls a user function from SQL: ASYNC functions are awaited at the call site. */
export function callFromSql(fn: PlFunction, args: readonly PlValue[], env: PlEnv, ctx?: Ctx): PlValue {
  return drive(
    callFunction(
      fn,
      args.map((value) => ({ name: null, value })),
      ctx ?? new Ctx(env),
      null,
      true,
    ),
  );
}

/** Evaluates one expression in an empty scope (session variables visible). */
export function evalStandalone(e: Expr, env: PlEnv): PlValue {
  return drive(evalExpr(e, new Scope(null), new Ctx(env)));
}
