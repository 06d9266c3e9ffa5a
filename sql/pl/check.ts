// Definition-time checks (section 3.3): binds names and infers types where they are known, so
// CREATE FUNCTION / DO / trigger / cron bodies fail before anything is created: 42703, 42704,
// 42883, 42804, 42601 (BREAK outside loops), 42P13 (undeclared RAISE, IMMUTABLE), 2D000.
// Unknown types (null) are permissive: those checks happen at run time.

import { SqlState } from "../../util/index.js";
import type { Arg, Block, Expr, ExprKind, Lambda, Pattern, SqlText, Stmt, StmtKind } from "./ast.js";
import { hasBuiltin, volatileBuiltins } from "./builtins.js";
import { assign, assignable } from "./cast.js";
import { builtinExceptionDef, PlError } from "./errors.js";
import type { PlCatalog } from "./host.js";
import { binaryResultType } from "./ops.js";
import { resolveType } from "./resolve.js";
import { anonStruct, arrayOf, isInteger, isNumeric, type PlType, T, typeName, unify } from "./types.js";
import { mk, nullOf } from "./values.js";

type Ty = PlType | null;

export interface CheckOptions {
  readonly catalog: PlCatalog;
  /** Session variables visible now (bare names may resolve to them). */
  readonly sessionVar: (name: string) => PlType | undefined;
  readonly returnType: PlType | null;
  /** Declared RAISE list; null = may raise anything (DO, trigger, cron blocks). */
  readonly raises: readonly string[] | null;
  readonly immutable: boolean;
  /** Names bound before the body (parameters, self, NEW, OLD, TG_OP…). */
  readonly params: ReadonlyMap<string, Ty>;
  /** Name of the function being defined (its own calls resolve to this signature). */
  readonly self?: { name: string; paramTypes: readonly PlType[]; defaults: number; returnType: PlType; async: boolean };
}

class Env {
  private readonly vars = new Map<string, Ty>();
  constructor(
    readonly parent: Env | null,
    readonly loop: boolean,
    readonly lambda: boolean,
  ) {}
  declare(n: string, t: Ty): void {
    this.vars.set(n, t);
  }
  lookup(n: string): { t: Ty } | undefined {
    for (let e: Env | null = this; e !== null; e = e.parent) if (e.vars.has(n)) return { t: e.vars.get(n)! };
    return undefined;
  }
  inLoop(): boolean {
    for (let e: Env | null = this; e !== null; e = e.parent) {
      if (e.loop) return true;
      if (e.lambda) return false;
    }
    return false;
  }
  inLambda(): boolean {
    for (let e: Env | null = this; e !== null; e = e.parent) if (e.lambda) return true;
    return false;
  }
}

const err = (code: string, msg: string) => new PlError(code, msg);

function fail(e: unknown, at: { line: number; col: number } | undefined): never {
  if (e instanceof PlError && at !== undefined && e.line === undefined) {
    e.line = at.line;
    e.column = at.col;
  }
  throw e;
}

/** Static counterpart of assign(): 42804 / 42703 when a known type cannot fit its target. */
function checkAssign(from: Ty, to: PlType, what: string): void {
  if (from === null || from.k === "unknown" || to.k === "void" || to.k === "trigger") return;
  if (from.k === "future") throw err(SqlState.datatypeMismatch, `${what}: a FUTURE must be awaited`);
  if (from.k === "struct" && from.name === null && to.k === "struct" && to.name !== null) {
    const placeholder = mk(from, { fields: new Map(from.fields.map((f) => [f.name, nullOf(f.type)])) });
    assign(placeholder, to);
    return;
  }
  if (!assignable(from, to)) throw err(SqlState.datatypeMismatch, `${what}: ${typeName(from)} cannot be converted to ${typeName(to)}`);
}

function requireBoolTy(t: Ty, what: string): void {
  if (t !== null && t.k !== "bool" && t.k !== "unknown")
    throw err(SqlState.datatypeMismatch, `${what} must be BOOLEAN, not ${typeName(t)}`);
}

export class Checker {
  private readonly catchDepth: string[][] = [];
  private inCatchArm = 0;

  constructor(readonly o: CheckOptions) {}

  checkBody(body: Block): Ty {
    const root = new Env(null, false, false);
    for (const [k, t] of this.o.params) root.declare(k, t);
    const t = this.block(body, new Env(root, false, false));
    if (this.o.returnType !== null && t !== "novalue") checkAssign(t, this.o.returnType, "return value");
    return t === "novalue" ? null : t;
  }

