// The pipeline operator `source |> stage |> …` (section 10): FILTER, MAP, SUM, MIN, MAX, COUNT,
// SORT, SORT_BY, REDUCE, FIRST, TAKE/LIMIT, DISTINCT, GROUP_BY, and any other function called as
// name(source, args…). Lambdas are invoked with a fresh scope whose parent is the defining scope.

import type { Ev, Gen } from "./gen.js";
import { SqlState } from "../../util/index.js";
import type { Arg, Expr, Lambda } from "./ast.js";
import { callNamed } from "./call.js";
import { assign, makeInt, materializeRange } from "./cast.js";
import type { Ctx } from "./context.js";
import { PlError } from "./errors.js";
import { evalBody, evalExpr, requireBool } from "./expr.js";
import { binary, compareNullable, notDistinct } from "./ops.js";
import { Scope } from "./scope.js";
import { anonStruct, arrayOf, isInteger, type PlType, T, unify } from "./types.js";
import { arrayValue, asItems, mk, nullOf, type PlValue, structValue } from "./values.js";

type Fn = (...xs: PlValue[]) => Ev<PlValue>;

function lambdaOf(a: Arg | undefined, s: Scope, c: Ctx, arity: number): Fn | null {
  if (a === undefined) return null;
  const v = a.value;
  if (v.kind !== "lambda") throw new PlError(SqlState.datatypeMismatch, "this pipeline stage needs a lambda argument");
  const lam: Lambda = v;
  if (lam.params.length !== arity)
    throw new PlError(SqlState.undefinedFunction, `lambda takes ${lam.params.length} parameters, ${arity} expected`);
  return (...xs) => {
    const ls = new Scope(s, true);
    lam.params.forEach((p, i) => {
      ls.declare(p, { type: null, value: xs[i]! });
    });
    return evalBody(lam.body, ls, c);
  };
}

function elemTypeOf(values: readonly PlValue[]): PlType {
  let t: PlType = T.unknown;
  for (const v of values) t = unify(t, v.t, "pipeline");
  return t;
}

function aggregate(kind: "SUM" | "MIN" | "MAX", values: readonly PlValue[], t: PlType): PlValue {
  const present = values.filter((v) => v.v !== null);
  if (kind === "SUM") {
    const st = isInteger(t) ? T.int64 : t.k === "unknown" ? T.int64 : t;
    if (present.length === 0) return nullOf(st);
    if (isInteger(st))
      return makeInt(
        T.int64,
        present.reduce((a, v) => a + BigInt(v.v as number | bigint), 0n),
      );
    return present.reduce((a, v) => binary("+", a, assign(v, st)), assign(mk(T.int32, 0), st));
  }
  if (present.length === 0) return nullOf(t);
  return present.reduce((m, v) => {
    const c = compareNullable(v, m);
    return (kind === "MIN" ? c < 0 : c > 0) ? v : m;
  });
}

