// Binder hooks (called from sql/plan/expr.ts): PL-Grizzly expression forms inside SQL and calls
// of PL functions from SQL, compiled into the binder's synchronous row closures. Column values
// reach PL code as variables named after the columns.

import { KodiakError } from "../../util/index.js";
import { fromSqlValue, toSqlValue } from "../engine/convert.js";
import type { FuncExpr, PlNode } from "../parser/ast.js";
import type { BoundExpr } from "../plan/context.js";
import { type BindContext, bindExpr } from "../plan/expr.js";
import type { Scope } from "../plan/scope.js";
import { toSqlType } from "../types/types.js";
import { typeOfSqlType } from "../engine/convert.js";
import { bindPlExprForSql, freeNames, parsePlExpr, plFunctionForSql, type SqlArg } from "./engine-bridge.js";

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
  const b = bindPlExprForSql(e.text, new Map([...cols].map(([k, c]) => [k, toSqlType(c.type)])));
  const dt = typeOfSqlType(b.type);
  return {
    fn: (r, env) => {
      const args = new Map<string, SqlArg>();
      for (const [k, c] of cols) args.set(k, { sqlType: toSqlType(c.type), value: () => toSqlValue(c.fn(r, env)) });
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