  private block(b: Block, env: Env): Ty | "novalue" {
    let last: Ty | "novalue" = "novalue";
    for (const st of b.items) {
      try {
        last = (stmtHandlers[st.kind] as SH<StmtKind>)(this, st as never, env);
      } catch (e) {
        fail(e, st.at);
      }
    }
    return last;
  }

  blockTy(b: Block, env: Env): Ty {
    const t = this.block(b, new Env(env, false, false));
    return t === "novalue" ? null : t;
  }

  body(b: Expr | Block | Lambda, env: Env): Ty {
    if (b.kind === "blk") return this.blockTy(b, env);
    if (b.kind === "lambda") throw err(SqlState.syntaxError, "a lambda is allowed only as an argument of a pipeline stage");
    return this.expr(b, env);
  }

  expr(e: Expr, env: Env): Ty {
    try {
      return (exprHandlers[e.kind] as EH<ExprKind>)(this, e as never, env);
    } catch (x) {
      return fail(x, e.at);
    }
  }

  name(n: string, env: Env): Ty {
    const b = env.lookup(n);
    if (b !== undefined) return b.t;
    const s = this.o.sessionVar(n);
    if (s !== undefined) return null;
    throw err(SqlState.undefinedColumn, `variable "${n}" does not exist`);
  }

  type(ref: Parameters<typeof resolveType>[0]): PlType {
    return resolveType(ref, this.o.catalog);
  }

  sql(sql: SqlText, env: Env): void {
    if (sql.verb === "tx") throw err("2D000", "transaction control is not allowed in a PL body");
    if (this.o.immutable) throw err("42P13", "an IMMUTABLE function cannot run SQL statements");
    for (const p of sql.parts) if (typeof p !== "string") this.name(p.path[0]!, env);
  }

  call(name: string, args: readonly Arg[], env: Env): Ty {
    const argTys = args.map((a) => (a.value.kind === "lambda" ? null : this.expr(a.value, env)));
    const fn = this.o.catalog.func(name, null);
    const sig =
      this.o.self !== undefined && this.o.self.name === name
        ? this.o.self
        : fn === undefined
          ? undefined
          : {
              paramTypes: fn.paramTypes,
              defaults: fn.def.params.filter((p) => p.default !== null).length,
              returnType: fn.returnType,
              async: fn.def.async,
              immutable: fn.def.immutable,
            };
    if (sig === undefined) {
      if (this.o.immutable && volatileBuiltins.has(name)) throw err("42P13", `an IMMUTABLE function cannot call ${name}()`);
      if (hasBuiltin(name)) return name === "pg_typeof" ? T.text : null;
      return null;
    }
    if (this.o.immutable && "immutable" in sig && sig.immutable !== true)
      throw err("42P13", `an IMMUTABLE function cannot call ${name}(), which is not IMMUTABLE`);
    const positional = args.filter((a) => a.name === null).length;
    const named = args.length - positional;
    const n = sig.paramTypes.length;
    if (positional > n || positional + named < n - sig.defaults) {
      throw err(SqlState.undefinedFunction, `function ${name} takes ${n} arguments, got ${args.length}`);
    }
    args.forEach((a, i) => {
      if (a.name === null) checkAssign(argTys[i] ?? null, sig.paramTypes[i]!, `argument ${i + 1} of ${name}`);
    });
    return sig.async ? { k: "future", inner: sig.returnType } : sig.returnType;
  }

  pattern(p: Pattern, subject: Ty, env: Env, arm: Env): void {
    switch (p.kind) {
      case "pBind":
        arm.declare(p.name, subject);
        return;
      case "pLit":
        this.expr(p.value, env);
        return;
      case "pRange":
        this.expr(p.lo, env);
        this.expr(p.hi, env);
        return;
      case "pStruct":
        for (const f of p.fields) {
          let ft: Ty = null;
          if (subject?.k === "struct") {
            const fd = subject.fields.find((x) => x.name === f.name);
            if (fd === undefined) throw err(SqlState.undefinedColumn, `field "${f.name}" does not exist`);
            ft = fd.type;
          }
          this.pattern(f.pattern, ft, env, arm);
        }
        return;
      default:
        return;
    }
  }

