// Binds AST expressions against a scope and compiles them into closures over rows: resolves
// columns (including correlated references), picks operand types with PostgreSQL's rules,
// inserts implicit casts and folds constants. SQL three-valued logic throughout.
import { KodiakError, SqlState } from "../../util/index.js";
import type { Expr, FuncExpr, Query } from "../parser/ast.js";
import { Decimal } from "../types/decimal.js";
import {
  commonType,
  type DataType,
  isFloatType,
  isIntType,
  isNumericType,
  isStringType,
  resolveTypeRef,
  T,
  typeDisplayName,
} from "../types/types.js";
import { castValue, checkInt4, checkInt8, compareValues, hashKey, type Row, type Value } from "../types/values.js";
import { type BoundExpr, type Env, type Fn, type PlanNode, runNode } from "./context.js";
import { isAggregateName, isWindowName, scalarFunction } from "./functions.js";
import { bindOtherOperator } from "./operators.js";
import { checkedValue, checkTextLength } from "./limits.js";
import { intervalSortKey, parseInterval } from "../types/datetime.js";
import { exprKey, Scope } from "./scope.js";
import { bindPlCall, bindPlField, bindPlMethod, bindPlNode } from "../pl/sql-binding.js";

export interface BindContext {
  /** Plans a subquery whose outer scope is `scope`. */
  planSubquery(q: Query, scope: Scope): PlanNode;
  /** Types of $n parameters; entries start undefined and are inferred from use. */
  readonly paramTypes: (DataType | undefined)[];
  /** Where aggregates are not allowed ("WHERE", "JOIN conditions", ...), for the 42803 message. */
  noAggregates?: string;
}

const err = (code: string, msg: string, pos: number): KodiakError => new KodiakError(code, msg, { position: pos + 1 });

function constantExpr(v: Value, type: DataType, pos: number): BoundExpr {
  return { fn: () => v, type, constant: true, pos };
}

/** Evaluates a constant expression now (so invalid literals fail at plan time, as in PostgreSQL). */
function fold(e: BoundExpr): BoundExpr {
  if (!e.constant) return e;
  const v = e.fn([], undefined as unknown as Env);
  return constantExpr(v, e.type, e.pos);
}

/** Implicit/assignment cast of a bound expression to a type. */
export function coerce(e: BoundExpr, to: DataType): BoundExpr {
  if (e.inferType && e.type.id === "unknown" && to.id !== "unknown") {
    e.inferType(to);
    const f = e.fn;
    // The parameter arrives already typed (the protocol decodes it with the inferred type).
    return {
      fn: (r, env) => {
        const v = f(r, env);
        return typeof v === "string" ? castValue(v, T.text, to) : v;
      },
      type: to,
      constant: false,
      pos: e.pos,
    };
  }
  if (e.type.id === to.id && (to.typmod === -1 || e.type.typmod === to.typmod) && to.id !== "array") return e;
  if (e.type.id === to.id && to.id === "array" && e.type.elem?.id === to.elem?.id) return e;
  const from = e.type;
  const inner = e.fn;
  const out: BoundExpr = { fn: (r, env) => castValue(inner(r, env), from, to), type: to, constant: e.constant, pos: e.pos };
  try {
    return fold(out);
  } catch (x) {
    if (x instanceof KodiakError) throw new KodiakError(x.code, x.message, { position: e.pos + 1, detail: x.detail });
    throw x;
  }
}

/** Coerces two operands to a common type (42883/42804 when there is none). */
function unify(a: BoundExpr, b: BoundExpr, op: string, pos: number): [BoundExpr, BoundExpr, DataType] {
  let t = commonType(a.type, b.type);
  if (t?.id === "unknown") t = T.text;
  if (!t) {
    if (isStringType(a.type) && b.type.id !== "array" && op === "||") t = T.text;
    else throw err(SqlState.undefinedFunction, `operator does not exist: ${typeDisplayName(a.type)} ${op} ${typeDisplayName(b.type)}`, pos);
  }
  return [coerce(a, t), coerce(b, t), t];
}

export function bindExpr(e: Expr, scope: Scope, ctx: BindContext): BoundExpr {
  const g = scope.grouping;
  if (g && e.kind !== "literal" && e.kind !== "param") {
    const key = exprKey(e);
    const i = g.keyExprs.indexOf(key);
    if (i >= 0) return { fn: (r) => r[i], type: g.keyBound[i].type, constant: false, pos: e.pos, column: i };
  }
  if (scope.windowSlots && e.kind === "func" && e.over !== undefined) {
    const slot = scope.windowSlots.get(exprKey(e));
    if (slot !== undefined) return windowRef(slot, e, scope);
  }
  return handlers[e.kind](e as never, scope, ctx);
}

function windowRef(slot: number, e: FuncExpr, scope: Scope): BoundExpr {
  const t = scope.cols[slot]?.type ?? T.int8;
  return { fn: (r) => r[slot], type: t, constant: false, pos: e.pos, column: slot };
}

type Handler<K extends Expr["kind"]> = (e: Extract<Expr, { kind: K }>, scope: Scope, ctx: BindContext) => BoundExpr;

