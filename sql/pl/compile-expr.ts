// Compiles PL expressions once into closures over a Frame: variables resolve to slots at compile
// time, operators are chosen once (fastops.ts), literals are constants. Kinds without a compiled
// form (MATCH, TRY, pipelines, methods, AWAIT, …) are handed to the generator interpreter with a
// Scope showing the same bindings, so every kind keeps exactly one implementation of its rules.

import { SqlState } from "../../util/index.js";
import type { Expr, SqlText, TypeRef } from "./ast.js";
import { callBuiltin, hasBuiltin } from "./builtins.js";
import { callFunction } from "./call.js";
import { cast } from "./cast.js";
import { compileMatch, compileTry, matchCompilable } from "./compile-control.js";
import { compileBlock } from "./compile-stmt.js";
import { PlError } from "./errors.js";
import { evalExpr, fieldOf, indexOf, likeRegex, lookupName, requireBool } from "./expr.js";
import { binaryFn, FALSE, TRUE } from "./fastops.js";
import { CTL_NONE, type Frame } from "./frame.js";
import { drive } from "./gen.js";
import type { BoundParam, HostResult } from "./host.js";
import { binary, negate, not } from "./ops.js";
import { resolveType } from "./resolve.js";
import { beforeStatement, paramOf, queryValue, relationText } from "./sqlrun.js";
import { anonStruct, arrayOf, builtinType, isInteger, type PlType, T, typeName, unify } from "./types.js";
import { arrayValue, bool, mk, NULL, nullOf, type PlValue, structValue } from "./values.js";

export type CExpr = (f: Frame) => PlValue;

/** Names declared so far in one block, innermost block first through `parent`. */
export class StaticScope {
  readonly names = new Map<string, number>();
  constructor(readonly parent: StaticScope | null) {}
}

/** Compilation state of one unit (function body or block entered from the interpreter). */
export class Unit {
  slots = 0;

  declare(scope: StaticScope, name: string): number {
    const slot = this.slots++;
    scope.names.set(name, slot);
    return slot;
  }
}

export interface Cx {
  readonly unit: Unit;
  readonly scope: StaticScope;
}

export function childCx(cx: Cx): Cx {
  return { unit: cx.unit, scope: new StaticScope(cx.scope) };
}

export function slotOf(cx: Cx, name: string): number {
  for (let s: StaticScope | null = cx.scope; s !== null; s = s.parent) {
    const slot = s.names.get(name);
    if (slot !== undefined) return slot;
  }
  return -1;
}

/** Every slot name visible here (inner declarations win), for Scope adapters. */
export function visibleSlots(cx: Cx): Map<string, number> {
  const out = new Map<string, number>();
  for (let s: StaticScope | null = cx.scope; s !== null; s = s.parent) {
    for (const [name, slot] of s.names) if (!out.has(name)) out.set(name, slot);
  }
  return out;
}

/** A type reference made only of built-in names resolves once; user types resolve per use. */
export function staticType(ref: TypeRef): PlType | undefined {
  if (ref.elem !== undefined) {
    const inner = staticType(ref.elem);
    if (inner === undefined) return undefined;
    return ref.name === "future" ? { k: "future", inner } : arrayOf(inner);
  }
  return builtinType(ref.name.toLowerCase(), ref.mods);
}

function typeOf(ref: TypeRef): (f: Frame) => PlType {
  const t = staticType(ref);
  if (t !== undefined) return () => t;
  return (f) => resolveType(ref, f.c.env.catalog);
}

/** Reads a variable: its slot, else the outer Scope, else a session variable. */
export function compileName(name: string, cx: Cx): CExpr {
  const slot = slotOf(cx, name);
  if (slot >= 0) return (f) => f.b[slot]!.value;
  return (f) => lookupName(name, f.outer, f.c);
}

function compilePath(path: readonly string[], cx: Cx): CExpr {
  const head = compileName(path[0]!, cx);
  if (path.length === 1) return head;
  const rest = path.slice(1);
  return (f) => {
    let v = head(f);
    for (const name of rest) v = fieldOf(v, name);
    return v;
  };
}

function delegate(e: Expr, cx: Cx): CExpr {
  const visible = visibleSlots(cx);
  return (f) => drive(evalExpr(e, f.scopeFor(visible), f.c));
}

/** A block left with a pending BREAK/CONTINUE/RETURN in the middle of an expression unwinds by
 * the Signal the interpreter uses; in statement position the caller sees `f.ctl` instead. */
export function settle(f: Frame, v: PlValue, stmtPos: boolean): PlValue {
  if (f.ctl !== CTL_NONE && !stmtPos) throw f.takeSignal();
  return v;
}