  raise(st: Extract<Stmt, { kind: "raise" }>, env: Env): void {
    if (st.name === null) {
      if (this.inCatchArm === 0) throw err(SqlState.syntaxError, "RAISE without an exception is allowed only inside a CATCH arm");
      return;
    }
    const bound = env.lookup(st.name);
    if (bound !== undefined && st.message === null && st.fields.length === 0) return;
    const user = this.o.catalog.type(st.name);
    if (user === undefined || user.k !== "exception") {
      if (builtinExceptionDef(st.name) !== undefined) return;
      throw err(SqlState.undefinedObject, `exception type "${st.name}" does not exist`);
    }
    const def = user.def!;
    for (const f of st.fields)
      if (!def.fields.some((x) => x.name === f.name)) throw err(SqlState.undefinedColumn, `exception ${def.name} has no field "${f.name}"`);
    if (st.message !== null) this.expr(st.message, env);
    for (const f of st.fields) this.expr(f.value, env);
    if (this.o.raises === null || this.o.raises.includes(st.name)) return;
    if (this.catchDepth.some((arms) => arms.includes(st.name!) || arms.includes("_"))) return;
    throw err("42P13", `function raises ${st.name} but does not declare it (add RAISE ${st.name} to its header)`);
  }

  tryExpr(e: Extract<Expr, { kind: "try" }>, env: Env): Ty {
    const names =
      e.arms === null
        ? ["_"]
        : e.arms.map((a) => (a.match.kind === "name" ? a.match.name : a.match.kind === "any" ? "_" : "")).filter((x) => x !== "");
    this.catchDepth.push(names);
    let t: Ty;
    try {
      t = this.body(e.body, env);
    } finally {
      this.catchDepth.pop();
    }
    if (e.fallback !== null) return unifyTy(t, this.expr(e.fallback, env));
    for (const a of e.arms ?? []) {
      const arm = new Env(env, false, false);
      if (a.match.kind === "name") {
        const u = this.o.catalog.type(a.match.name);
        if (u === undefined && builtinExceptionDef(a.match.name) === undefined)
          throw err(SqlState.undefinedObject, `exception type "${a.match.name}" does not exist`);
      }
      if (a.bind !== null)
        arm.declare(
          a.bind,
          a.match.kind === "name" ? (this.o.catalog.type(a.match.name) ?? exceptionTy(a.match.name)) : exceptionTy("raise_exception"),
        );
      this.inCatchArm++;
      try {
        t = unifyTy(t, this.body(a.body, arm));
      } finally {
        this.inCatchArm--;
      }
    }
    return t;
  }

  lambda(l: Lambda, env: Env, paramTys: readonly Ty[]): Ty {
    const le = new Env(env, false, true);
    l.params.forEach((p, i) => {
      le.declare(p, paramTys[i] ?? null);
    });
    if (l.body.kind === "blk") return this.blockTy(l.body, le);
    return this.expr(l.body, le);
  }
}

function exceptionTy(name: string): PlType {
  const def = builtinExceptionDef(name) ?? null;
  return { k: "exception", name, def };
}

function unifyTy(a: Ty, b: Ty): Ty {
  if (a === null || b === null) return a ?? b;
  return unify(a, b, "branch");
}

type EH<K extends ExprKind> = (c: Checker, e: Extract<Expr, { kind: K }>, env: Env) => Ty;
type SH<K extends StmtKind> = (c: Checker, s: Extract<Stmt, { kind: K }>, env: Env) => Ty | "novalue";

function fieldTy(t: Ty, name: string): Ty {
  if (t === null) return null;
  if (t.k === "struct") {
    const f = t.fields.find((x) => x.name === name);
    if (f === undefined) throw err(SqlState.undefinedColumn, `field "${name}" does not exist in ${typeName(t)}`);
    return f.type;
  }
  if (t.k === "exception") {
    if (name === "line" || name === "column") return T.int32;
    if (["name", "message", "sqlstate", "stack"].includes(name)) return T.text;
    const f = t.def?.fields.find((x) => x.name === name);
    if (f === undefined && t.def !== null && !t.def.builtin)
      throw err(SqlState.undefinedColumn, `exception ${t.name} has no field "${name}"`);
    return f?.type ?? null;
  }
  if (t.k === "json") return T.json;
  return null;
}