const INT4_MAX = 2147483647;
/** Keywords that are functions without parentheses in SQL. */
const SQL_VALUE_FUNCTIONS = new Set([
  "current_date",
  "current_timestamp",
  "current_time",
  "localtimestamp",
  "current_user",
  "session_user",
  "user",
  "current_schema",
  "current_catalog",
]);

const handlers: { [K in Expr["kind"]]: Handler<K> } = {
  literal(e) {
    const v = e.value;
    switch (v.type) {
      case "int": {
        const n = Number(v.text);
        if (Number.isSafeInteger(n) && n >= -INT4_MAX - 1 && n <= INT4_MAX) return constantExpr(n, T.int4, e.pos);
        const b = BigInt(v.text);
        if (b >= -(2n ** 63n) && b < 2n ** 63n) return constantExpr(b, T.int8, e.pos);
        return constantExpr(Decimal.parse(v.text), T.numeric, e.pos);
      }
      case "numeric":
        return constantExpr(Decimal.parse(v.text), T.numeric, e.pos);
      case "string":
        return constantExpr(v.text, T.unknown, e.pos);
      case "bytes":
        return constantExpr(new Uint8Array(Buffer.from(v.hex.length % 2 ? `0${v.hex}` : v.hex, "hex")), T.bytea, e.pos);
      case "bool":
        return constantExpr(v.value, T.bool, e.pos);
      case "null":
        return constantExpr(null, T.unknown, e.pos);
    }
  },
  param(e, _scope, ctx) {
    const i = e.index - 1;
    if (i < 0 || i > 65535) throw err(SqlState.undefinedParameter, `there is no parameter $${e.index}`, e.pos);
    while (ctx.paramTypes.length <= i) ctx.paramTypes.push(undefined);
    const t = ctx.paramTypes[i] ?? T.unknown;
    const inferType = (to: DataType): void => {
      if (ctx.paramTypes[i] === undefined || ctx.paramTypes[i]?.id === "unknown") ctx.paramTypes[i] = to;
    };
    const fn: Fn = (_r, env) => {
      if (i >= env.params.length) throw err(SqlState.undefinedParameter, `there is no parameter $${e.index}`, e.pos);
      return env.params[i];
    };
    return { fn, type: t, constant: false, pos: e.pos, inferType };
  },
  column(e, scope, ctx) {
    let level = 0;
    for (let s: Scope | undefined = scope; s; s = s.parent) {
      if (s.boundary) {
        level++;
        continue;
      }
      const idx = s.lookup(e.parts, e.pos);
      if (idx === undefined) {
        if (s.grouping && level === 0) {
          // Above GROUP BY only grouped expressions and aggregates are visible.
          const inIdx = s.grouping.input.lookup(e.parts, e.pos);
          if (inIdx !== undefined) {
            const c = s.grouping.input.cols[inIdx];
            throw err(
              SqlState.groupingError,
              `column "${c.rel ? `${c.rel}.` : ""}${c.name}" must appear in the GROUP BY clause or be used in an aggregate function`,
              e.pos,
            );
          }
        }
        continue;
      }
      const type = s.cols[idx].type;
      if (level === 0) return { fn: (r) => r[idx], type, constant: false, pos: e.pos, column: idx };
      for (let m: Scope | undefined = scope; m && m !== s; m = m.parent) m.correlated = true;
      const d = level - 1;
      return { fn: (_r, env) => env.outer[d][idx], type, constant: false, pos: e.pos };
    }
    const name = e.parts.join(".");
    if (e.parts.length === 1 && SQL_VALUE_FUNCTIONS.has(name)) return scalarFunction(name, [], e.pos);
    const plField = e.parts.length > 1 ? bindPlField(e, scope, ctx) : undefined; // PL-Grizzly: STRUCT column field (sql/pl)
    if (plField) return plField;
    if (e.parts.length > 1) {
      const rel = e.parts[e.parts.length - 2];
      let known = false;
      for (let s: Scope | undefined = scope; s; s = s.parent) if (s.hasRel(rel) || s.grouping?.input.hasRel(rel)) known = true;
      if (!known) throw err(SqlState.undefinedTable, `missing FROM-clause entry for table "${rel}"`, e.pos);
    }
    throw err(SqlState.undefinedColumn, `column "${name}" does not exist`, e.pos);
  },
  unary(e, scope, ctx) {
    const a = bindExpr(e.operand, scope, ctx);
    if (e.op === "+") {
      if (!isNumericType(a.type) && a.type.id !== "unknown") throw opError(e.op, a.type, e.pos);
      return a.type.id === "unknown" ? coerce(a, T.numeric) : a;
    }
    if (e.op === "~") {
      const x = coerce(a, isIntType(a.type) ? a.type : T.int4);
      return fold({ fn: (r, env) => bitNot(x.fn(r, env)), type: x.type, constant: x.constant, pos: e.pos });
    }
    const x = a.type.id === "unknown" ? coerce(a, T.numeric) : a;
    if (!isNumericType(x.type) && x.type.id !== "interval") throw opError("-", x.type, e.pos);
    const t = x.type;
    const f = x.fn;
    return fold({ fn: (r, env) => negate(f(r, env), t), type: t, constant: x.constant, pos: e.pos });
  },
  binary(e, scope, ctx) {
    return bindBinary(e.op, bindExpr(e.left, scope, ctx), bindExpr(e.right, scope, ctx), e.pos);
  },
  and(e, scope, ctx) {
    const a = boolOperand(bindExpr(e.left, scope, ctx), "AND");
    const b = boolOperand(bindExpr(e.right, scope, ctx), "AND");
    const fa = a.fn;
    const fb = b.fn;
    return fold({
      fn: (r, env) => {
        const x = fa(r, env);
        if (x === false) return false;
        const y = fb(r, env);
        if (y === false) return false;
        return x === null || y === null ? null : true;
      },
      type: T.bool,
      constant: a.constant && b.constant,
      pos: e.pos,
    });
  },
  or(e, scope, ctx) {
    const a = boolOperand(bindExpr(e.left, scope, ctx), "OR");
    const b = boolOperand(bindExpr(e.right, scope, ctx), "OR");
    const fa = a.fn;
    const fb = b.fn;
    return fold({
      fn: (r, env) => {
        const x = fa(r, env);
        if (x === true) return true;
        const y = fb(r, env);
        if (y === true) return true;
        return x === null || y === null ? null : false;
      },
      type: T.bool,
      constant: a.constant && b.constant,
      pos: e.pos,
    });
  },
  not(e, scope, ctx) {
    const a = boolOperand(bindExpr(e.operand, scope, ctx), "NOT");
    const f = a.fn;
    return fold({ fn: (r, env) => notValue(f(r, env)), type: T.bool, constant: a.constant, pos: e.pos });
  },
  is(e, scope, ctx) {
    let a = bindExpr(e.operand, scope, ctx);
    if (e.test !== "null") a = boolOperand(a, "IS");
    const f = a.fn;
    const neg = e.negated;
    const test: (v: Value) => boolean = e.test === "null" ? (v) => v === null : e.test === "true" ? (v) => v === true : (v) => v === false;
    return fold({ fn: (r, env) => test(f(r, env)) !== neg, type: T.bool, constant: a.constant, pos: e.pos });
  },
  isDistinct(e, scope, ctx) {
    const [a, b] = unify(bindExpr(e.left, scope, ctx), bindExpr(e.right, scope, ctx), "IS DISTINCT FROM", e.pos);
    const fa = a.fn;
    const fb = b.fn;
    const neg = e.negated;
    return fold({
      fn: (r, env) => {
        const x = fa(r, env);
        const y = fb(r, env);
        const distinct = x === null || y === null ? x !== y : compareValues(x, y) !== 0;
        return distinct !== neg;
      },
      type: T.bool,
      constant: a.constant && b.constant,
      pos: e.pos,
    });
  },
  inList(e, scope, ctx) {
    let a = bindExpr(e.operand, scope, ctx);
    let items = e.list.map((x) => bindExpr(x, scope, ctx));
    if (items.length === 0) throw err(SqlState.syntaxError, 'syntax error at or near ")" (empty IN list)', e.pos);
    let t = a.type;
    for (const it of items) {
      const c = commonType(t, it.type);
      if (!c)
        throw err(SqlState.undefinedFunction, `operator does not exist: ${typeDisplayName(a.type)} = ${typeDisplayName(it.type)}`, it.pos);
      t = c;
    }
    if (t.id === "unknown") t = T.text;
    a = coerce(a, t);
    items = items.map((it) => coerce(it, t));
    const fa = a.fn;
    const neg = e.negated;
    if (items.every((i) => i.constant)) {
      const set = new Set<string>();
      let hasNull = false;
      for (const it of items) {
        const v = it.fn([], undefined as unknown as Env);
        if (v === null) hasNull = true;
        else set.add(hashKey(v));
      }
      return fold({
        fn: (r, env) => {
          const x = fa(r, env);
          if (x === null) return null;
          if (set.has(hashKey(x))) return !neg;
          return hasNull ? null : neg;
        },
        type: T.bool,
        constant: a.constant,
        pos: e.pos,
      });
    }
    const fns = items.map((i) => i.fn);
    return {
      fn: (r, env) => {
        const x = fa(r, env);
        if (x === null) return null;
        let sawNull = false;
        for (const f of fns) {
          const y = f(r, env);
          if (y === null) sawNull = true;
          else if (compareValues(x, y) === 0) return !neg;
        }
        return sawNull ? null : neg;
      },
      type: T.bool,
      constant: false,
      pos: e.pos,
    };
  },
  inQuery(e, scope, ctx) {
    let a = bindExpr(e.operand, scope, ctx);
    const sub = subquery(e.query, scope, ctx, e.pos);
    if (sub.node.cols.length !== 1) throw err(SqlState.syntaxError, "subquery has too many columns", e.pos);
    const st = sub.node.cols[0].type;
    const t = commonType(a.type, st);
    if (!t) throw err(SqlState.undefinedFunction, `operator does not exist: ${typeDisplayName(a.type)} = ${typeDisplayName(st)}`, e.pos);
    a = coerce(a, t);
    const fa = a.fn;
    const neg = e.negated;
    const conv = (v: Value): Value => castValue(v, st, t);
    const key = {};
    return {
      fn: (r, env) => {
        const x = fa(r, env);
        const s = sub.run(r, env, key, (rows) => {
          const set = new Set<string>();
          let hasNull = false;
          for (const row of rows) {
            const v = conv(row[0]);
            if (v === null) hasNull = true;
            else set.add(hashKey(v));
          }
          return { set, hasNull, empty: rows.length === 0 };
        });
        if (s.empty) return neg;
        if (x === null) return null;
        if (s.set.has(hashKey(x))) return !neg;
        return s.hasNull ? null : neg;
      },
      type: T.bool,
      constant: false,
      pos: e.pos,
    };
  },
  between(e, scope, ctx) {
    const a = bindExpr(e.operand, scope, ctx);
    const lo = bindExpr(e.low, scope, ctx);
    const hi = bindExpr(e.high, scope, ctx);
    let t = commonType(a.type, lo.type);
    t = t && commonType(t, hi.type);
    if (t?.id === "unknown") t = T.text;
    if (!t)
      throw err(SqlState.undefinedFunction, `operator does not exist: ${typeDisplayName(a.type)} >= ${typeDisplayName(lo.type)}`, e.pos);
    const fa = coerce(a, t).fn;
    const fl = coerce(lo, t).fn;
    const fh = coerce(hi, t).fn;
    const neg = e.negated;
    const sym = e.symmetric;
    const ge = (x: Value, y: Value): boolean | null => (x === null || y === null ? null : compareValues(x, y) >= 0);
    return fold({
      fn: (r, env) => {
        const x = fa(r, env);
        let l = fl(r, env);
        let h = fh(r, env);
        if (sym && l !== null && h !== null && compareValues(l, h) > 0) [l, h] = [h, l];
        const p = ge(x, l);
        const q = ge(h, x);
        const res = p === false || q === false ? false : p === null || q === null ? null : true;
        return res === null ? null : res !== neg;
      },
      type: T.bool,
      constant: a.constant && lo.constant && hi.constant,
      pos: e.pos,
    });
  },
  like(e, scope, ctx) {
    const a = coerceText(bindExpr(e.operand, scope, ctx), "LIKE");
    const p = coerceText(bindExpr(e.pattern, scope, ctx), "LIKE");
    const esc = e.escape ? coerceText(bindExpr(e.escape, scope, ctx), "LIKE") : undefined;
    const fa = a.fn;
    const fp = p.fn;
    const fe = esc?.fn;
    const ci = e.caseInsensitive;
    const neg = e.negated;
    const cache = new Map<string, RegExp>();
    return fold({
      fn: (r, env) => {
        const x = fa(r, env);
        const pat = fp(r, env);
        const ev = fe ? fe(r, env) : "\\";
        if (x === null || pat === null || ev === null) return null;
        const k = `${String(ev)}\u0000${String(pat)}`;
        let re = cache.get(k);
        if (!re) {
          re = likeRegex(String(pat), String(ev), ci);
          if (cache.size < 1000) cache.set(k, re);
        }
        return re.test(String(x)) !== neg;
      },
      type: T.bool,
      constant: a.constant && p.constant && (esc?.constant ?? true),
      pos: e.pos,
    });
  },
  case(e, scope, ctx) {
    const operand = e.operand ? bindExpr(e.operand, scope, ctx) : undefined;
    const whens = e.whens.map((w) => {
      let cond: BoundExpr;
      if (operand) cond = bindBinary("=", operand, bindExpr(w.when, scope, ctx), w.when.pos);
      else cond = boolOperand(bindExpr(w.when, scope, ctx), "CASE/WHEN");
      return { cond, result: bindExpr(w.result, scope, ctx) };
    });
    const elseE = e.elseExpr ? bindExpr(e.elseExpr, scope, ctx) : constantExpr(null, T.unknown, e.pos);
    let t: DataType = T.unknown;
    for (const r of [...whens.map((w) => w.result), elseE]) {
      const c = commonType(t, r.type);
      if (!c)
        throw err(SqlState.datatypeMismatch, `CASE types ${typeDisplayName(t)} and ${typeDisplayName(r.type)} cannot be matched`, r.pos);
      t = c;
    }
    if (t.id === "unknown") t = T.text;
    const conds = whens.map((w) => w.cond.fn);
    const thens = whens.map((w) => coerce(w.result, t).fn);
    const fe = coerce(elseE, t).fn;
    const n = conds.length;
    // Not folded: a constant CASE must still evaluate lazily (only the chosen branch may raise errors).
    return {
      fn: (r, env) => {
        for (let i = 0; i < n; i++) if (conds[i](r, env) === true) return thens[i](r, env);
        return fe(r, env);
      },
      type: t,
      constant: false,
      pos: e.pos,
    };
  },
  cast(e, scope, ctx) {
    const a = bindExpr(e.operand, scope, ctx);
    const t = resolveTypeRef(e.type, e.pos + 1);
    if (a.type.id === "unknown" && a.constant) return coerce(a, t);
    const from = a.type;
    const f = a.fn;
    const out: BoundExpr = { fn: (r, env) => castValue(f(r, env), from, t), type: t, constant: a.constant, pos: e.pos };
    try {
      return fold(out);
    } catch (x) {
      if (x instanceof KodiakError) throw new KodiakError(x.code, x.message, { position: e.pos + 1 });
      throw x;
    }
  },
  func(e, scope, ctx) {
    const name = e.name.toLowerCase();
    if (e.over !== undefined || isWindowName(name)) throw err("42P20", "window functions are not allowed here", e.pos);
    if (isAggregateName(name)) return bindAggregateRef(e, scope, ctx);
    const args = e.args.map((a) => bindExpr(a, scope, ctx));
    // PL-Grizzly: user functions first, then SQL built-ins, then PL-only built-ins (sql/pl).
    // A function qualified with a SQL schema (pg_catalog.f) is never a PL function or method.
    const sqlSchema = e.schema !== undefined && ["pg_catalog", "information_schema"].includes(e.schema.toLowerCase());
    const pl = sqlSchema ? undefined : (bindPlCall(e, name, args, false) ?? bindPlMethod(e, args, scope, ctx));
    if (pl) return pl;
    try {
      return scalarFunction(name, args, e.pos);
    } catch (x) {
      const plBuiltin = x instanceof KodiakError && x.code === SqlState.undefinedFunction ? bindPlCall(e, name, args, true) : undefined;
      if (plBuiltin) return plBuiltin;
      throw x;
    }
  },
  pl: (e, scope, ctx) => bindPlNode(e, scope, ctx), // PL-Grizzly expression forms (sql/pl)
  subquery(e, scope, ctx) {
    const sub = subquery(e.query, scope, ctx, e.pos);
    if (sub.node.cols.length !== 1) throw err(SqlState.syntaxError, "subquery must return only one column", e.pos);
    const key = {};
    return {
      fn: (r, env) =>
        sub.run(r, env, key, (rows) => {
          if (rows.length > 1)
            throw err(SqlState.cardinalityViolation, "more than one row returned by a subquery used as an expression", e.pos);
          return rows.length === 0 ? null : rows[0][0];
        }),
      type: sub.node.cols[0].type.id === "unknown" ? T.text : sub.node.cols[0].type,
      constant: false,
      pos: e.pos,
    };
  },
  exists(e, scope, ctx) {
    const sub = subquery(e.query, scope, ctx, e.pos);
    const key = {};
    return { fn: (r, env) => sub.run(r, env, key, (rows) => rows.length > 0), type: T.bool, constant: false, pos: e.pos };
  },
  quantified(e, scope, ctx) {
    const a = bindExpr(e.left, scope, ctx);
    const all = e.quantifier === "all";
    if (!e.query) {
      const arr = bindExpr(e.array!, scope, ctx);
      if (arr.type.id !== "array") throw err(SqlState.datatypeMismatch, `op ANY/ALL (array) requires array on right side`, e.pos);
      const probe = bindBinary(e.op, a, { fn: (r) => r[r.length - 1], type: arr.type.elem ?? T.text, constant: false, pos: e.pos }, e.pos);
      const fa = arr.fn;
      return {
        fn: (r, env) => {
          const xs = fa(r, env);
          if (xs === null) return null;
          let sawNull = false;
          for (const x of xs as Value[]) {
            const v = probe.fn([...r, x], env);
            if (v === null) sawNull = true;
            else if (v === !all) return !all;
          }
          return sawNull ? null : all;
        },
        type: T.bool,
        constant: false,
        pos: e.pos,
      };
    }
    const sub = subquery(e.query, scope, ctx, e.pos);
    const st = sub.node.cols[0].type;
    const probe = bindBinary(e.op, a, { fn: (r) => r[r.length - 1], type: st, constant: false, pos: e.pos }, e.pos);
    const key = {};
    return {
      fn: (r, env) => {
        const rows = sub.run(r, env, key, (x) => x);
        let sawNull = false;
        for (const sr of rows) {
          const v = probe.fn([...r, sr[0]], env);
          if (v === null) sawNull = true;
          else if (v === !all) return !all;
        }
        return sawNull ? null : all;
      },
      type: T.bool,
      constant: false,
      pos: e.pos,
    };
  },
  array(e, scope, ctx) {
    const items = e.items.map((x) => bindExpr(x, scope, ctx));
    let t: DataType = T.unknown;
    for (const it of items) t = commonType(t, it.type) ?? T.text;
    if (t.id === "unknown") t = T.text;
    const fns = items.map((it) => coerce(it, t).fn);
    return fold({
      fn: (r, env) => fns.map((f) => f(r, env)),
      type: { id: "array", typmod: -1, elem: t },
      constant: items.every((i) => i.constant),
      pos: e.pos,
    });
  },
  arrayQuery(e, scope, ctx) {
    const sub = subquery(e.query, scope, ctx, e.pos);
    const key = {};
    return {
      fn: (r, env) => sub.run(r, env, key, (rows) => rows.map((x) => x[0])),
      type: { id: "array", typmod: -1, elem: sub.node.cols[0].type },
      constant: false,
      pos: e.pos,
    };
  },
  row(e) {
    throw err(SqlState.featureNotSupported, "row constructors are not supported here", e.pos);
  },
  subscript(e, scope, ctx) {
    const a = bindExpr(e.operand, scope, ctx);
    const i = coerce(bindExpr(e.index, scope, ctx), T.int4);
    if (a.type.id !== "array")
      throw err(
        SqlState.datatypeMismatch,
        `cannot subscript type ${typeDisplayName(a.type)} because it does not support subscripting`,
        e.pos,
      );
    const fa = a.fn;
    const fi = i.fn;
    return fold({
      fn: (r, env) => {
        const arr = fa(r, env);
        const idx = fi(r, env);
        if (!Array.isArray(arr) || idx === null) return null;
        return arr[Number(idx) - 1] ?? null;
      },
      type: a.type.elem ?? T.text,
      constant: a.constant && i.constant,
      pos: e.pos,
    });
  },
  default(e) {
    throw err(SqlState.syntaxError, "DEFAULT is not allowed in this context", e.pos);
  },
};