export function compileExpr(e: Expr, cx: Cx, stmtPos = false): CExpr {
  switch (e.kind) {
    case "lit": {
      const v = e.value;
      return () => v;
    }
    case "name":
      return compileName(e.name, cx);
    case "var":
      return compilePath(e.path, cx);
    case "field": {
      const obj = compileExpr(e.obj, cx);
      const name = e.name;
      return (f) => fieldOf(obj(f), name);
    }
    case "index": {
      const obj = compileExpr(e.obj, cx);
      const idx = compileExpr(e.index, cx);
      return (f) => {
        const o = obj(f);
        return indexOf(o, idx(f));
      };
    }
    case "call":
      return compileCall(e, cx);
    case "unary": {
      const inner = compileExpr(e.e, cx);
      if (e.op === "NOT") return (f) => not(inner(f));
      if (e.op === "-") return (f) => negate(inner(f));
      return inner;
    }
    case "binary":
      return compileBinary(e, cx);
    case "logic":
      return compileLogic(e, cx);
    case "is":
      return compileIs(e, cx);
    case "cast": {
      const inner = compileExpr(e.e, cx);
      const type = typeOf(e.type);
      return (f) => {
        const v = inner(f);
        return cast(v, type(f));
      };
    }
    case "range":
      return compileRange(e, cx);
    case "if":
      return compileIf(e, cx, stmtPos);
    case "block": {
      const body = compileBlock(e.block, childCx(cx));
      return (f) => settle(f, body(f), stmtPos);
    }
    case "query": {
      const run = compileSql(e.sql, cx);
      const mode = e.mode;
      return (f) => queryValue(run(f), mode);
    }
    case "method":
      return compileMethod(e, cx);
    case "between":
      return compileBetween(e, cx);
    case "in":
      return compileIn(e, cx);
    case "like":
      return compileLike(e, cx);
    case "case":
      return compileCase(e, cx);
    case "struct":
      return compileStruct(e, cx);
    case "array":
      return compileArray(e, cx);
    case "match":
      return matchCompilable(e) ? compileMatch(e, cx, stmtPos) : delegate(e, cx);
    case "try":
      return compileTry(e, cx);
    default:
      // await, pipeline: the interpreter's implementation, on the same bindings.
      return delegate(e, cx);
  }
}

function compileBinary(e: Extract<Expr, { kind: "binary" }>, cx: Cx): CExpr {
  const l = compileExpr(e.l, cx);
  const r = compileExpr(e.r, cx);
  const op = binaryFn(e.op);
  if (e.op !== "&&") {
    // Slot variables and literals are read in place (no closure call per operand).
    const ls = e.l.kind === "name" ? slotOf(cx, e.l.name) : -1;
    const rs = e.r.kind === "name" ? slotOf(cx, e.r.name) : -1;
    if (ls >= 0 && rs >= 0) return (f) => op(f.b[ls]!.value, f.b[rs]!.value);
    if (e.r.kind === "lit") {
      const rc = e.r.value;
      if (ls >= 0) return (f) => op(f.b[ls]!.value, rc);
      return (f) => op(l(f), rc);
    }
    if (ls >= 0) return (f) => op(f.b[ls]!.value, r(f));
    if (e.l.kind === "lit") {
      const lc = e.l.value;
      return (f) => op(lc, r(f));
    }
    return (f) => op(l(f), r(f));
  }
  // `&&` is AND on booleans (short-circuit, three-valued) and overlap on arrays.
  return (f) => {
    const a = l(f);
    if (a.t.k === "bool" || (a.t.k === "unknown" && a.v === null)) {
      const x = requireBool(a, "AND");
      if (x === false) return FALSE;
      const y = requireBool(r(f), "AND");
      return y === false ? FALSE : x === null || y === null ? bool(null) : TRUE;
    }
    return op(a, r(f));
  };
}

function compileLogic(e: Extract<Expr, { kind: "logic" }>, cx: Cx): CExpr {
  const l = compileExpr(e.l, cx);
  const r = compileExpr(e.r, cx);
  const what = e.op;
  if (e.op === "AND") {
    return (f) => {
      const a = requireBool(l(f), what);
      if (a === false) return FALSE;
      const b = requireBool(r(f), what);
      return b === false ? FALSE : a === null || b === null ? bool(null) : TRUE;
    };
  }
  return (f) => {
    const a = requireBool(l(f), what);
    if (a === true) return TRUE;
    const b = requireBool(r(f), what);
    return b === true ? TRUE : a === null || b === null ? bool(null) : FALSE;
  };
}

function compileIs(e: Extract<Expr, { kind: "is" }>, cx: Cx): CExpr {
  const inner = compileExpr(e.e, cx);
  const test = e.test;
  const negated = e.not;
  const what = `IS ${test}`;
  return (f) => {
    const v = inner(f);
    let r: boolean;
    if (test === "NULL") r = v.v === null;
    else {
      const b = requireBool(v, what);
      r = test === "TRUE" ? b === true : test === "FALSE" ? b === false : b === null;
    }
    return (negated ? !r : r) ? TRUE : FALSE;
  };
}

