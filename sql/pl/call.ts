// Function calls: user functions from the catalog (positional and named arguments, defaults,
// conversions, return type, call-depth limit 54001, ASYNC → FUTURE with structured concurrency),
// receiver methods, and built-in functions.

import type { Ev, Gen } from "./gen.js";
import { KodiakError, SqlState } from "../../util/index.js";
import type { Arg } from "./ast.js";
import { callBuiltin, hasBuiltin } from "./builtins.js";
import { assign } from "./cast.js";
import { type Ctx, Signal } from "./context.js";
import { PlError } from "./errors.js";
import { evalArgs, evalExpr, NO_VALUE } from "./expr.js";
import type { PlFunction } from "./host.js";
import { Scope } from "./scope.js";
import { callCompiled, compiledCallable } from "./compile-fn.js";
import { compiledAllowed } from "./frame.js";
import { execBlock } from "./stmt.js";
import { typeName } from "./types.js";
import { type FutureRaw, mk, nullOf, type PlValue } from "./values.js";

export interface CallArg {
  readonly name: string | null;
  readonly value: PlValue;
}

export function* callNamed(name: string, args: readonly Arg[], star: boolean, s: Scope, c: Ctx): Gen<PlValue> {
  const lower = name.toLowerCase();
  const fn = c.env.catalog.func(lower, null);
  const values = (yield evalArgs(args, s, c)) as { name: string | null; value: PlValue }[];
  if (fn !== undefined) return (yield callFunction(fn, values, c, null)) as PlValue;
  if (hasBuiltin(lower))
    return callBuiltin(
      lower,
      values.map((a) => a.value),
      c,
      star,
    );
  throw new PlError(SqlState.undefinedFunction, `function ${name}(${values.map((a) => typeName(a.value.t)).join(", ")}) does not exist`);
}

export function* callMethod(self: PlValue, name: string, args: readonly Arg[], s: Scope, c: Ctx): Gen<PlValue> {
  const t = self.t;
  const receiver = t.k === "struct" || t.k === "exception" ? t.name : null;
  const fn = receiver === null ? undefined : c.env.catalog.func(name.toLowerCase(), receiver);
  if (fn === undefined) throw new PlError(SqlState.undefinedFunction, `method ${name} of type ${typeName(t)} does not exist`);
  const values = (yield evalArgs(args, s, c)) as { name: string | null; value: PlValue }[];
  if (self.v === null) return nullOf(fn.returnType);
  return (yield callFunction(fn, values, c, self)) as PlValue;
}

/** Binds arguments to parameters: positional first, then named; defaults evaluated per call. */
function bindArgs(fn: PlFunction, args: readonly CallArg[], scope: Scope, c: Ctx): Ev<undefined> {
  const params = fn.def.params;
  // Fast path: exactly the parameters, positionally.
  if (args.length === params.length && args.every((a) => a.name === null && a.value.t.k !== "future")) {
    for (let i = 0; i < params.length; i++)
      scope.declare(params[i]!.name, { type: fn.paramTypes[i]!, value: convertArg(fn, i, args[i]!.value) });
    return undefined;
  }
  return bindArgsGen(fn, args, scope, c);
}

export function convertArg(fn: PlFunction, i: number, v: PlValue): PlValue {
  const t = fn.paramTypes[i]!;
  try {
    return assign(v, t);
  } catch (e) {
    if (e instanceof PlError && e.code === SqlState.datatypeMismatch) {
      throw new PlError(
        SqlState.datatypeMismatch,
        `argument ${fn.def.params[i]!.name} of ${fn.def.name} must be ${typeName(t)}, not ${typeName(v.t)}`,
      );
    }
    throw e;
  }
}