interface BoundSubquery {
  readonly node: PlanNode;
  run<R>(row: Row, env: Env, key: object, finish: (rows: Row[]) => R): R;
}

function subquery(q: Query, scope: Scope, ctx: BindContext, _pos: number): BoundSubquery {
  const inner = new Scope([], scope, new Map(), true);
  const node = ctx.planSubquery(q, inner);
  const correlated = inner.correlated;
  return {
    node,
    run<R>(row: Row, env: Env, key: object, finish: (rows: Row[]) => R): R {
      if (!correlated) {
        if (env.cache.has(key)) return env.cache.get(key) as R;
        const res = finish(runNode(node, env));
        env.cache.set(key, res);
        return res;
      }
      return finish(runNode(node, { ...env, outer: [row, ...env.outer] }));
    },
  };
}

function bindAggregateRef(e: FuncExpr, scope: Scope, ctx: BindContext): BoundExpr {
  const g = scope.grouping;
  if (!g) {
    throw err(SqlState.groupingError, `aggregate functions are not allowed in ${ctx.noAggregates ?? "this context"}`, e.pos);
  }
  const key = exprKey(e);
  let idx = g.aggs.findIndex((a) => a.key === key);
  if (idx < 0) {
    const saved = ctx.noAggregates;
    ctx.noAggregates = "aggregate function calls cannot be nested";
    const inputScope = g.input;
    // Arguments are bound in the input scope (no grouping), so nested aggregates are rejected.
    const args = e.args.map((a) => bindExpr(a, inputScope, { ...ctx, noAggregates: "aggregate function arguments" }));
    const filter = e.filter ? boolOperand(bindExpr(e.filter, inputScope, ctx), "FILTER") : undefined;
    ctx.noAggregates = saved;
    g.aggs.push({ func: e, args, filter, key });
    idx = g.aggs.length - 1;
  }
  const slot = g.keyExprs.length + idx;
  const type = aggregateResultType(g.aggs[idx]);
  return { fn: (r) => r[slot], type, constant: false, pos: e.pos, column: slot };
}