function compileRange(e: Extract<Expr, { kind: "range" }>, cx: Cx): CExpr {
  const lo = compileExpr(e.lo, cx);
  const hi = compileExpr(e.hi, cx);
  const check = (b: PlValue) => {
    if (!isInteger(b.t) && !(b.t.k === "unknown" && b.v === null))
      throw new PlError(SqlState.datatypeMismatch, "range bounds must be integers");
  };
  return (f) => {
    const a = lo(f);
    const b = hi(f);
    check(a);
    check(b);
    if (a.v === null || b.v === null) return nullOf(T.range);
    return mk(T.range, { lo: BigInt(a.v as number | bigint), hi: BigInt(b.v as number | bigint) });
  };
}

function compileIf(e: Extract<Expr, { kind: "if" }>, cx: Cx, stmtPos: boolean): CExpr {
  const conds = e.branches.map((b) => compileExpr(b.cond, cx));
  const bodies = e.branches.map((b) => compileBlock(b.body, childCx(cx)));
  const otherwise = e.otherwise === null ? null : compileBlock(e.otherwise, childCx(cx));
  const n = conds.length;
  return (f) => {
    for (let i = 0; i < n; i++) {
      if (requireBool(conds[i]!(f), "IF") === true) return settle(f, bodies[i]!(f), stmtPos);
    }
    return otherwise === null ? NULL : settle(f, otherwise(f), stmtPos);
  };
}

function compileCall(e: Extract<Expr, { kind: "call" }>, cx: Cx): CExpr {
  if (e.args.some((a) => a.value.kind === "lambda")) return delegate(e, cx);
  const name = e.name;
  const lower = name.toLowerCase();
  const star = e.star === true;
  const names = e.args.map((a) => a.name);
  const args = e.args.map((a) => compileExpr(a.value as Expr, cx));
  const n = args.length;
  return (f) => {
    const c = f.c;
    const fn = c.env.catalog.func(lower, null);
    const values = new Array<{ name: string | null; value: PlValue }>(n);
    for (let i = 0; i < n; i++) values[i] = { name: names[i]!, value: args[i]!(f) };
    if (fn !== undefined) return drive(callFunction(fn, values, c, null));
    if (hasBuiltin(lower)) {
      return callBuiltin(
        lower,
        values.map((a) => a.value),
        c,
        star,
      );
    }
    throw new PlError(SqlState.undefinedFunction, `function ${name}(${values.map((a) => typeName(a.value.t)).join(", ")}) does not exist`);
  };
}

function compileMethod(e: Extract<Expr, { kind: "method" }>, cx: Cx): CExpr {
  if (e.args.some((a) => a.value.kind === "lambda")) return delegate(e, cx);
  const obj = compileExpr(e.obj, cx);
  const name = e.name;
  const lower = name.toLowerCase();
  const names = e.args.map((a) => a.name);
  const args = e.args.map((a) => compileExpr(a.value as Expr, cx));
  const n = args.length;
  return (f) => {
    const self = obj(f);
    const c = f.c;
    const t = self.t;
    const receiver = t.k === "struct" || t.k === "exception" ? t.name : null;
    const fn = receiver === null ? undefined : c.env.catalog.func(lower, receiver);
    if (fn === undefined) throw new PlError(SqlState.undefinedFunction, `method ${name} of type ${typeName(t)} does not exist`);
    const values = new Array<{ name: string | null; value: PlValue }>(n);
    for (let i = 0; i < n; i++) values[i] = { name: names[i]!, value: args[i]!(f) };
    if (self.v === null) return nullOf(fn.returnType);
    return drive(callFunction(fn, values, c, self));
  };
}

function compileBetween(e: Extract<Expr, { kind: "between" }>, cx: Cx): CExpr {
  const v = compileExpr(e.e, cx);
  const lo = compileExpr(e.lo, cx);
  const hi = compileExpr(e.hi, cx);
  const negated = e.not;
  return (f) => {
    const x = v(f);
    const a = binary(">=", x, lo(f));
    const b = binary("<=", x, hi(f));
    const r = a.v === false || b.v === false ? false : a.v === null || b.v === null ? null : true;
    return r === null ? bool(null) : (negated ? !r : r) ? TRUE : FALSE;
  };
}

