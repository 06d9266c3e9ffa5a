// Binder hooks (called from sql/plan/expr.ts): PL-Grizzly expression forms inside SQL and calls
// of PL functions from SQL, compiled into the binder's synchronous row closures. Column values
// reach PL code as variables named after the columns.

import { KodiakError, SqlState } from "../../util/index.js";
import type { SqlValue } from "../api.js";
import { fromSqlValue, toSqlValue } from "../engine/convert.js";
import type { ColumnExpr, FuncExpr, PlNode } from "../parser/ast.js";
import type { BoundExpr } from "../plan/context.js";
import { type BindContext, bindExpr } from "../plan/expr.js";
import type { Scope } from "../plan/scope.js";
import { type DataType, T, toSqlType } from "../types/types.js";
import { typeOfSqlType } from "../engine/convert.js";
import { activePl, bindPlExprForSql, callMethodValue, freeNames, parsePlExpr, plFunctionForSql, type SqlArg } from "./engine-bridge.js";
import { fromSqlValue as plFromSql, plTypeOf, sqlTypeOf } from "./sqlconv.js";
import type { PlType } from "./types.js";

const T_TEXT: PlType = { k: "text" };

/** A PL expression form (PlNode) inside a SQL statement. */
export function bindPlNode(e: PlNode, scope: Scope, ctx: BindContext): BoundExpr {
  const cols = new Map<string, BoundExpr>();
  for (const n of freeNames(parsePlExpr(e.text))) {
    try {
      cols.set(n, bindExpr({ kind: "column", pos: e.pos, parts: [n] }, scope, ctx));
    } catch (x) {
      if (!(x instanceof KodiakError)) throw x;
      // Not a column: a lambda parameter, MATCH binding or a PL variable; PL code resolves it.
    }
  }
  const plTypes = new Map([...cols].map(([k, c]) => [k, plStructOf(c.type)]));
  const b = bindPlExprForSql(e.text, new Map([...cols].map(([k, c]) => [k, plTypes.get(k) ?? toSqlType(c.type)])));
  const dt = typeOfSqlType(b.type);
  return {
    fn: (r, env) => {
      const args = new Map<string, SqlArg>();
      for (const [k, c] of cols) {
        const plType = plTypes.get(k);
        const arg: SqlArg = { sqlType: toSqlType(c.type), value: () => toSqlValue(c.fn(r, env)) };
        args.set(k, plType === undefined ? arg : { ...arg, plType });
      }
      return fromSqlValue(b.eval(args), dt);
    },
    type: dt,
    constant: false,
    pos: e.pos,
  };
}

/** A call in SQL of a PL user function (or PL-only builtin when `builtins`); undefined if none. */
export function bindPlCall(e: FuncExpr, name: string, args: readonly BoundExpr[], builtins: boolean): BoundExpr | undefined {
  if (e.schema !== undefined) return undefined;
  const binding = plFunctionForSql(
    name,
    args.map((a) => toSqlType(a.type)),
    builtins,
  );
  if (binding === undefined) return undefined;
  const dt = typeOfSqlType(binding.returnType);
  const fns = args.map((a) => a.fn);
  return {
    fn: (r, env) => fromSqlValue(binding.call(fns.map((f) => toSqlValue(f(r, env)))), dt),
    type: dt,
    constant: false,
    pos: e.pos,
  };
}

function plStructOf(t: DataType): PlType | undefined {
  if (t.plStruct === undefined) return undefined;
  const st = activePl()?.env.catalog.type(t.plStruct);
  return st?.k === "struct" ? st : undefined;
}

/** `col.field…` in SQL where `col` is a STRUCT (jsonb) column (docs 3.2: tried after table.column). */
export function bindPlField(e: ColumnExpr, scope: Scope, ctx: BindContext): BoundExpr | undefined {
  let base: BoundExpr;
  try {
    base = bindExpr({ kind: "column", pos: e.pos, parts: [e.parts[0]!] }, scope, ctx);
  } catch (x) {
    if (x instanceof KodiakError) return undefined;
    throw x;
  }
  if (base.type.id !== "jsonb" && base.type.id !== "json") return undefined;
  let t: PlType | undefined = plStructOf(base.type);
  const path = e.parts.slice(1);
  for (const f of path) {
    if (t === undefined) break;
    if (t.k !== "struct") {
      t = undefined;
      break;
    }
    const fd = t.fields.find((x) => x.name === f);
    if (fd === undefined)
      throw new KodiakError(SqlState.undefinedColumn, `field "${f}" does not exist in type ${t.name ?? "struct"}`, { position: e.pos + 1 });
    t = fd.type;
  }
  const dt = t === undefined || t.k === "struct" || t.k === "json" ? T.jsonb : typeOfSqlType(sqlTypeOf(t));
  const f = base.fn;
  return {
    fn: (r, env) => {
      const raw = f(r, env);
      if (raw === null) return null;
      let j: unknown = typeof raw === "string" ? JSON.parse(raw) : raw;
      for (const k of path)
        j = j !== null && typeof j === "object" && !Array.isArray(j) ? ((j as Record<string, unknown>)[k] ?? null) : null;
      if (j === null) return null;
      if (dt.id === "jsonb") return JSON.stringify(j);
      return fromSqlValue(j as SqlValue, dt);
    },
    type: dt,
    constant: false,
    pos: e.pos,
  };
}

/** `col.method(args)` in SQL (parsed as a schema-qualified call) on a STRUCT column. */
export function bindPlMethod(e: FuncExpr, args: readonly BoundExpr[], scope: Scope, ctx: BindContext): BoundExpr | undefined {
  if (e.schema === undefined) return undefined;
  let base: BoundExpr;
  try {
    base = bindExpr({ kind: "column", pos: e.pos, parts: [e.schema] }, scope, ctx);
  } catch (x) {
    if (x instanceof KodiakError) return undefined;
    throw x;
  }
  const st = plStructOf(base.type);
  if (st === undefined || st.k !== "struct" || st.name === null) return undefined;
  const fn = activePl()?.env.catalog.func(e.name.toLowerCase(), st.name);
  if (fn === undefined)
    throw new KodiakError(SqlState.undefinedFunction, `method ${e.name} of type ${st.name} does not exist`, { position: e.pos + 1 });
  const dt = typeOfSqlType(sqlTypeOf(fn.returnType.k === "void" ? T_TEXT : fn.returnType));
  const bf = base.fn;
  const fns = args.map((a) => a.fn);
  return {
    fn: (r, env) => {
      const raw = bf(r, env);
      if (raw === null) return null;
      const self = plFromSql(toSqlValue(raw), st);
      const argv = fns.map((g, i) => plFromSql(toSqlValue(g(r, env)), plTypeOf(toSqlType(args[i]!.type))));
      return fromSqlValue(callMethodValue(self, fn, argv), dt);
    },
    type: dt,
    constant: false,
    pos: e.pos,
  };
}