export function aggregateResultType(a: { func: FuncExpr; args: readonly BoundExpr[] }): DataType {
  const name = a.func.name.toLowerCase();
  const t = a.args[0]?.type ?? T.int8;
  switch (name) {
    case "count":
      return T.int8;
    case "sum":
      if (t.id === "int2" || t.id === "int4") return T.int8;
      if (t.id === "int8" || t.id === "numeric" || t.id === "unknown") return T.numeric;
      return isFloatType(t) ? T.float8 : t;
    case "avg":
      return isFloatType(t) ? T.float8 : T.numeric;
    case "min":
    case "max":
      return t.id === "unknown" ? T.text : t;
    case "total":
      return T.float8;
    case "string_agg":
    case "group_concat":
      return T.text;
    case "array_agg":
      return { id: "array", typmod: -1, elem: t };
    case "bool_and":
    case "bool_or":
    case "every":
      return T.bool;
    case "stddev":
    case "stddev_samp":
    case "stddev_pop":
    case "variance":
    case "var_samp":
    case "var_pop":
      return isFloatType(t) ? T.float8 : T.numeric;
    default:
      return T.float8;
  }
}

export function boolOperand(a: BoundExpr, op: string): BoundExpr {
  if (a.type.id === "bool") return a;
  if (a.type.id === "unknown") return coerce(a, T.bool);
  throw err(SqlState.datatypeMismatch, `argument of ${op} must be type boolean, not type ${typeDisplayName(a.type)}`, a.pos);
}