function compileIn(e: Extract<Expr, { kind: "in" }>, cx: Cx): CExpr {
  const v = compileExpr(e.e, cx);
  const list = e.list.map((x) => compileExpr(x, cx));
  const negated = e.not;
  return (f) => {
    const x = v(f);
    let sawNull = false;
    for (const item of list) {
      const r = binary("=", x, item(f));
      if (r.v === true) return negated ? FALSE : TRUE;
      if (r.v === null) sawNull = true;
    }
    return sawNull ? bool(null) : negated ? TRUE : FALSE;
  };
}

function compileLike(e: Extract<Expr, { kind: "like" }>, cx: Cx): CExpr {
  const v = compileExpr(e.e, cx);
  const pattern = compileExpr(e.pattern, cx);
  const negated = e.not;
  const ci = e.ci;
  // The last pattern's regex is kept: a literal or loop-invariant pattern compiles once.
  let lastPattern: string | null = null;
  let lastRegex: RegExp | null = null;
  return (f) => {
    const x = v(f);
    const p = pattern(f);
    if (x.v === null || p.v === null) return bool(null);
    const text = String(p.v);
    if (text !== lastPattern || lastRegex === null) {
      lastRegex = likeRegex(text, ci);
      lastPattern = text;
    }
    const r = lastRegex.test(String(x.v));
    return (negated ? !r : r) ? TRUE : FALSE;
  };
}

function compileCase(e: Extract<Expr, { kind: "case" }>, cx: Cx): CExpr {
  const subject = e.subject === null ? null : compileExpr(e.subject, cx);
  const whens = e.whens.map((w) => compileExpr(w.when, cx));
  const results = e.whens.map((w) => compileExpr(w.result, cx));
  const otherwise = e.otherwise === null ? null : compileExpr(e.otherwise, cx);
  const n = whens.length;
  return (f) => {
    const s = subject === null ? null : subject(f);
    for (let i = 0; i < n; i++) {
      const v = whens[i]!(f);
      const hit = s === null ? requireBool(v, "CASE") === true : binary("=", s, v).v === true;
      if (hit) return results[i]!(f);
    }
    return otherwise === null ? NULL : otherwise(f);
  };
}

function compileStruct(e: Extract<Expr, { kind: "struct" }>, cx: Cx): CExpr {
  const names = e.fields.map((x) => x.name);
  const values = e.fields.map((x) => compileExpr(x.value, cx));
  return (f) => {
    const fields = new Map<string, PlValue>();
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      if (fields.has(name)) throw new PlError(SqlState.duplicateColumn, `field "${name}" given twice`);
      const v = values[i]!(f);
      fields.set(name, v.t.k === "unknown" && v.v !== null ? mk(T.text, v.v) : v);
    }
    return structValue(anonStruct([...fields].map(([name, v]) => ({ name, type: v.t }))), fields);
  };
}

function compileArray(e: Extract<Expr, { kind: "array" }>, cx: Cx): CExpr {
  const items = e.items.map((x) => compileExpr(x, cx));
  return (f) => {
    const out: PlValue[] = [];
    let t: PlType = T.unknown;
    for (const item of items) {
      const v = item(f);
      if (!(v.t.k === "unknown" && v.v === null)) t = unify(t, v.t, "ARRAY");
      out.push(v);
    }
    return arrayValue(t, t.k === "unknown" ? out : out.map((v) => (v.t.k === "unknown" ? cast(v, t) : v)));
  };
}

/** Embedded SQL: `{path}` parts read their slots; the text is built once when no part names a
 * relation (the parameters are then the only thing that changes between runs). */
export function compileSql(sql: SqlText, cx: Cx): (f: Frame) => HostResult {
  const values: CExpr[] = [];
  const pieces: ({ text: string } | { get: CExpr; path: readonly string[]; relation: boolean })[] = [];
  let fixed: string | null = "";
  let n = 0;
  for (const p of sql.parts) {
    if (typeof p === "string") {
      pieces.push({ text: p });
      if (fixed !== null) fixed += p;
      continue;
    }
    const get = compilePath(p.path, cx);
    pieces.push({ get, path: p.path, relation: p.relation });
    if (p.relation) fixed = null;
    else {
      values.push(get);
      if (fixed !== null) fixed += `$${++n}`;
    }
  }
  if (fixed !== null) {
    const text = fixed;
    const count = values.length;
    return (f) => {
      beforeStatement(sql, f.c);
      const params = new Array<BoundParam>(count);
      for (let i = 0; i < count; i++) params[i] = paramOf(values[i]!(f));
      return f.c.env.host.execute(text, params);
    };
  }
  return (f) => {
    beforeStatement(sql, f.c);
    let text = "";
    const params: BoundParam[] = [];
    for (const p of pieces) {
      if ("text" in p) text += p.text;
      else if (p.relation) text += relationText(p.get(f), p.path);
      else {
        params.push(paramOf(p.get(f)));
        text += `$${params.length}`;
      }
    }
    return f.c.env.host.execute(text, params);
  };
}