const exprHandlers: { [K in ExprKind]: EH<K> } = {
  lit: (_c, e) => (e.value.t.k === "unknown" && e.value.v === null ? T.unknown : e.value.t),
  name: (c, e, env) => c.name(e.name, env),
  var: (c, e, env) => e.path.slice(1).reduce<Ty>((t, f) => fieldTy(t, f), c.name(e.path[0]!, env)),
  field: (c, e, env) => fieldTy(c.expr(e.obj, env), e.name),
  index: (c, e, env) => {
    const t = c.expr(e.obj, env);
    c.expr(e.index, env);
    if (t === null) return null;
    if (t.k === "text" || t.k === "varchar") throw err(SqlState.datatypeMismatch, "cannot index a value of type text");
    return t.k === "array" ? t.elem : t.k === "json" ? T.json : null;
  },
  call: (c, e, env) => c.call(e.name, e.args, env),
  method: (c, e, env) => {
    const self = c.expr(e.obj, env);
    for (const a of e.args) if (a.value.kind !== "lambda") c.expr(a.value, env);
    const receiver = self?.k === "struct" || self?.k === "exception" ? self.name : null;
    const fn = receiver === null ? undefined : c.o.catalog.func(e.name.toLowerCase(), receiver);
    return fn === undefined ? null : fn.def.async ? { k: "future", inner: fn.returnType } : fn.returnType;
  },
  unary: (c, e, env) => {
    const t = c.expr(e.e, env);
    if (e.op === "NOT") {
      requireBoolTy(t, "argument of NOT");
      return T.bool;
    }
    if (t !== null && t.k !== "unknown" && !isNumeric(t))
      throw err(SqlState.undefinedFunction, `operator does not exist: ${e.op} ${typeName(t)}`);
    return t;
  },
  binary: (c, e, env) => {
    const l = c.expr(e.l, env);
    const r = c.expr(e.r, env);
    if (l?.k === "future" || r?.k === "future")
      throw err(SqlState.datatypeMismatch, "a FUTURE must be awaited before it is used as a value");
    if (l === null || r === null)
      return e.op.startsWith("IS") || ["=", "<>", "<", ">", "<=", ">=", "CONTAINS"].includes(e.op) ? T.bool : null;
    if (e.op === "IS DISTINCT FROM" || e.op === "IS NOT DISTINCT FROM") return T.bool;
    return binaryResultType(e.op, l, r);
  },
  logic: (c, e, env) => {
    requireBoolTy(c.expr(e.l, env), `argument of ${e.op}`);
    requireBoolTy(c.expr(e.r, env), `argument of ${e.op}`);
    return T.bool;
  },
  is: (c, e, env) => {
    c.expr(e.e, env);
    return T.bool;
  },
  between: (c, e, env) => {
    c.expr(e.e, env);
    c.expr(e.lo, env);
    c.expr(e.hi, env);
    return T.bool;
  },
  in: (c, e, env) => {
    c.expr(e.e, env);
    for (const x of e.list) c.expr(x, env);
    return T.bool;
  },
  like: (c, e, env) => {
    c.expr(e.e, env);
    c.expr(e.pattern, env);
    return T.bool;
  },
  cast: (c, e, env) => {
    c.expr(e.e, env);
    return c.type(e.type);
  },
  range: (c, e, env) => {
    for (const b of [c.expr(e.lo, env), c.expr(e.hi, env)]) {
      if (b !== null && b.k !== "unknown" && !isInteger(b)) throw err(SqlState.datatypeMismatch, "range bounds must be integers");
    }
    return T.range;
  },
  struct: (c, e, env) => anonStruct(e.fields.map((f) => ({ name: f.name, type: c.expr(f.value, env) ?? T.unknown }))),
  array: (c, e, env) => {
    let t: PlType = T.unknown;
    for (const x of e.items) {
      const it = c.expr(x, env);
      if (it !== null && !(x.kind === "lit" && x.value.v === null)) t = unify(t, it, "ARRAY");
    }
    return arrayOf(t);
  },
  if: (c, e, env) => {
    let t: Ty = T.unknown;
    for (const b of e.branches) {
      requireBoolTy(c.expr(b.cond, env), "the IF condition");
      t = unifyTy(t, c.blockTy(b.body, env));
    }
    if (e.otherwise !== null) t = unifyTy(t, c.blockTy(e.otherwise, env));
    return t;
  },
  match: (c, e, env) => {
    const s = c.expr(e.subject, env);
    let t: Ty = T.unknown;
    for (const a of e.arms) {
      const arm = new Env(env, false, false);
      for (const p of a.patterns) c.pattern(p, s, env, arm);
      if (a.guard !== null) requireBoolTy(c.expr(a.guard, arm), "a MATCH guard");
      t = unifyTy(t, c.body(a.body, arm));
    }
    return t;
  },
  case: (c, e, env) => {
    if (e.subject !== null) c.expr(e.subject, env);
    let t: Ty = T.unknown;
    for (const w of e.whens) {
      c.expr(w.when, env);
      t = unifyTy(t, c.expr(w.result, env));
    }
    if (e.otherwise !== null) t = unifyTy(t, c.expr(e.otherwise, env));
    return t;
  },
  try: (c, e, env) => c.tryExpr(e, env),
  await: (c, e, env) => {
    const t = c.expr(e.e, env);
    if (t === null) return null;
    if (e.all) return t.k === "array" && t.elem.k === "future" ? arrayOf(t.elem.inner) : t;
    return t.k === "future" ? t.inner : t;
  },
  pipeline: (c, e, env) => {
    const src = c.expr(e.source, env);
    const elem: Ty = src === null ? null : src.k === "array" ? src.elem : src.k === "range" ? T.int64 : null;
    for (const st of e.stages) {
      for (const a of st.args) {
        if (a.value.kind === "lambda") c.lambda(a.value, env, a.value.params.length === 2 ? [null, elem] : [elem]);
        else c.expr(a.value, env);
      }
    }
    return null;
  },
  query: (c, e, env) => {
    c.sql(e.sql, env);
    return null;
  },
  block: (c, e, env) => c.blockTy(e.block, env),
};