function coerceText(a: BoundExpr, op: string): BoundExpr {
  if (isStringType(a.type)) return a;
  if (a.type.id === "unknown") return coerce(a, T.text);
  throw err(SqlState.undefinedFunction, `operator does not exist: ${typeDisplayName(a.type)} ~~ unknown (${op})`, a.pos);
}

function opError(op: string, t: DataType, pos: number): KodiakError {
  return err(SqlState.undefinedFunction, `operator does not exist: ${op} ${typeDisplayName(t)}`, pos);
}

function notValue(v: Value): Value {
  return v === null ? null : !v;
}

function bitNot(v: Value): Value {
  if (v === null) return null;
  return typeof v === "bigint" ? ~v : ~(v as number);
}

function negate(v: Value, t: DataType): Value {
  if (v === null) return null;
  if (typeof v === "number") return t.id === "int4" ? checkInt4(-v) : t.id === "int2" ? (v === -32768 ? checkInt4(1e10) : -v) : -v;
  if (typeof v === "bigint") return checkInt8(-v);
  if (v instanceof Decimal) return v.neg();
  return v;
}

export function likeRegex(pattern: string, escapeChar: string, ci: boolean): RegExp {
  let re = "^";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (escapeChar !== "" && c === escapeChar && i + 1 < pattern.length) {
      re += pattern[++i].replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    } else if (c === "%") re += "[\\s\\S]*";
    else if (c === "_") re += "[\\s\\S]";
    else re += c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`${re}$`, ci ? "is" : "s");
}

