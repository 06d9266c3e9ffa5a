// MATCH (literal, range, alternative, binding, `_` and struct patterns with guards), TRY/CATCH
// (typed arms, SQLSTATE arms, savepoint rollback of the TRY part) and RAISE.
// query_canceled (57014) is caught only by an arm that names it.

import type { Gen } from "./gen.js";
import { KodiakError, SqlState } from "../../util/index.js";
import type { CatchArm, Expr, Pattern, Stmt } from "./ast.js";
import type { Ctx } from "./context.js";
import { builtinExceptionDef, conditionMatches, conditionName, errorFromException, PlError } from "./errors.js";
import { evalBody, evalExpr, requireBool } from "./expr.js";
import { binary, notDistinct, resolveUnknown } from "./ops.js";
import { assign } from "./cast.js";
import { Scope } from "./scope.js";
import { isText } from "./types.js";
import { asException, asStruct, type ExceptionRaw, formatValue, mk, type PlValue } from "./values.js";

function* matches(p: Pattern, v: PlValue, bindings: Map<string, PlValue>, s: Scope, c: Ctx): Gen<boolean> {
  switch (p.kind) {
    case "pAny":
      return true;
    case "pBind":
      bindings.set(p.name, v);
      return true;
    case "pLit": {
      const lit = (yield evalExpr(p.value, s, c)) as PlValue;
      const [a, b] = resolveUnknown(v, lit);
      return notDistinct(a, b);
    }
    case "pRange": {
      if (v.v === null) return false;
      const lo = binary(">=", v, (yield evalExpr(p.lo, s, c)) as PlValue);
      const hi = binary("<=", v, (yield evalExpr(p.hi, s, c)) as PlValue);
      return lo.v === true && hi.v === true;
    }
    case "pStruct": {
      if (v.v === null || v.t.k !== "struct") return false;
      const fields = asStruct(v).fields;
      for (const f of p.fields) {
        const fv = fields.get(f.name);
        if (fv === undefined) throw new PlError(SqlState.undefinedColumn, `field "${f.name}" does not exist`);
        if (!((yield matches(f.pattern, fv, bindings, s, c)) as boolean)) return false;
      }
      return true;
    }
  }
}

export function* evalMatch(e: Extract<Expr, { kind: "match" }>, s: Scope, c: Ctx): Gen<PlValue> {
  const v = (yield evalExpr(e.subject, s, c)) as PlValue;
  for (const arm of e.arms) {
    for (const p of arm.patterns) {
      const bindings = new Map<string, PlValue>();
      if (!((yield matches(p, v, bindings, s, c)) as boolean)) continue;
      const armScope = new Scope(s);
      for (const [k, b] of bindings) armScope.declare(k, { type: b.t, value: b });
      if (arm.guard !== null && requireBool((yield evalExpr(arm.guard, armScope, c)) as PlValue, "a MATCH guard") !== true) continue;
      return (yield evalBody(arm.body, armScope, c)) as PlValue;
    }
  }
  throw new PlError("20000", "case not found: no MATCH arm matches the value");
}

/** The exception value a CATCH arm sees for any error. */
export function exceptionOf(err: KodiakError): PlValue {
  if (err instanceof PlError && err.exception !== undefined) return err.exception;
  const name = conditionName(err.code);
  const def = builtinExceptionDef(name) ?? { name, defaultMessage: name, fields: [], sqlstate: err.code, builtin: true };
  const raw: ExceptionRaw = {
    def,
    message: err.message,
    fields: new Map(),
    sqlstate: err.code,
    line: err instanceof PlError ? (err.line ?? 0) : 0,
    column: err instanceof PlError ? (err.column ?? 0) : 0,
    stack: err instanceof PlError ? (err.context ?? "") : "",
  };
  return mk({ k: "exception", name, def }, raw);
}

export function armMatches(arm: CatchArm, err: KodiakError, exc: PlValue): boolean {
  const m = arm.match;
  if (m.kind === "any") return err.code !== SqlState.queryCanceled;
  if (m.kind === "sqlstate") return err.code === m.code;
  const raw = asException(exc);
  if (!raw.def.builtin) return raw.def.name === m.name;
  return conditionMatches(m.name, err.code);
}

