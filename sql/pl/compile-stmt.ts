// Compiles blocks and statements into closures over a Frame (see compile-expr.ts). BREAK,
// CONTINUE and RETURN set `f.ctl` instead of throwing; loops and calls also accept the Signals
// the generator interpreter throws from code handed to it. Errors leaving a statement get its
// line/column and the PL call stack once, as in stmt.ts.

import { SqlState } from "../../util/index.js";
import type { Block, Stmt } from "./ast.js";
import { assign } from "./cast.js";
import { compileExpr, compileSql, type CExpr, childCx, type Cx, slotOf, staticType, visibleSlots } from "./compile-expr.js";
import { BREAK, CONTINUE, Signal } from "./context.js";
import { raiseStmt } from "./control.js";
import { PlError, withPosition } from "./errors.js";
import { lookupName, NO_VALUE, requireBool } from "./expr.js";
import { CTL_BREAK, CTL_CONTINUE, CTL_NONE, CTL_RETURN, type Frame } from "./frame.js";
import { TRUE } from "./fastops.js";
import { drive } from "./gen.js";
import { resolveType } from "./resolve.js";
import { type Binding, assignBinding } from "./scope.js";
import { withField } from "./stmt.js";
import { T } from "./types.js";
import { asItems, mk, type PlValue, type RangeRaw } from "./values.js";

export type CBlock = (f: Frame) => PlValue;
type CStmt = (f: Frame) => PlValue;

/** Compiles a block whose scope `cx` the caller created (as execBlock's callers do). */
export function compileBlock(b: Block, cx: Cx): CBlock {
  const stmts = b.items.map((st) => compileStmt(st, cx));
  const lines = b.items.map((st) => st.at?.line ?? 0);
  const cols = b.items.map((st) => st.at?.col ?? 0);
  const positioned = b.items.map((st) => st.at !== undefined);
  const n = stmts.length;
  return (f) => {
    let last: PlValue = NO_VALUE;
    const pf = f.pf;
    let i = 0;
    try {
      for (; i < n; i++) {
        if (pf !== undefined && positioned[i]) {
          pf.line = lines[i]!;
          pf.col = cols[i]!;
        }
        last = stmts[i]!(f);
        if (f.ctl !== CTL_NONE) return NO_VALUE;
      }
    } catch (e) {
      if (e instanceof Signal) throw e;
      throw withPosition(e, lines[i]!, cols[i]!, () => f.c.stack());
    }
    return last;
  };
}

/** Assignment to a binding: the declared type converts (assignBinding), same type is kept. */
function store(b: Binding, v: PlValue): void {
  const t = b.type;
  if (t === null || (v.t === t && t.k !== "varchar" && v.v !== null)) b.value = v;
  else b.value = assign(v, t);
}

function compileStmt(st: Stmt, cx: Cx): CStmt {
  switch (st.kind) {
    case "let":
      return compileLet(st, cx);
    case "set":
      return compileSet(st, cx);
    case "return": {
      const e = st.e === null ? null : compileExpr(st.e, cx);
      return (f) => {
        f.ret = e === null ? null : e(f);
        f.ctl = CTL_RETURN;
        return NO_VALUE;
      };
    }
    case "raise": {
      const visible = visibleSlots(cx);
      return (f) => {
        drive(raiseStmt(st, f.scopeFor(visible), f.c));
        return NO_VALUE;
      };
    }
    case "break":
      return (f) => {
        f.ctl = CTL_BREAK;
        return NO_VALUE;
      };
    case "continue":
      return (f) => {
        f.ctl = CTL_CONTINUE;
        return NO_VALUE;
      };
    case "while":
      return compileWhile(st, cx);
    case "for":
      return compileFor(st, cx);
    case "sql": {
      const run = compileSql(st.sql, cx);
      return (f) => {
        run(f);
        return NO_VALUE;
      };
    }
    case "expr":
      return compileExpr(st.e, cx, true);
  }
}

function compileLet(st: Extract<Stmt, { kind: "let" }>, cx: Cx): CStmt {
  // The value is compiled before the name is declared: `LET x = x + 1` reads the outer x.
  const e = compileExpr(st.e, cx);
  const slot = cx.unit.declare(cx.scope, st.name);
  const name = st.name;
  const ref = st.type;
  if (ref !== null) {
    const fixed = staticType(ref);
    return (f) => {
      const v = e(f);
      const b: Binding = { type: fixed ?? resolveType(ref, f.c.env.catalog), value: v };
      assignBinding(b, v);
      f.b[slot] = b;
      return NO_VALUE;
    };
  }
  return (f) => {
    const v = e(f);
    if (v.t.k === "unknown") {
      if (v.v === null) throw new PlError(SqlState.datatypeMismatch, `LET ${name} = NULL needs a type`);
      f.b[slot] = { type: T.text, value: mk(T.text, v.v) };
    } else f.b[slot] = { type: v.t, value: v };
    return NO_VALUE;
  };
}