const COMPARISONS = new Set(["=", "<>", "<", ">", "<=", ">="]);

/** Binds a binary operator over already-bound operands. */
export function bindBinary(op: string, l: BoundExpr, r: BoundExpr, pos: number): BoundExpr {
  if (COMPARISONS.has(op)) return comparison(op, l, r, pos);
  if (op === "||") return concat(l, r, pos);
  if (op === "~" || op === "!~") {
    const a = coerceText(l, op);
    const b = coerceText(r, op);
    const neg = op === "!~";
    return fold({
      fn: (row, env) => {
        const x = a.fn(row, env);
        const y = b.fn(row, env);
        return x === null || y === null ? null : new RegExp(String(y)).test(String(x)) !== neg;
      },
      type: T.bool,
      constant: a.constant && b.constant,
      pos,
    });
  }
  return bindOtherOperator(op, l, r, pos, coerce) ?? arithmetic(op, l, r, pos);
}

function comparison(op: string, l: BoundExpr, r: BoundExpr, pos: number): BoundExpr {
  const [a, b] = unify(l, r, op, pos);
  const fa = a.fn;
  const fb = b.fn;
  let test: (c: number) => boolean;
  switch (op) {
    case "=":
      test = (c) => c === 0;
      break;
    case "<>":
      test = (c) => c !== 0;
      break;
    case "<":
      test = (c) => c < 0;
      break;
    case ">":
      test = (c) => c > 0;
      break;
    case "<=":
      test = (c) => c <= 0;
      break;
    default:
      test = (c) => c >= 0;
  }
  const numeric = a.type.id === "int4" || a.type.id === "int2" || a.type.id === "float8" || a.type.id === "float4";
  if (a.type.id === "interval") {
    return fold({
      fn: (row, env) => {
        const x = fa(row, env);
        const y = fb(row, env);
        if (x === null || y === null) return null;
        const d = intervalSortKey(parseInterval(x as string)) - intervalSortKey(parseInterval(y as string));
        return test(d < 0 ? -1 : d > 0 ? 1 : 0);
      },
      type: T.bool,
      constant: a.constant && b.constant,
      pos,
    });
  }
  const fn: Fn = numeric
    ? (row, env) => {
        const x = fa(row, env);
        if (x === null) return null;
        const y = fb(row, env);
        if (y === null) return null;
        return test(x < y ? -1 : x > y ? 1 : x === y ? 0 : compareValues(x, y));
      }
    : (row, env) => {
        const x = fa(row, env);
        if (x === null) return null;
        const y = fb(row, env);
        if (y === null) return null;
        return test(compareValues(x, y));
      };
  return fold({ fn, type: T.bool, constant: a.constant && b.constant, pos });
}