const stmtHandlers: { [K in StmtKind]: SH<K> } = {
  let: (c, s, env) => {
    const t = c.expr(s.e, env);
    if (s.type !== null) {
      const dt = c.type(s.type);
      checkAssign(t, dt, `LET ${s.name}`);
      env.declare(s.name, dt);
    } else {
      if (t !== null && t.k === "unknown" && s.e.kind === "lit" && s.e.value.v === null)
        throw err(SqlState.datatypeMismatch, `LET ${s.name} = NULL needs a type`);
      env.declare(s.name, t === null ? null : t.k === "unknown" ? T.text : t);
    }
    return "novalue";
  },
  set: (c, s, env) => {
    const vt = c.expr(s.e, env);
    const [head, ...path] = s.target as [string, ...string[]];
    const b = env.lookup(head);
    if (b !== undefined) {
      const target = path.reduce<Ty>((t, f) => fieldTy(t, f), b.t);
      if (target !== null) checkAssign(vt, target, `SET ${s.target.join(".")}`);
      return "novalue";
    }
    return "novalue";
  },
  return: (c, s, env) => {
    if (env.inLambda()) throw err(SqlState.syntaxError, "RETURN is not allowed inside a lambda");
    if (s.e !== null) {
      const t = c.expr(s.e, env);
      const rt = c.o.returnType;
      if (rt !== null && rt.k !== "trigger") checkAssign(t, rt, "return value");
    }
    return "novalue";
  },
  raise: (c, s, env) => {
    c.raise(s, env);
    return "novalue";
  },
  break: (_c, _s, env) => {
    if (!env.inLoop()) throw err(SqlState.syntaxError, "BREAK outside a loop");
    return "novalue";
  },
  continue: (_c, _s, env) => {
    if (!env.inLoop()) throw err(SqlState.syntaxError, "CONTINUE outside a loop");
    return "novalue";
  },
  while: (c, s, env) => {
    requireBoolTy(c.expr(s.cond, env), "the WHILE condition");
    c.blockTy(s.body, new Env(env, true, false));
    return "novalue";
  },
  for: (c, s, env) => {
    const src = c.expr(s.source, env);
    const body = new Env(env, true, false);
    body.declare(s.name, src === null ? null : src.k === "range" ? T.int64 : src.k === "array" ? src.elem : null);
    c.blockTy(s.body, body);
    return "novalue";
  },
  sql: (c, s, env) => {
    c.sql(s.sql, env);
    return "novalue";
  },
  expr: (c, s, env) => c.expr(s.e, env),
};

/** Static type of a standalone expression (null when unknown), for SQL-side binding. */
export function inferType(e: Expr, catalog: PlCatalog, params: ReadonlyMap<string, Ty>): Ty {
  const c = new Checker({ catalog, sessionVar: () => T.unknown, returnType: null, raises: null, immutable: false, params });
  const root = new Env(null, false, false);
  for (const [k, t] of params) root.declare(k, t);
  return c.expr(e, root);
}
