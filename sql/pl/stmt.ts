// Statement execution inside blocks: LET, SET, RETURN, RAISE, BREAK/CONTINUE, WHILE, FOR, SQL
// statements and expression items. A block's value is its last expression item (section 6).
// Errors leaving a statement get that statement's line/column and the PL call stack once.

import type { Ev, Gen } from "./gen.js";
import { SqlState } from "../../util/index.js";
import type { Block, Stmt, StmtKind } from "./ast.js";
import { BREAK, CONTINUE, type Ctx, Signal } from "./context.js";
import { raiseStmt } from "./control.js";
import { PlError, withPosition } from "./errors.js";
import { runCompiledBlock } from "./compile-fn.js";
import { evalExpr, fieldOf, lookupName, NO_VALUE, requireBool } from "./expr.js";
import { compiledAllowed } from "./frame.js";
import { resolveType } from "./resolve.js";
import { assignBinding, Scope } from "./scope.js";
import { runQuery, runStatement } from "./sqlrun.js";
import { T } from "./types.js";
import { asItems, asStruct, mk, type PlValue, type RangeRaw, structValue } from "./values.js";

type Handler<K extends StmtKind> = (st: Extract<Stmt, { kind: K }>, s: Scope, c: Ctx) => Ev<PlValue | undefined>;
type Handlers = { [K in StmtKind]: Handler<K> };

/** Runs a block in scope `s` (the caller creates it); returns the block's value or NO_VALUE.
 * Compiled (compile-fn.ts) unless compiled code is already nested as deep as the host stack
 * allows; then the generator form below keeps deep recursion off the host stack. */
export function execBlock(b: Block, s: Scope, c: Ctx): Ev<PlValue> {
  return compiledAllowed() ? runCompiledBlock(b, s, c) : execBlockGen(b, s, c);
}

function* execBlockGen(b: Block, s: Scope, c: Ctx): Gen<PlValue> {
  let last: PlValue = NO_VALUE;
  const frame = c.top();
  for (const st of b.items) {
    if (frame !== undefined && st.at !== undefined) {
      frame.line = st.at.line;
      frame.col = st.at.col;
    }
    try {
      const v = (yield (handlers[st.kind] as Handler<StmtKind>)(st as never, s, c)) as PlValue | undefined;
      last = st.kind === "expr" && v !== undefined ? v : NO_VALUE;
    } catch (e) {
      if (e instanceof Signal) throw e;
      throw withPosition(e, st.at?.line ?? 0, st.at?.col ?? 0, () => c.stack());
    }
  }
  return last;
}

export function withField(obj: PlValue, path: readonly string[], value: PlValue): PlValue {
  if (path.length === 0) return value;
  const [head, ...rest] = path as [string, ...string[]];
  if (obj.t.k !== "struct") throw new PlError(SqlState.wrongObjectType, `cannot assign field "${head}" of a non-struct value`);
  const field = obj.t.fields.find((f) => f.name === head);
  if (field === undefined) throw new PlError(SqlState.undefinedColumn, `field "${head}" does not exist`);
  const current = fieldOf(obj, head);
  const next = withField(current, rest, value);
  const fields = new Map(obj.v === null ? obj.t.fields.map((f) => [f.name, mk(f.type, null)]) : asStruct(obj).fields);
  fields.set(head, rest.length === 0 ? convertField(next, field.type, obj.t.name === null) : next);
  return structValue(obj.t, fields);
}

function convertField(v: PlValue, t: import("./types.js").PlType, anonymous: boolean): PlValue {
  if (anonymous) return v;
  const b = { type: t, value: v };
  assignBinding(b, v);
  return b.value;
}

function* setStmt(st: Extract<Stmt, { kind: "set" }>, s: Scope, c: Ctx): Gen<undefined> {
  const value = (yield evalExpr(st.e, s, c)) as PlValue;
  const [name, ...path] = st.target as [string, ...string[]];
  const b = s.lookupForAssign(name);
  if (b !== undefined) {
    if (b.frozen === true) throw new PlError(SqlState.objectNotInPrerequisiteState, `${name} cannot be assigned in an AFTER trigger`);
    assignBinding(b, path.length === 0 ? value : withField(b.value, path, value));
    return undefined;
  }
  if (c.readOnly) throw new PlError(SqlState.readOnlySqlTransaction, "cannot set a session variable in an ASYNC function");
  const v = path.length === 0 ? value : withField(lookupName(name, s, c), path, value);
  c.env.session.set(name, v.t.k === "unknown" && v.v !== null ? mk(T.text, v.v) : v);
  return undefined;
}

function* iterate(src: PlValue): Generator<PlValue> {
  if (src.t.k === "range") {
    const r = src.v as RangeRaw;
    for (let i = r.lo; i <= r.hi; i++) yield mk(T.int64, i);
    return;
  }
  yield* asItems(src);
}

const handlers: Handlers = {
  let: function* (st, s, c) {
    const v = (yield evalExpr(st.e, s, c)) as PlValue;
    if (st.type !== null) {
      const b = { type: resolveType(st.type, c.env.catalog), value: v };
      assignBinding(b, v);
      s.declare(st.name, b);
      return undefined;
    }
    if (v.t.k === "unknown" && v.v === null) throw new PlError(SqlState.datatypeMismatch, `LET ${st.name} = NULL needs a type`);
    const t = v.t.k === "unknown" ? T.text : v.t;
    s.declare(st.name, { type: t, value: v.t.k === "unknown" ? mk(T.text, v.v) : v });
    return undefined;
  },
  set: setStmt,
  return: function* (st, s, c) {
    throw new Signal("return", st.e === null ? null : ((yield evalExpr(st.e, s, c)) as PlValue));
  },
  raise: (st, s, c) => raiseStmt(st, s, c),
  break: () => {
    throw BREAK;
  },
  continue: () => {
    throw CONTINUE;
  },
  while: function* (st, s, c) {
    for (;;) {
      c.env.budget.tick();
      if (requireBool((yield evalExpr(st.cond, s, c)) as PlValue, "WHILE") !== true) return undefined;
      try {
        (yield execBlock(st.body, new Scope(s), c)) as PlValue;
      } catch (e) {
        if (e === BREAK) return undefined;
        if (e !== CONTINUE) throw e;
      }
    }
  },
  for: function* (st, s, c) {
    const src = st.source.kind === "query" ? runQuery(st.source.sql, "rows", s, c) : ((yield evalExpr(st.source, s, c)) as PlValue);
    if (src.v === null) throw new PlError(SqlState.nullValueNotAllowed, "FOR source is NULL");
    if (src.t.k !== "array" && src.t.k !== "range") throw new PlError(SqlState.datatypeMismatch, "FOR needs a range, an array or a query");
    const elemType = src.t.k === "array" ? src.t.elem : T.int64;
    for (const item of iterate(src)) {
      c.env.budget.tick();
      const body = new Scope(s);
      body.declare(st.name, { type: elemType.k === "unknown" ? null : elemType, value: item });
      try {
        (yield execBlock(st.body, body, c)) as PlValue;
      } catch (e) {
        if (e === BREAK) return undefined;
        if (e !== CONTINUE) throw e;
      }
    }
    return undefined;
  },
  sql: (st, s, c) => {
    runStatement(st.sql, s, c);
    return undefined;
  },
  expr: (st, s, c) => evalExpr(st.e, s, c),
};