function concat(l: BoundExpr, r: BoundExpr, pos: number): BoundExpr {
  if (l.type.id === "array" || r.type.id === "array") {
    const fa = l.fn;
    const fb = r.fn;
    const t = l.type.id === "array" ? l.type : r.type;
    return fold({
      fn: (row, env) => {
        const x = fa(row, env);
        const y = fb(row, env);
        if (x === null) return y === null ? null : Array.isArray(y) ? y : [y];
        if (y === null) return x;
        return checkedValue([...(Array.isArray(x) ? x : [x]), ...(Array.isArray(y) ? y : [y])]);
      },
      type: t,
      constant: l.constant && r.constant,
      pos,
    });
  }
  if (!isStringType(l.type) && l.type.id !== "unknown" && !isStringType(r.type) && r.type.id !== "unknown") {
    throw err(SqlState.undefinedFunction, `operator does not exist: ${typeDisplayName(l.type)} || ${typeDisplayName(r.type)}`, pos);
  }
  const a = coerce(l, T.text);
  const b = coerce(r, T.text);
  const fa = a.fn;
  const fb = b.fn;
  return fold({
    fn: (row, env) => {
      const x = fa(row, env);
      if (x === null) return null;
      const y = fb(row, env);
      if (y === null) return null;
      checkTextLength((x as string).length + (y as string).length);
      return (x as string) + (y as string);
    },
    type: T.text,
    constant: a.constant && b.constant,
    pos,
  });
}

function divZero(pos: number): KodiakError {
  return err(SqlState.divisionByZero, "division by zero", pos);
}

