// The SQL engine's view of PL-Grizzly while a statement executes: which PL session is active
// (set around statement execution, restored on exit), calls of PL functions and PL-only
// builtins from SQL expressions, and PL expression forms (MATCH, |>, CONTAINS, `a.f()`, …)
// compiled into the binder's row closures. Values cross as SqlValue (sql/api.ts).

import type { SqlValue } from "../api.js";
import { KodiakError, SqlState } from "../../util/index.js";
import { hasBuiltin, callBuiltin } from "./builtins.js";
import { callFunction, callMethod } from "./call.js";
import { cast } from "./cast.js";
import { inferType } from "./check.js";
import { Ctx, type PlEnv } from "./context.js";
import { evalExpr } from "./expr.js";
import { drive } from "./gen.js";
import type { Expr } from "./ast.js";
import { PlBuilder } from "./parse/build.js";
import { setPlStructLookup } from "./type-hook.js";
import { parseTree } from "./parse/tree.js";
import { Scope } from "./scope.js";
import { fromSqlValue, plTypeOf, sqlTypeOf } from "./sqlconv.js";
import type { PlType } from "./types.js";
import { type FutureRaw, type PlValue, toSqlValue } from "./values.js";

export interface ActivePl {
  readonly env: PlEnv;
  /** The session's trigger state (nesting depth spans nested statements). */
  readonly triggers: import("./triggers.js").TriggerRuntime;
}

const active: ActivePl[] = [];

setPlStructLookup((name) => activePl()?.env.catalog.type(name)?.k === "struct");

/** Runs `fn` with `pl` as the active PL context (nesting: PL → SQL → PL restores on exit). */
export function withActivePl<R>(pl: ActivePl, fn: () => R): R {
  active.push(pl);
  try {
    return fn();
  } finally {
    active.pop();
  }
}

export function activePl(): ActivePl | undefined {
  return active[active.length - 1];
}

/** A SQL-side argument: its value and SQL type, read when the row is evaluated. */
export interface SqlArg {
  readonly sqlType: import("../api.js").SqlType;
  readonly value: () => SqlValue;
  /** The PL type when SQL's type is less precise (a STRUCT stored as jsonb). */
  readonly plType?: PlType;
}

function toPl(a: SqlArg): PlValue {
  return fromSqlValue(a.value(), a.plType ?? plTypeOf(a.sqlType));
}

function awaited(v: PlValue): PlValue {
  if (v.t.k !== "future" || v.v === null) return v;
  const f = v.v as FutureRaw;
  f.awaited = true;
  if (f.error !== undefined) throw f.error;
  return f.value!;
}

export interface PlCallBinding {
  readonly returnType: import("../api.js").SqlType;
  readonly call: (args: readonly SqlValue[]) => SqlValue;
}

/**
 * If `name` is a PL user function (or a PL-only builtin when `builtins`), returns how to call it
 * from SQL; undefined otherwise. Argument count/type errors surface at call time.
 */
export function plFunctionForSql(
  name: string,
  argTypes: readonly import("../api.js").SqlType[],
  builtins: boolean,
): PlCallBinding | undefined {
  const pl = activePl();
  if (pl === undefined) return undefined;
  const fn = pl.env.catalog.func(name, null);
  const plArgTypes = argTypes.map(plTypeOf);
  if (fn !== undefined) {
    if (argTypes.length > fn.paramTypes.length || argTypes.length < fn.def.params.filter((p) => p.default === null).length) {
      throw new KodiakError(SqlState.undefinedFunction, `function ${name} takes ${fn.paramTypes.length} arguments, got ${argTypes.length}`);
    }
    const rt = fn.returnType.k === "void" ? (plArgTypes[0] ?? fn.returnType) : fn.returnType;
    return {
      returnType: sqlTypeOf(fn.returnType.k === "void" ? { k: "text" } : rt),
      call: (args) => {
        const ctx = new Ctx(activePl()?.env ?? pl.env);
        const values = args.map((v, i) => ({ name: null, value: fromSqlValue(v, plArgTypes[i]!) }));
        return toSqlValue(awaited(drive(callFunction(fn, values, ctx, null, true))));
      },
    };
  }
  if (!builtins || !hasBuiltin(name)) return undefined;
  return {
    returnType: sqlTypeOf(
      name === "kodiak_cron_next" ? { k: "timestamptz" } : name === "array_to_string" ? { k: "text" } : { k: "double" },
    ),
    call: (args) => {
      const ctx = new Ctx(activePl()?.env ?? pl.env);
      return toSqlValue(
        callBuiltin(
          name,
          args.map((v, i) => fromSqlValue(v, plArgTypes[i]!)),
          ctx,
          false,
        ),
      );
    },
  };
}