function frozenError(name: string): PlError {
  return new PlError(SqlState.objectNotInPrerequisiteState, `${name} cannot be assigned in an AFTER trigger`);
}

function compileSet(st: Extract<Stmt, { kind: "set" }>, cx: Cx): CStmt {
  const e = compileExpr(st.e, cx);
  const [name, ...path] = st.target as [string, ...string[]];
  const slot = slotOf(cx, name);
  if (slot >= 0) {
    if (path.length === 0) {
      return (f) => {
        const v = e(f);
        const b = f.b[slot]!;
        if (b.frozen === true) throw frozenError(name);
        store(b, v);
        return NO_VALUE;
      };
    }
    return (f) => {
      const v = e(f);
      const b = f.b[slot]!;
      if (b.frozen === true) throw frozenError(name);
      store(b, withField(b.value, path, v));
      return NO_VALUE;
    };
  }
  // Not declared in this unit: an enclosing interpreter scope, else a session variable.
  return (f) => {
    const value = e(f);
    const b = f.outer.lookupForAssign(name);
    if (b !== undefined) {
      if (b.frozen === true) throw frozenError(name);
      assignBinding(b, path.length === 0 ? value : withField(b.value, path, value));
      return NO_VALUE;
    }
    const c = f.c;
    if (c.readOnly) throw new PlError(SqlState.readOnlySqlTransaction, "cannot set a session variable in an ASYNC function");
    const v = path.length === 0 ? value : withField(lookupName(name, f.outer, c), path, value);
    c.env.session.set(name, v.t.k === "unknown" && v.v !== null ? mk(T.text, v.v) : v);
    return NO_VALUE;
  };
}

const LOOP_DONE = 0;
const LOOP_NEXT = 1;

/** Runs one loop body; returns LOOP_DONE when the loop must stop (BREAK, or RETURN pending). */
function loopBody(body: CBlock, f: Frame): number {
  try {
    body(f);
  } catch (e) {
    if (e === BREAK) return LOOP_DONE;
    if (e === CONTINUE) return LOOP_NEXT;
    throw e;
  }
  const k = f.ctl;
  if (k === CTL_NONE) return LOOP_NEXT;
  if (k === CTL_RETURN) return LOOP_DONE;
  f.ctl = CTL_NONE;
  return k === CTL_CONTINUE ? LOOP_NEXT : LOOP_DONE;
}

function compileWhile(st: Extract<Stmt, { kind: "while" }>, cx: Cx): CStmt {
  const cond = compileExpr(st.cond, cx);
  const body = compileBlock(st.body, childCx(cx));
  return (f) => {
    const budget = f.c.env.budget;
    for (;;) {
      budget.tick();
      const v = cond(f);
      // Comparisons return the shared TRUE, so the common case needs no requireBool.
      if (v !== TRUE && requireBool(v, "WHILE") !== true) return NO_VALUE;
      if (loopBody(body, f) === LOOP_DONE) return NO_VALUE;
    }
  };
}

function compileFor(st: Extract<Stmt, { kind: "for" }>, cx: Cx): CStmt {
  const source: CExpr =
    st.source.kind === "query" ? compileExpr({ kind: "query", sql: st.source.sql, mode: "rows" }, cx) : compileExpr(st.source, cx);
  const inner = childCx(cx);
  const slot = cx.unit.declare(inner.scope, st.name);
  const body = compileBlock(st.body, inner);
  return (f) => {
    const src = source(f);
    if (src.v === null) throw new PlError(SqlState.nullValueNotAllowed, "FOR source is NULL");
    const budget = f.c.env.budget;
    if (src.t.k === "range") {
      const r = src.v as RangeRaw;
      for (let i = r.lo; i <= r.hi; i++) {
        budget.tick();
        f.b[slot] = { type: T.int64, value: { t: T.int64, v: i } };
        if (loopBody(body, f) === LOOP_DONE) return NO_VALUE;
      }
      return NO_VALUE;
    }
    if (src.t.k !== "array") throw new PlError(SqlState.datatypeMismatch, "FOR needs a range, an array or a query");
    const elem = src.t.elem;
    const type = elem.k === "unknown" ? null : elem;
    for (const item of asItems(src)) {
      budget.tick();
      f.b[slot] = { type, value: item };
      if (loopBody(body, f) === LOOP_DONE) return NO_VALUE;
    }
    return NO_VALUE;
  };
}