/** Does the TRY part possibly touch the database (so it needs a savepoint)? */
export function touchesDb(x: unknown): boolean {
  if (x === null || typeof x !== "object") return false;
  const k = (x as { kind?: unknown }).kind;
  if (k === "sql" || k === "query" || k === "call" || k === "method") return true;
  for (const v of Object.values(x as Record<string, unknown>)) {
    if (Array.isArray(v) ? v.some(touchesDb) : typeof v === "object" && touchesDb(v)) return true;
  }
  return false;
}
const touchCache = new WeakMap<object, boolean>();

export function* evalTry(e: Extract<Expr, { kind: "try" }>, s: Scope, c: Ctx): Gen<PlValue> {
  let needsSavepoint = touchCache.get(e);
  if (needsSavepoint === undefined) {
    needsSavepoint = touchesDb(e.body);
    touchCache.set(e, needsSavepoint);
  }
  const sp = needsSavepoint && !c.readOnly ? c.env.host.savepoint() : null;
  try {
    const v = (yield evalBody(e.body, s, c)) as PlValue;
    if (sp !== null) c.env.host.releaseSavepoint(sp);
    return v;
  } catch (err) {
    if (!(err instanceof KodiakError) || c.env.budget.expired) throw err;
    const exc = exceptionOf(err);
    const arm = e.arms === null ? null : e.arms.find((a) => armMatches(a, err, exc));
    if (e.arms === null ? err.code === SqlState.queryCanceled : arm === undefined) throw err;
    if (sp !== null) c.env.host.rollbackToSavepoint(sp);
    if (arm === null || arm === undefined) return (yield evalExpr(e.fallback!, s, c)) as PlValue;
    const armScope = new Scope(s);
    if (arm.bind !== null) armScope.declare(arm.bind, { type: exc.t, value: exc });
    c.handling.push(exc);
    try {
      return (yield evalBody(arm.body, armScope, c)) as PlValue;
    } finally {
      c.handling.pop();
    }
  }
}

/** RAISE statement: re-raise, raise a caught value, or raise a (user or built-in) exception type. */
export function* raiseStmt(st: Extract<Stmt, { kind: "raise" }>, s: Scope, c: Ctx): Gen<undefined> {
  const line = st.at?.line ?? 0;
  const column = st.at?.col ?? 0;
  if (st.name === null) {
    const current = c.handling[c.handling.length - 1];
    if (current === undefined) throw new PlError(SqlState.syntaxError, "RAISE without an exception is allowed only inside a CATCH arm");
    throw errorFromException(current);
  }
  const name = st.name.toLowerCase();
  const bound = st.message === null && st.fields.length === 0 ? s.lookup(name) : undefined;
  if (bound !== undefined && bound.value.t.k === "exception") throw errorFromException(bound.value);
  const userType = c.env.catalog.type(name);
  const def = userType?.k === "exception" ? userType.def : builtinExceptionDef(name);
  if (def === undefined || def === null) throw new PlError(SqlState.undefinedObject, `exception type "${st.name}" does not exist`);
  let message = def.defaultMessage;
  if (st.message !== null) {
    const m = (yield evalExpr(st.message, s, c)) as PlValue;
    message = m.v === null ? "" : isText(m.t) || m.t.k === "unknown" ? String(m.v) : formatValue(m);
  }
  const fields = new Map<string, PlValue>(def.fields.map((f) => [f.name, mk(f.type, null)]));
  for (const f of st.fields) {
    const fd = def.fields.find((x) => x.name === f.name);
    if (fd === undefined) throw new PlError(SqlState.undefinedColumn, `exception ${def.name} has no field "${f.name}"`);
    fields.set(f.name, assign((yield evalExpr(f.value, s, c)) as PlValue, fd.type));
  }
  const raw: ExceptionRaw = { def, message, fields, sqlstate: def.sqlstate, line, column, stack: c.stack() };
  const exc = mk(userType ?? { k: "exception", name: def.name, def }, raw);
  const err = errorFromException(exc);
  err.context = c.stack();
  throw err;
}