const exprCache = new Map<string, Expr>();
const EXPR_CACHE_MAX = 1024;

/** Parses the source text of a PL expression that appeared inside SQL. */
export function parsePlExpr(text: string): Expr {
  let e = exprCache.get(text);
  if (e === undefined) {
    const src = `SELECT ${text}`;
    const top = new PlBuilder(src).top(parseTree(src).statement(0)!);
    if (top.kind !== "sql" || top.select === undefined || top.select.length !== 1) {
      throw new KodiakError(SqlState.syntaxError, `not a PL-Grizzly expression: ${text}`);
    }
    e = top.select[0]!.e;
    if (exprCache.size >= EXPR_CACHE_MAX) exprCache.clear();
    exprCache.set(text, e);
  }
  return e;
}

/** Root names a PL expression reads (candidates for SQL columns). */
export function freeNames(e: unknown, out = new Set<string>()): Set<string> {
  if (e === null || typeof e !== "object") return out;
  const o = e as Record<string, unknown>;
  if (o.kind === "name" && typeof o.name === "string") out.add(o.name);
  for (const v of Object.values(o)) {
    if (Array.isArray(v)) for (const x of v) freeNames(x, out);
    else if (typeof v === "object") freeNames(v, out);
  }
  return out;
}

export interface PlExprBinding {
  readonly type: import("../api.js").SqlType;
  readonly eval: (columns: ReadonlyMap<string, SqlArg>) => SqlValue;
}

/** Compiles a PL expression for SQL: `columns` maps each free name to a column of the row. */
export function bindPlExprForSql(text: string, columnTypes: ReadonlyMap<string, import("../api.js").SqlType | PlType>): PlExprBinding {
  const e = parsePlExpr(text);
  const pl = activePl();
  const params = new Map<string, PlType | null>([...columnTypes].map(([k, t]) => [k, "k" in t ? t : plTypeOf(t)]));
  let t: PlType | null = null;
  if (pl !== undefined) {
    try {
      t = inferType(e, pl.env.catalog, params);
    } catch {
      t = null;
    }
  }
  return {
    type: sqlTypeOf(t === null || t.k === "unknown" ? { k: "text" } : t.k === "future" ? t.inner : t),
    eval: (columns) => {
      const cur = activePl() ?? pl;
      if (cur === undefined) throw new KodiakError(SqlState.featureNotSupported, "PL-Grizzly expressions need a PL session");
      const scope = new Scope(null);
      for (const [k, a] of columns) scope.declare(k, { type: null, value: toPl(a) });
      const v = awaited(drive(evalExpr(e, scope, new Ctx(cur.env))));
      if (v.t.k === "struct" && v.v !== null) return toSqlValue(cast(v, { k: "json" })); // stored as jsonb
      return toSqlValue(v.t.k === "unknown" && v.v !== null ? { t: { k: "text" }, v: v.v } : v);
    },
  };
}

/** Calls receiver method `fn` on `self` (NULL receiver → NULL) and returns the SqlValue. */
export function callMethodValue(self: PlValue, fn: import("./host.js").PlFunction, args: readonly PlValue[]): SqlValue {
  const pl = activePl();
  if (pl === undefined) throw new KodiakError(SqlState.undefinedFunction, `function ${fn.def.name} does not exist`);
  if (self.v === null) return null;
  const v = drive(
    callFunction(
      fn,
      args.map((value) => ({ name: null, value })),
      new Ctx(pl.env),
      self,
      true,
    ),
  );
  return toSqlValue(awaited(v));
}

/** `column.method(args)` written in SQL (parsed by SQL as a qualified function name). */
export function callMethodFromSql(self: SqlArg, name: string, args: readonly SqlArg[]): SqlValue {
  const pl = activePl();
  if (pl === undefined) throw new KodiakError(SqlState.undefinedFunction, `function ${name} does not exist`);
  const scope = new Scope(null);
  const argExprs = args.map((a, i) => {
    scope.declare(`$arg${i}`, { type: null, value: toPl(a) });
    return { name: null, value: { kind: "name" as const, name: `$arg${i}` } };
  });
  return toSqlValue(awaited(drive(callMethod(toPl(self), name, argExprs, scope, new Ctx(pl.env)))));
}
