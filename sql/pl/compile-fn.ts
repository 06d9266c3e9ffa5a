// Entry points of compiled PL code: a user function's body is compiled once per definition
// (cached by its FunctionDef, so CREATE OR REPLACE compiles the new one and a dropped definition
// is collected with its code) and called with a cheap frame; a block the generator interpreter
// enters (DO, trigger bodies, arms) is compiled once per Block node.

import type { Block, FunctionDef } from "./ast.js";
import { type CallArg, convertArg, functionResult, settleFutures } from "./call.js";
import { type Cx, StaticScope, Unit } from "./compile-expr.js";
import { type CBlock, compileBlock } from "./compile-stmt.js";
import { type Ctx, type Frame as PlFrame, Signal } from "./context.js";
import { NO_VALUE } from "./expr.js";
import { CTL_NONE, CTL_RETURN, EMPTY_SCOPE, enterCompiled, Frame, leaveCompiled } from "./frame.js";
import type { PlFunction } from "./host.js";
import type { Scope } from "./scope.js";
import type { PlValue } from "./values.js";

interface CompiledFunction {
  readonly slots: number;
  readonly selfSlot: number;
  readonly paramSlots: readonly number[];
  readonly body: CBlock;
  readonly label: string;
  readonly line: number;
  readonly col: number;
}

interface CompiledBlock {
  readonly slots: number;
  readonly body: CBlock;
}

// Weak maps: compiled code lives exactly as long as the definition (or AST node) it came from,
// so the cache needs no separate size bound.
const functions = new WeakMap<FunctionDef, CompiledFunction>();
const blocks = new WeakMap<Block, CompiledBlock>();

function compileFunction(def: FunctionDef): CompiledFunction {
  const unit = new Unit();
  const params = new StaticScope(null);
  const selfSlot = def.receiver === null ? -1 : unit.declare(params, "self");
  const paramSlots = def.params.map((p) => unit.declare(params, p.name));
  const cx: Cx = { unit, scope: new StaticScope(params) };
  const body = compileBlock(def.body, cx);
  return {
    slots: unit.slots,
    selfSlot,
    paramSlots,
    body,
    label: `function ${def.name}`,
    line: def.body.at?.line ?? 0,
    col: def.body.at?.col ?? 0,
  };
}

/** Can this call take the compiled path? Exactly the parameters, positionally, no FUTURE
 * argument, not ASYNC; anything else keeps the interpreter's binding rules. */
export function compiledCallable(fn: PlFunction, args: readonly CallArg[], self: PlValue | null): boolean {
  if (fn.def.async || (self === null) !== (fn.def.receiver === null) || args.length !== fn.def.params.length) return false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.name !== null || a.value.t.k === "future") return false;
  }
  return true;
}

/** Runs a user function's compiled body (the caller checked depth and ticked the budget). */
export function callCompiled(fn: PlFunction, args: readonly CallArg[], c: Ctx, self: PlValue | null): PlValue {
  let cf = functions.get(fn.def);
  if (cf === undefined) {
    cf = compileFunction(fn.def);
    functions.set(fn.def, cf);
  }
  const savedDepth = c.depth;
  c.depth = savedDepth + 1;
  const pf: PlFrame = { label: cf.label, line: cf.line, col: cf.col };
  c.frames.push(pf);
  const outerFutures = c.futures;
  c.futures = [];
  enterCompiled();
  try {
    const f = new Frame(cf.slots, EMPTY_SCOPE, c, pf);
    if (self !== null) f.b[cf.selfSlot] = { type: self.t, value: self };
    const slots = cf.paramSlots;
    for (let i = 0; i < slots.length; i++) f.b[slots[i]!] = { type: fn.paramTypes[i]!, value: convertArg(fn, i, args[i]!.value) };
    let result: PlValue;
    try {
      result = cf.body(f);
      if (f.ctl !== CTL_NONE) {
        if (f.ctl !== CTL_RETURN) throw f.takeSignal();
        result = f.ret ?? NO_VALUE;
      }
    } catch (e) {
      if (!(e instanceof Signal) || e.kind !== "return") throw e;
      result = e.value ?? NO_VALUE;
    }
    settleFutures(c);
    return functionResult(fn, result);
  } finally {
    leaveCompiled();
    c.futures = outerFutures;
    c.frames.pop();
    c.depth = savedDepth;
  }
}

/** Runs a block in scope `s` (a fresh child scope, as every execBlock caller passes); pending
 * BREAK/CONTINUE/RETURN leave as the Signal the interpreter expects. */
export function runCompiledBlock(b: Block, s: Scope, c: Ctx): PlValue {
  let cb = blocks.get(b);
  if (cb === undefined) {
    const unit = new Unit();
    const body = compileBlock(b, { unit, scope: new StaticScope(null) });
    cb = { slots: unit.slots, body };
    blocks.set(b, cb);
  }
  enterCompiled();
  try {
    const f = new Frame(cb.slots, s, c, c.top());
    const v = cb.body(f);
    if (f.ctl !== CTL_NONE) throw f.takeSignal();
    return v;
  } finally {
    leaveCompiled();
  }
}
