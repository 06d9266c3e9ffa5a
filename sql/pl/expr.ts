// Expression evaluation: one handler per Expr kind in a Record, so a new kind fails to
// compile until handled. SQL three-valued logic, left-to-right short-circuit AND/OR, 1-based
// indexing, member access on STRUCT/EXCEPTION/JSON values.

import { drive, type Ev, type Gen, sub } from "./gen.js";
import { SqlState } from "../../util/index.js";
import type { Arg, Block, Expr, ExprKind, Lambda } from "./ast.js";
import { callMethod, callNamed } from "./call.js";
import { cast } from "./cast.js";
import type { Ctx } from "./context.js";
import { PlError } from "./errors.js";
import { binary, negate, not } from "./ops.js";
import { evalPipeline } from "./pipeline.js";
import { evalMatch, evalTry } from "./control.js";
import { resolveType } from "./resolve.js";
import { Scope } from "./scope.js";
import { runQuery } from "./sqlrun.js";
import { execBlock } from "./stmt.js";
import { anonStruct, isInteger, isText, type PlType, T, unify } from "./types.js";
import {
  arrayValue,
  asException,
  asItems,
  asJson,
  asStruct,
  bool,
  type FutureRaw,
  type JsonValue,
  json,
  mk,
  NULL,
  nullOf,
  type PlValue,
  structValue,
} from "./values.js";

/** The value of a block that ends without an expression. */
export const NO_VALUE: PlValue = { t: T.void, v: null };

type Handler<K extends ExprKind> = (e: Extract<Expr, { kind: K }>, s: Scope, c: Ctx) => Ev<PlValue>;
type Handlers = { [K in ExprKind]: Handler<K> };

export function evalExpr(e: Expr, s: Scope, c: Ctx): Ev<PlValue> {
  if (isSyncExpr(e)) return evalSync(e, s, c);
  return (handlers[e.kind] as Handler<ExprKind>)(e as never, s, c);
}

// Fast path: trees of literals, names and operators cannot call functions or run SQL, so they
// are evaluated directly (no generator per node). Their depth is the expression's nesting only.
const syncCache = new WeakMap<Expr, boolean>();

function isSyncExpr(e: Expr): boolean {
  let r = syncCache.get(e);
  if (r === undefined) {
    switch (e.kind) {
      case "lit":
      case "name":
      case "var":
        r = true;
        break;
      case "binary":
      case "logic":
        r = isSyncExpr(e.l) && isSyncExpr(e.r);
        break;
      case "unary":
      case "is":
        r = isSyncExpr(e.e);
        break;
      case "field":
        r = isSyncExpr(e.obj);
        break;
      default:
        r = false;
    }
    syncCache.set(e, r);
  }
  return r;
}

function syncBool(e: Expr, s: Scope, c: Ctx, what: string): boolean | null {
  return requireBool(evalSync(e, s, c), what);
}

function evalSync(e: Expr, s: Scope, c: Ctx): PlValue {
  switch (e.kind) {
    case "lit":
      return e.value;
    case "name":
      return lookupName(e.name, s, c);
    case "var": {
      let v = lookupName(e.path[0]!, s, c);
      for (const f of e.path.slice(1)) v = fieldOf(v, f);
      return v;
    }
    case "field":
      return fieldOf(evalSync(e.obj, s, c), e.name);
    case "is": {
      const v = evalSync(e.e, s, c);
      let r: boolean;
      if (e.test === "NULL") r = v.v === null;
      else {
        const b = requireBool(v, `IS ${e.test}`);
        r = e.test === "TRUE" ? b === true : e.test === "FALSE" ? b === false : b === null;
      }
      return bool(e.not ? !r : r);
    }
    case "binary": {
      const l = evalSync(e.l, s, c);
      if (e.op === "&&" && (l.t.k === "bool" || (l.t.k === "unknown" && l.v === null))) {
        const a = requireBool(l, "AND");
        if (a === false) return bool(false);
        const b = syncBool(e.r, s, c, "AND");
        return bool(b === false ? false : a === null || b === null ? null : true);
      }
      const r = evalSync(e.r, s, c);
      if (l.t.k === "future" || r.t.k === "future")
        throw new PlError(SqlState.datatypeMismatch, "a FUTURE must be awaited before it is used as a value");
      return binary(e.op, l, r);
    }
    case "logic": {
      const a = syncBool(e.l, s, c, e.op);
      if (e.op === "AND" ? a === false : a === true) return bool(a);
      const b = syncBool(e.r, s, c, e.op);
      if (e.op === "AND") return bool(b === false ? false : a === null || b === null ? null : true);
      return bool(b === true ? true : a === null || b === null ? null : false);
    }
    case "unary": {
      const v = evalSync(e.e, s, c);
      return e.op === "NOT" ? not(v) : e.op === "-" ? negate(v) : v;
    }
    default:
      return drive((handlers[e.kind] as Handler<ExprKind>)(e as never, s, c));
  }
}