function arithmetic(op: string, l: BoundExpr, r: BoundExpr, pos: number): BoundExpr {
  const lt = l;
  const rt = r;
  if (lt.type.id === "unknown" && rt.type.id === "unknown") {
    throw err("42725", `operator is not unique: unknown ${op} unknown`, pos);
  }

  if (op === "^") {
    const useNumeric = lt.type.id === "numeric" || rt.type.id === "numeric";
    const t = useNumeric ? T.numeric : T.float8;
    const a = coerce(lt.type.id === "unknown" ? coerce(lt, t) : lt, isNumericType(lt.type) || lt.type.id === "unknown" ? t : lt.type);
    const b = coerce(rt.type.id === "unknown" ? coerce(rt, t) : rt, isNumericType(rt.type) || rt.type.id === "unknown" ? t : rt.type);
    if (!isNumericType(a.type) || !isNumericType(b.type))
      throw err(SqlState.undefinedFunction, `operator does not exist: ${typeDisplayName(l.type)} ^ ${typeDisplayName(r.type)}`, pos);
    return fold({
      fn: (row, env) => {
        const x = a.fn(row, env);
        const y = b.fn(row, env);
        if (x === null || y === null) return null;
        const v = Number(x instanceof Decimal ? x.toNumber() : x) ** Number(y instanceof Decimal ? y.toNumber() : y);
        return useNumeric ? Decimal.fromNumber(v) : v;
      },
      type: t,
      constant: a.constant && b.constant,
      pos,
    });
  }
  const [a, b, t] = unify(lt, rt, op, pos);
  if (!isNumericType(t))
    throw err(SqlState.undefinedFunction, `operator does not exist: ${typeDisplayName(l.type)} ${op} ${typeDisplayName(r.type)}`, pos);
  const fa = a.fn;
  const fb = b.fn;
  let f: (x: Value, y: Value) => Value;
  if (t.id === "int4" || t.id === "int2") {
    const check = t.id === "int4" ? checkInt4 : (v: number) => (v < -32768 || v > 32767 ? checkInt4(1e10) : v);
    switch (op) {
      case "+":
        f = (x, y) => check((x as number) + (y as number));
        break;
      case "-":
        f = (x, y) => check((x as number) - (y as number));
        break;
      case "*":
        f = (x, y) => {
          const p = (x as number) * (y as number);
          return check(p);
        };
        break;
      case "/":
        f = (x, y) => {
          if (y === 0) throw divZero(pos);
          return check(Math.trunc((x as number) / (y as number)));
        };
        break;
      case "%":
        f = (x, y) => {
          if (y === 0) throw divZero(pos);
          const m = (x as number) % (y as number);
          return m === 0 ? 0 : m;
        };
        break;
      default:
        throw err(SqlState.undefinedFunction, `operator does not exist: ${typeDisplayName(t)} ${op} ${typeDisplayName(t)}`, pos);
    }
  } else if (t.id === "int8") {
    switch (op) {
      case "+":
        f = (x, y) => checkInt8((x as bigint) + (y as bigint));
        break;
      case "-":
        f = (x, y) => checkInt8((x as bigint) - (y as bigint));
        break;
      case "*":
        f = (x, y) => checkInt8((x as bigint) * (y as bigint));
        break;
      case "/":
        f = (x, y) => {
          if (y === 0n) throw divZero(pos);
          return checkInt8((x as bigint) / (y as bigint));
        };
        break;
      case "%":
        f = (x, y) => {
          if (y === 0n) throw divZero(pos);
          return (x as bigint) % (y as bigint);
        };
        break;
      default:
        throw err(SqlState.undefinedFunction, `operator does not exist: bigint ${op} bigint`, pos);
    }
  } else if (t.id === "numeric") {
    switch (op) {
      case "+":
        f = (x, y) => (x as Decimal).add(y as Decimal);
        break;
      case "-":
        f = (x, y) => (x as Decimal).sub(y as Decimal);
        break;
      case "*":
        f = (x, y) => (x as Decimal).mul(y as Decimal);
        break;
      case "/":
        f = (x, y) => {
          if ((y as Decimal).isZero()) throw divZero(pos);
          return (x as Decimal).div(y as Decimal);
        };
        break;
      case "%":
        f = (x, y) => {
          if ((y as Decimal).isZero()) throw divZero(pos);
          return (x as Decimal).mod(y as Decimal);
        };
        break;
      default:
        throw err(SqlState.undefinedFunction, `operator does not exist: numeric ${op} numeric`, pos);
    }
  } else {
    switch (op) {
      case "+":
        f = (x, y) => (x as number) + (y as number);
        break;
      case "-":
        f = (x, y) => (x as number) - (y as number);
        break;
      case "*":
        f = (x, y) => (x as number) * (y as number);
        break;
      case "/":
        f = (x, y) => {
          if (y === 0) throw divZero(pos);
          return (x as number) / (y as number);
        };
        break;
      case "%":
        throw err(SqlState.undefinedFunction, `operator does not exist: double precision % double precision`, pos);
      default:
        throw err(SqlState.undefinedFunction, `operator does not exist: ${typeDisplayName(t)} ${op} ${typeDisplayName(t)}`, pos);
    }
    if (t.id === "float8" || t.id === "float4") {
      const g = f;
      f = (x, y) => {
        const v = g(x, y) as number;
        if (!Number.isFinite(v) && Number.isFinite(x as number) && Number.isFinite(y as number)) {
          throw err(SqlState.numericValueOutOfRange, "value out of range: overflow", pos);
        }
        return v;
      };
    }
  }
  return fold({
    fn: (row, env) => {
      const x = fa(row, env);
      if (x === null) return null;
      const y = fb(row, env);
      if (y === null) return null;
      return f(x, y);
    },
    type: t,
    constant: a.constant && b.constant,
    pos,
  });
}

export { isWindowName };