function* bindArgsGen(fn: PlFunction, args: readonly CallArg[], scope: Scope, c: Ctx): Gen<undefined> {
  const params = fn.def.params;
  const given = new Map<number, PlValue>();
  let positional = 0;
  for (const a of args) {
    if (a.name === null) {
      if (given.size > positional) throw new PlError(SqlState.syntaxError, "positional argument cannot follow a named argument");
      given.set(positional++, a.value);
      continue;
    }
    const i = params.findIndex((p) => p.name === a.name!.toLowerCase());
    if (i < 0 || given.has(i))
      throw new PlError(SqlState.undefinedFunction, `function ${fn.def.name} has no parameter "${a.name}" (or it is given twice)`);
    given.set(i, a.value);
  }
  if (positional > params.length)
    throw new PlError(SqlState.undefinedFunction, `function ${fn.def.name} takes ${params.length} arguments, got ${args.length}`);
  for (let i = 0; i < params.length; i++) {
    const p = params[i]!;
    const t = fn.paramTypes[i]!;
    let v = given.get(i);
    if (v === undefined) {
      if (p.default === null)
        throw new PlError(SqlState.undefinedFunction, `function ${fn.def.name} takes ${params.length} arguments, got ${args.length}`);
      v = (yield evalExpr(p.default, scope, c)) as PlValue;
    }
    if (v.t.k === "future") throw new PlError(SqlState.datatypeMismatch, "a FUTURE must be awaited before it is passed");
    scope.declare(p.name, { type: t, value: convertArg(fn, i, v) });
  }
  return undefined;
}

function* runBody(fn: PlFunction, args: readonly CallArg[], c: Ctx, self: PlValue | null): Gen<PlValue> {
  const scope = new Scope(null);
  if (self !== null) scope.declare("self", { type: self.t, value: self });
  c.frames.push({ label: `function ${fn.def.name}`, line: fn.def.body.at?.line ?? 0, col: fn.def.body.at?.col ?? 0 });
  const outerFutures = c.futures;
  c.futures = [];
  try {
    (yield bindArgs(fn, args, scope, c)) as undefined;
    let result: PlValue;
    try {
      result = (yield execBlock(fn.def.body, new Scope(scope), c)) as PlValue;
    } catch (e) {
      if (!(e instanceof Signal) || e.kind !== "return") throw e;
      result = e.value ?? NO_VALUE;
    }
    settleFutures(c);
    return functionResult(fn, result);
  } finally {
    c.futures = outerFutures;
    c.frames.pop();
  }
}

/** The value a call returns: converted to the declared return type (void → NULL). */
export function functionResult(fn: PlFunction, result: PlValue): PlValue {
  const rk = fn.returnType.k;
  if (rk === "void") return nullOf(fn.returnType);
  if (rk === "trigger") return result;
  if (result === NO_VALUE) throw new PlError("2F005", `control reached end of function ${fn.def.name} without RETURN`);
  return assign(result, fn.returnType);
}

/** Observes futures the call started but never awaited, in creation order (structured
 * concurrency): the first unobserved failure propagates. */
export function settleFutures(c: Ctx): void {
  for (const f of c.futures) {
    if (!f.awaited) {
      f.awaited = true;
      if (f.error !== undefined) throw f.error;
    }
  }
}

/** Calls a user function. From SQL pass `fromSql` so ASYNC calls are awaited at the call site.
 * Plain calls run compiled code (compile-fn.ts) and return the value; the rest, and calls nested
 * deeper than the compiled code may go on the host stack, return the interpreter's generator. */
export function callFunction(fn: PlFunction, args: readonly CallArg[], c: Ctx, self: PlValue | null, fromSql = false): Ev<PlValue> {
  if (c.depth + 1 > c.env.maxCallDepth) {
    throw new PlError(SqlState.statementTooComplex, `PL call depth limit (${c.env.maxCallDepth}) exceeded`);
  }
  c.env.budget.tick();
  if (compiledAllowed() && compiledCallable(fn, args, self)) return callCompiled(fn, args, c, self);
  return callInterpreted(fn, args, c, self, fromSql);
}

function* callInterpreted(fn: PlFunction, args: readonly CallArg[], c: Ctx, self: PlValue | null, fromSql: boolean): Gen<PlValue> {
  if (!fn.def.async || fromSql) {
    const target = fn.def.async ? c.forAsync() : c;
    const saved = target.depth;
    target.depth = c.depth + 1;
    try {
      return (yield runBody(fn, args, target, self)) as PlValue;
    } finally {
      target.depth = saved;
    }
  }
  const ac = c.forAsync();
  ac.depth = c.depth + 1;
  let value: PlValue | null = null;
  let error: unknown;
  try {
    value = (yield runBody(fn, args, ac, self)) as PlValue;
  } catch (e) {
    if (!(e instanceof KodiakError)) throw e;
    error = e;
  }
  const future: FutureRaw = { value, error, awaited: false };
  c.futures.push(future);
  return mk({ k: "future", inner: fn.returnType }, future);
}