function* stage(name: string, args: readonly Arg[], src: PlValue, s: Scope, c: Ctx): Gen<PlValue> {
  const upper = name.toUpperCase();
  if (src.v === null) return upper === "COUNT" ? mk(T.int64, 0n) : src;
  const arr = src.t.k === "range" ? materializeRange(src) : src;
  if (arr.t.k !== "array") throw new PlError(SqlState.datatypeMismatch, "a pipeline source must be an array, a range or a query");
  const items = asItems(arr);
  const et = arr.t.elem;
  const tick = () => c.env.budget.tick();
  switch (upper) {
    case "FILTER": {
      const f = lambdaOf(args[0], s, c, 1)!;
      const out: PlValue[] = [];
      for (const x of items) {
        tick();
        if (requireBool((yield f(x)) as PlValue, "FILTER") === true) out.push(x);
      }
      return arrayValue(et, out);
    }
    case "MAP": {
      const f = lambdaOf(args[0], s, c, 1)!;
      const out: PlValue[] = [];
      for (const x of items) {
        tick();
        out.push((yield f(x)) as PlValue);
      }
      return arrayValue(elemTypeOf(out), out);
    }
    case "SUM":
    case "MIN":
    case "MAX": {
      const f = lambdaOf(args[0], s, c, 1);
      const vals: PlValue[] = [];
      for (const x of items) vals.push(f === null ? x : ((yield f(x)) as PlValue));
      return aggregate(upper, vals, f === null ? et : elemTypeOf(vals));
    }
    case "COUNT": {
      const f = lambdaOf(args[0], s, c, 1);
      if (f === null) return mk(T.int64, BigInt(items.length));
      let n = 0n;
      for (const x of items) if (requireBool((yield f(x)) as PlValue, "COUNT") === true) n++;
      return mk(T.int64, n);
    }
    case "SORT":
    case "SORT_BY": {
      const f = upper === "SORT_BY" ? lambdaOf(args[0], s, c, 1) : null;
      const dirArg = upper === "SORT" ? args[0] : args[1];
      const desc = dirArg !== undefined && dirArg.value.kind === "name" && dirArg.value.name.toUpperCase() === "DESC";
      const keyed: { key: PlValue; x: PlValue }[] = [];
      for (const x of items) keyed.push({ key: f === null ? x : ((yield f(x)) as PlValue), x });
      keyed.sort((a, b) => {
        if (a.key.v === null || b.key.v === null) {
          const nulls = a.key.v === null ? (b.key.v === null ? 0 : 1) : -1;
          return desc ? -nulls : nulls;
        }
        const r = compareNullable(a.key, b.key);
        return desc ? -r : r;
      });
      return arrayValue(
        et,
        keyed.map((k) => k.x),
      );
    }
    case "REDUCE": {
      if (args[0] === undefined || args[0].value.kind === "lambda")
        throw new PlError(SqlState.undefinedFunction, "REDUCE(init, (acc, x) -> expr)");
      let acc = (yield evalExpr(args[0].value as Expr, s, c)) as PlValue;
      const f = lambdaOf(args[1], s, c, 2)!;
      for (const x of items) {
        tick();
        acc = (yield f(acc, x)) as PlValue;
      }
      return acc;
    }
    case "FIRST": {
      const f = lambdaOf(args[0], s, c, 1);
      for (const x of items) if (f === null || requireBool((yield f(x)) as PlValue, "FIRST") === true) return x;
      return nullOf(et);
    }
    case "TAKE":
    case "LIMIT": {
      const nArg = args[0];
      if (nArg === undefined || nArg.value.kind === "lambda") throw new PlError(SqlState.undefinedFunction, `${upper}(n) needs a count`);
      const n = (yield evalExpr(nArg.value as Expr, s, c)) as PlValue;
      if (n.v === null) return arr;
      if (Number(n.v) < 0) throw new PlError("2201W", `${upper} must not be negative`);
      return arrayValue(et, items.slice(0, Number(n.v)));
    }
    case "DISTINCT": {
      const out: PlValue[] = [];
      for (const x of items) if (!out.some((y) => notDistinct(x, y))) out.push(x);
      return arrayValue(et, out);
    }
    case "GROUP_BY": {
      const f = lambdaOf(args[0], s, c, 1)!;
      const groups: { key: PlValue; items: PlValue[] }[] = [];
      for (const x of items) {
        const k = (yield f(x)) as PlValue;
        const g = groups.find((y) => notDistinct(y.key, k));
        if (g === undefined) groups.push({ key: k, items: [x] });
        else g.items.push(x);
      }
      const kt = elemTypeOf(groups.map((g) => g.key));
      const gt = anonStruct([
        { name: "key", type: kt },
        { name: "items", type: arrayOf(et) },
      ]);
      return arrayValue(
        gt,
        groups.map((g) =>
          structValue(
            gt,
            new Map([
              ["key", g.key],
              ["items", arrayValue(et, g.items)],
            ]),
          ),
        ),
      );
    }
    default: {
      const lit: Arg = { name: null, value: { kind: "lit", value: arr } };
      return (yield callNamed(name, [lit, ...args], false, s, c)) as PlValue;
    }
  }
}

export function* evalPipeline(e: Extract<Expr, { kind: "pipeline" }>, s: Scope, c: Ctx): Gen<PlValue> {
  let v = (yield evalExpr(e.source, s, c)) as PlValue;
  for (const st of e.stages) v = (yield stage(st.name, st.args, v, s, c)) as PlValue;
  return v;
}