/** Evaluates an expression or a block body (arms, lambdas, TRY parts). */
export function evalBody(b: Expr | Block | Lambda, s: Scope, c: Ctx): Ev<PlValue> {
  if (b.kind === "blk") return execBlock(b, new Scope(s), c);
  if (b.kind === "lambda") throw new PlError(SqlState.syntaxError, "a lambda is allowed only as an argument of a pipeline stage");
  return evalExpr(b, s, c);
}

export function lookupName(name: string, s: Scope, c: Ctx): PlValue {
  const b = s.lookup(name);
  if (b !== undefined) return b.value;
  const v = c.env.session.get(name);
  if (v !== undefined) return v;
  throw new PlError(SqlState.undefinedColumn, `variable "${name}" does not exist`);
}

export function requireBool(v: PlValue, what: string): boolean | null {
  if (v.t.k !== "bool" && !(v.t.k === "unknown" && v.v === null)) {
    throw new PlError(
      SqlState.datatypeMismatch,
      `argument of ${what} must be type boolean, not type ${v.t.k === "unknown" ? "unknown" : v.t.k}`,
    );
  }
  return v.v as boolean | null;
}

export function fieldOf(obj: PlValue, name: string): PlValue {
  const t = obj.t;
  if (t.k === "struct") {
    const f = t.fields.find((x) => x.name === name);
    if (f === undefined) throw new PlError(SqlState.undefinedColumn, `field "${name}" does not exist in ${t.name ?? "struct"}`);
    return obj.v === null ? nullOf(f.type) : (asStruct(obj).fields.get(name) ?? nullOf(f.type));
  }
  if (t.k === "exception") {
    if (obj.v === null) return nullOf(T.text);
    const x = asException(obj);
    switch (name) {
      case "name":
        return mk(T.text, x.def.name);
      case "message":
        return mk(T.text, x.message);
      case "sqlstate":
        return mk(T.text, x.sqlstate);
      case "line":
        return mk(T.int32, x.line);
      case "column":
        return mk(T.int32, x.column);
      case "stack":
        return mk(T.text, x.stack);
      default: {
        const v = x.fields.get(name);
        if (v === undefined) throw new PlError(SqlState.undefinedColumn, `exception ${x.def.name} has no field "${name}"`);
        return v;
      }
    }
  }
  if (t.k === "json") {
    if (obj.v === null) return nullOf(T.json);
    const j = asJson(obj);
    if (j === null || typeof j !== "object" || Array.isArray(j)) return nullOf(T.json);
    const v = (j as Record<string, JsonValue>)[name];
    return v === undefined ? nullOf(T.json) : json(v);
  }
  if (t.k === "unknown" && obj.v === null) return NULL;
  throw new PlError(SqlState.wrongObjectType, `cannot read field "${name}" of a value of type ${t.k}`);
}

export function indexOf(obj: PlValue, idx: PlValue): PlValue {
  if (isText(obj.t)) throw new PlError(SqlState.datatypeMismatch, "cannot index a value of type text");
  if (obj.v === null || idx.v === null) return nullOf(obj.t.k === "array" ? obj.t.elem : T.json);
  if (obj.t.k === "json") {
    const j = asJson(obj);
    if (typeof idx.v === "string" && !isInteger(idx.t)) {
      if (j === null || typeof j !== "object" || Array.isArray(j)) return nullOf(T.json);
      const v = (j as Record<string, JsonValue>)[idx.v];
      return v === undefined ? nullOf(T.json) : json(v);
    }
    if (!Array.isArray(j)) return nullOf(T.json);
    const i = Number(idx.v);
    return i >= 1 && i <= j.length ? json(j[i - 1]!) : nullOf(T.json);
  }
  if (obj.t.k === "array") {
    const items = asItems(obj);
    const i = Number(idx.v);
    return i >= 1 && i <= items.length ? items[i - 1]! : nullOf(obj.t.elem);
  }
  throw new PlError(SqlState.datatypeMismatch, `cannot index a value of type ${obj.t.k}`);
}

export function likeRegex(pattern: string, ci: boolean): RegExp {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === "\\" && i + 1 < pattern.length) re += pattern[++i]!.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    else if (ch === "%") re += "[\\s\\S]*";
    else if (ch === "_") re += "[\\s\\S]";
    else re += ch.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`, ci ? "i" : "");
}

function* evalAnd(l: Expr, r: Expr, s: Scope, c: Ctx): Gen<PlValue> {
  const a = requireBool((yield evalExpr(l, s, c)) as PlValue, "AND");
  if (a === false) return bool(false);
  const b = requireBool((yield evalExpr(r, s, c)) as PlValue, "AND");
  if (b === false) return bool(false);
  return bool(a === null || b === null ? null : true);
}

function* evalOr(l: Expr, r: Expr, s: Scope, c: Ctx): Gen<PlValue> {
  const a = requireBool((yield evalExpr(l, s, c)) as PlValue, "OR");
  if (a === true) return bool(true);
  const b = requireBool((yield evalExpr(r, s, c)) as PlValue, "OR");
  if (b === true) return bool(true);
  return bool(a === null || b === null ? null : false);
}

export function evalArgs(args: readonly Arg[], s: Scope, c: Ctx): Ev<{ name: string | null; value: PlValue }[]> {
  if (args.every((a) => a.value.kind !== "lambda" && isSyncExpr(a.value))) {
    return args.map((a) => ({ name: a.name, value: evalSync(a.value as Expr, s, c) }));
  }
  return evalArgsGen(args, s, c);
}

function* evalArgsGen(args: readonly Arg[], s: Scope, c: Ctx): Gen<{ name: string | null; value: PlValue }[]> {
  const out: { name: string | null; value: PlValue }[] = [];
  for (const a of args) {
    if (a.value.kind === "lambda") throw new PlError(SqlState.syntaxError, "a lambda is allowed only as an argument of a pipeline stage");
    out.push({ name: a.name, value: (yield evalExpr(a.value, s, c)) as PlValue });
  }
  return out;
}

function awaitFuture(v: PlValue): PlValue {
  if (v.t.k !== "future" || v.v === null) return v;
  const f = v.v as FutureRaw;
  f.awaited = true;
  if (f.error !== undefined) throw f.error;
  return f.value!;
}

const handlers: Handlers = {
  lit: (e) => e.value,
  name: (e, s, c) => lookupName(e.name, s, c),
  var: (e, s, c) => {
    let v = lookupName(e.path[0]!, s, c);
    for (const f of e.path.slice(1)) v = fieldOf(v, f);
    return v;
  },
  field: function* (e, s, c) {
    return fieldOf((yield evalExpr(e.obj, s, c)) as PlValue, e.name);
  },
  index: function* (e, s, c) {
    return indexOf((yield evalExpr(e.obj, s, c)) as PlValue, (yield evalExpr(e.index, s, c)) as PlValue);
  },
  call: (e, s, c) => callNamed(e.name, e.args, e.star === true, s, c),
  method: function* (e, s, c) {
    return (yield callMethod(yield* sub(evalExpr(e.obj, s, c)), e.name, e.args, s, c)) as PlValue;
  },
  unary: function* (e, s, c) {
    const v = (yield evalExpr(e.e, s, c)) as PlValue;
    if (e.op === "NOT") return not(v);
    if (e.op === "-") return negate(v);
    return v;
  },
  binary: function* (e, s, c) {
    const l = (yield evalExpr(e.l, s, c)) as PlValue;
    if (e.op === "&&" && (l.t.k === "bool" || (l.t.k === "unknown" && l.v === null))) {
      const r0 = (yield evalAnd({ kind: "lit", value: l }, e.r, s, c)) as PlValue;
      return r0;
    }
    const r = (yield evalExpr(e.r, s, c)) as PlValue;
    if (l.t.k === "future" || r.t.k === "future")
      throw new PlError(SqlState.datatypeMismatch, "a FUTURE must be awaited before it is used as a value");
    return binary(e.op, l, r);
  },
  logic: function* (e, s, c) {
    return e.op === "AND" ? ((yield evalAnd(e.l, e.r, s, c)) as PlValue) : ((yield evalOr(e.l, e.r, s, c)) as PlValue);
  },
  is: function* (e, s, c) {
    const v = (yield evalExpr(e.e, s, c)) as PlValue;
    let r: boolean;
    if (e.test === "NULL") r = v.v === null;
    else {
      const b = requireBool(v, `IS ${e.test}`);
      r = e.test === "TRUE" ? b === true : e.test === "FALSE" ? b === false : b === null;
    }
    return bool(e.not ? !r : r);
  },
  between: function* (e, s, c) {
    const v = (yield evalExpr(e.e, s, c)) as PlValue;
    const lo = binary(">=", v, (yield evalExpr(e.lo, s, c)) as PlValue);
    const hi = binary("<=", v, (yield evalExpr(e.hi, s, c)) as PlValue);
    const r = lo.v === false || hi.v === false ? false : lo.v === null || hi.v === null ? null : true;
    return bool(r === null ? null : e.not ? !r : r);
  },
  in: function* (e, s, c) {
    const v = (yield evalExpr(e.e, s, c)) as PlValue;
    let sawNull = false;
    for (const x of e.list) {
      const r = binary("=", v, (yield evalExpr(x, s, c)) as PlValue);
      if (r.v === true) return bool(!e.not);
      if (r.v === null) sawNull = true;
    }
    return bool(sawNull ? null : e.not);
  },
  like: function* (e, s, c) {
    const v = (yield evalExpr(e.e, s, c)) as PlValue;
    const p = (yield evalExpr(e.pattern, s, c)) as PlValue;
    if (v.v === null || p.v === null) return bool(null);
    const r = likeRegex(String(p.v), e.ci).test(String(v.v));
    return bool(e.not ? !r : r);
  },
  cast: function* (e, s, c) {
    return cast((yield evalExpr(e.e, s, c)) as PlValue, resolveType(e.type, c.env.catalog));
  },
  range: function* (e, s, c) {
    const lo = (yield evalExpr(e.lo, s, c)) as PlValue;
    const hi = (yield evalExpr(e.hi, s, c)) as PlValue;
    for (const b of [lo, hi]) {
      if (!isInteger(b.t) && !(b.t.k === "unknown" && b.v === null))
        throw new PlError(SqlState.datatypeMismatch, "range bounds must be integers");
    }
    if (lo.v === null || hi.v === null) return nullOf(T.range);
    return mk(T.range, { lo: BigInt(lo.v as number | bigint), hi: BigInt(hi.v as number | bigint) });
  },
  struct: function* (e, s, c) {
    const fields = new Map<string, PlValue>();
    for (const f of e.fields) {
      if (fields.has(f.name)) throw new PlError(SqlState.duplicateColumn, `field "${f.name}" given twice`);
      const v = (yield evalExpr(f.value, s, c)) as PlValue;
      fields.set(f.name, v.t.k === "unknown" && v.v !== null ? mk(T.text, v.v) : v);
    }
    return structValue(anonStruct([...fields].map(([name, v]) => ({ name, type: v.t }))), fields);
  },
  array: function* (e, s, c) {
    const items: PlValue[] = [];
    let t: PlType = T.unknown;
    for (const x of e.items) {
      const v = (yield evalExpr(x, s, c)) as PlValue;
      if (!(v.t.k === "unknown" && v.v === null)) t = unify(t, v.t, "ARRAY");
      items.push(v);
    }
    return arrayValue(t, t.k === "unknown" ? items : items.map((v) => (v.t.k === "unknown" ? cast(v, t) : v)));
  },
  if: function* (e, s, c) {
    for (const b of e.branches) {
      if (requireBool((yield evalExpr(b.cond, s, c)) as PlValue, "IF") === true)
        return (yield execBlock(b.body, new Scope(s), c)) as PlValue;
    }
    return e.otherwise === null ? NULL : ((yield execBlock(e.otherwise, new Scope(s), c)) as PlValue);
  },
  match: (e, s, c) => evalMatch(e, s, c),
  case: function* (e, s, c) {
    const subject = e.subject === null ? null : ((yield evalExpr(e.subject, s, c)) as PlValue);
    for (const w of e.whens) {
      const v = (yield evalExpr(w.when, s, c)) as PlValue;
      const hit = subject === null ? requireBool(v, "CASE") === true : binary("=", subject, v).v === true;
      if (hit) return (yield evalExpr(w.result, s, c)) as PlValue;
    }
    return e.otherwise === null ? NULL : ((yield evalExpr(e.otherwise, s, c)) as PlValue);
  },
  try: (e, s, c) => evalTry(e, s, c),
  await: function* (e, s, c) {
    if (!e.all) return awaitFuture((yield evalExpr(e.e, s, c)) as PlValue);
    const arr = (yield evalExpr(e.e, s, c)) as PlValue;
    if (arr.v === null) return arr;
    if (arr.t.k !== "array") throw new PlError(SqlState.datatypeMismatch, "AWAIT ALL needs an array of futures");
    const items = asItems(arr);
    for (const x of items) if (x.t.k === "future" && x.v !== null) (x.v as FutureRaw).awaited = true;
    // All have settled (they ran at their call); the first failure in written order wins.
    const failed = items.find((x) => x.t.k === "future" && x.v !== null && (x.v as FutureRaw).error !== undefined);
    if (failed !== undefined) throw (failed.v as FutureRaw).error;
    const elem = arr.t.elem.k === "future" ? arr.t.elem.inner : arr.t.elem;
    return arrayValue(elem, items.map(awaitFuture));
  },
  pipeline: (e, s, c) => evalPipeline(e, s, c),
  query: (e, s, c) => runQuery(e.sql, e.mode, s, c),
  block: (e, s, c) => execBlock(e.block, new Scope(s), c),
};
