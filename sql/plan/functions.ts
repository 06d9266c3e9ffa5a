// Scalar SQL functions (PostgreSQL names and result types) and the names of aggregate and window
// functions. Each scalar function checks its argument types at bind time and returns NULL on
// NULL input unless documented otherwise (coalesce, concat, ...).
import { pgCatalogFunction } from "../pg-catalog-engine.js";
import { KodiakError, SqlState } from "../../util/index.js";
import { dateTrunc, extractField } from "../types/datetime.js";
import { Decimal } from "../types/decimal.js";
import { commonType, type DataType, isFloatType, isIntType, isNumericType, isStringType, T, typeDisplayName } from "../types/types.js";
import { castValue, checkInt4, checkInt8, compareValues, formatValue, type Value } from "../types/values.js";
import type { BoundExpr, Env } from "./context.js";
import { coerce } from "./expr.js";
import { checkedValue, checkTextLength } from "./limits.js";

const AGGREGATES = new Set([
  "count",
  "sum",
  "avg",
  "min",
  "max",
  "string_agg",
  "array_agg",
  "bool_and",
  "bool_or",
  "every",
  "stddev",
  "stddev_samp",
  "stddev_pop",
  "variance",
  "var_samp",
  "var_pop",
  "corr",
  "covar_pop",
  "covar_samp",
  "regr_slope",
  "regr_intercept",
  "median",
  "percentile_cont",
  "percentile_disc",
]);
const WINDOWS = new Set([
  "row_number",
  "rank",
  "dense_rank",
  "percent_rank",
  "cume_dist",
  "ntile",
  "lag",
  "lead",
  "first_value",
  "last_value",
  "nth_value",
]);

export const isAggregateName = (n: string): boolean => AGGREGATES.has(n);
export const isWindowName = (n: string): boolean => WINDOWS.has(n);

const err = (code: string, msg: string, pos: number): KodiakError => new KodiakError(code, msg, { position: pos + 1 });

function noFunction(name: string, args: readonly BoundExpr[], pos: number): KodiakError {
  return err(
    SqlState.undefinedFunction,
    `function ${name}(${args.map((a) => typeDisplayName(a.type.id === "unknown" ? T.text : a.type)).join(", ")}) does not exist`,
    pos,
  );
}

type Impl = (args: Value[]) => Value;

function make(args: readonly BoundExpr[], type: DataType, impl: Impl, pos: number, strict = true): BoundExpr {
  const fns = args.map((a) => a.fn);
  const n = fns.length;
  const out: BoundExpr = {
    fn: (r, env) => {
      const vs: Value[] = new Array(n);
      for (let i = 0; i < n; i++) {
        const v = fns[i](r, env);
        if (strict && v === null) return null;
        vs[i] = v;
      }
      return checkedValue(impl(vs));
    },
    type,
    constant: args.every((a) => a.constant),
    pos,
  };
  if (!out.constant) return out;
  try {
    const v = out.fn([], undefined as unknown as Env);
    return { fn: () => v, type, constant: true, pos };
  } catch (e) {
    if (e instanceof KodiakError && e.position === undefined) throw new KodiakError(e.code, e.message, { position: pos + 1 });
    throw e;
  }
}

function numArg(a: BoundExpr): BoundExpr {
  // Untyped literals resolve to double precision, the preferred numeric type (as PostgreSQL does).
  if (a.type.id === "unknown") return coerce(a, T.float8);
  if (!isNumericType(a.type))
    throw err(SqlState.undefinedFunction, `function argument of type ${typeDisplayName(a.type)} is not numeric`, a.pos);
  return a;
}

function textArg(a: BoundExpr): BoundExpr {
  if (isStringType(a.type)) return a;
  return coerce(a, T.text);
}

function unifyAll(args: readonly BoundExpr[], name: string, _pos: number): [BoundExpr[], DataType] {
  let t: DataType = T.unknown;
  for (const a of args) {
    const c = commonType(t, a.type);
    if (!c)
      throw err(SqlState.datatypeMismatch, `${name} types ${typeDisplayName(t)} and ${typeDisplayName(a.type)} cannot be matched`, a.pos);
    t = c;
  }
  if (t.id === "unknown") t = T.text;
  return [args.map((a) => coerce(a, t)), t];
}

const toNum = (v: Value): number => (v instanceof Decimal ? v.toNumber() : Number(v));

function round(args: Value[], t: DataType): Value {
  const v = args[0];
  const places = args.length > 1 ? Number(args[1]) : 0;
  if (v instanceof Decimal) return v.withScale(Math.max(places, 0)).withScale(Math.max(places, 0));
  if (typeof v === "number" && isFloatType(t)) {
    const f = 10 ** places;
    const x = Math.abs(v) * f;
    const r = Math.round(x);
    // Round half to even, as PostgreSQL's rint().
    const even = x - Math.floor(x) === 0.5 && r % 2 === 1 ? r - 1 : r;
    return (Math.sign(v) * even) / f;
  }
  return v;
}

/** Allowed argument counts [min, max] of the fixed-arity functions. */
const ARITY: Record<string, [number, number]> = {
  abs: [1, 1],
  sign: [1, 1],
  round: [1, 2],
  trunc: [1, 2],
  floor: [1, 1],
  ceil: [1, 1],
  ceiling: [1, 1],
  sqrt: [1, 1],
  exp: [1, 1],
  ln: [1, 1],
  log10: [1, 1],
  sin: [1, 1],
  cos: [1, 1],
  tan: [1, 1],
  asin: [1, 1],
  acos: [1, 1],
  atan: [1, 1],
  cbrt: [1, 1],
  degrees: [1, 1],
  radians: [1, 1],
  log: [1, 2],
  power: [2, 2],
  pow: [2, 2],
  mod: [2, 2],
  pi: [0, 0],
  length: [1, 1],
  char_length: [1, 1],
  character_length: [1, 1],
  octet_length: [1, 1],
  lower: [1, 1],
  upper: [1, 1],
  substr: [2, 3],
  substring: [2, 3],
  trim: [1, 2],
  btrim: [1, 2],
  ltrim: [1, 2],
  rtrim: [1, 2],
  replace: [3, 3],
  position: [2, 2],
  strpos: [2, 2],
  left: [2, 2],
  right: [2, 2],
  repeat: [2, 2],
  reverse: [1, 1],
  lpad: [2, 3],
  rpad: [2, 3],
  md5: [1, 1],
  typeof: [1, 1],
  pg_typeof: [1, 1],
  to_char: [1, 2],
  now: [0, 0],
  current_timestamp: [0, 0],
  statement_timestamp: [0, 0],
  current_date: [0, 0],
  localtimestamp: [0, 0],
  current_time: [0, 0],
  current_user: [0, 0],
  session_user: [0, 0],
  user: [0, 0],
  current_catalog: [0, 0],
  transaction_timestamp: [0, 0],
  gen_random_uuid: [0, 0],
  version: [0, 0],
  current_database: [0, 0],
  current_schema: [0, 0],
  concat_ws: [1, 1000],
  extract: [2, 2],
  date_part: [2, 2],
  date_trunc: [2, 2],
};

/** Time functions read the transaction start time from the environment at run time (never folded). */
function clockFn(type: DataType, render: (iso: string) => Value, pos: number): BoundExpr {
  return { fn: (_r, env) => render(new Date(env.nowMs ?? 0).toISOString()), type, constant: false, pos };
}

export function scalarFunction(name: string, rawArgs: readonly BoundExpr[], pos: number): BoundExpr {
  const args = rawArgs;
  const n = args.length;
  const arity = ARITY[name];
  if (arity && (n < arity[0] || n > arity[1])) throw noFunction(name, args, pos);
  switch (name) {
    case "coalesce": {
      if (n === 0) throw noFunction(name, args, pos);
      const [xs, t] = unifyAll(args, "COALESCE", pos);
      const fns = xs.map((x) => x.fn);
      return {
        fn: (r, env) => {
          for (const f of fns) {
            const v = f(r, env);
            if (v !== null) return v;
          }
          return null;
        },
        type: t,
        constant: false,
        pos,
      };
    }
    case "nullif": {
      if (n !== 2) throw noFunction(name, args, pos);
      const [xs, t] = unifyAll(args, "NULLIF", pos);
      return make(xs, t, ([a, b]) => (a !== null && b !== null && compareValues(a, b) === 0 ? null : a), pos, false);
    }
    case "greatest":
    case "least": {
      if (n === 0) throw noFunction(name, args, pos);
      const [xs, t] = unifyAll(args, name.toUpperCase(), pos);
      const sign = name === "greatest" ? 1 : -1;
      return make(
        xs,
        t,
        (vs) => {
          let best: Value = null;
          for (const v of vs) if (v !== null && (best === null || compareValues(v, best) * sign > 0)) best = v;
          return best;
        },
        pos,
        false,
      );
    }
    case "abs": {
      if (n !== 1) throw noFunction(name, args, pos);
      const a = numArg(args[0]);
      const t = a.type;
      return make(
        [a],
        t,
        ([v]) => {
          if (typeof v === "number") return t.id === "int4" ? checkInt4(Math.abs(v)) : Math.abs(v);
          if (typeof v === "bigint") return checkInt8(v < 0n ? -v : v);
          return (v as Decimal).abs();
        },
        pos,
      );
    }
    case "sign": {
      const a = numArg(args[0]);
      return make(
        [a],
        isIntType(a.type) ? T.float8 : a.type,
        ([v]) => (v instanceof Decimal ? new Decimal(BigInt(v.sign()), 0) : Math.sign(toNum(v))),
        pos,
      );
    }
    case "round": {
      if (n < 1 || n > 2) throw noFunction(name, args, pos);
      let a = numArg(args[0]);
      if (n === 2 || isIntType(a.type)) a = coerce(a, T.numeric);
      const t = a.type;
      const xs = n === 2 ? [a, coerce(args[1], T.int4)] : [a];
      return make(xs, t, (vs) => round(vs, t), pos);
    }
    case "trunc": {
      let a = numArg(args[0]);
      if (isIntType(a.type)) a = coerce(a, T.numeric);
      const t = a.type;
      const places = n > 1 ? coerce(args[1], T.int4) : undefined;
      return make(
        places ? [a, places] : [a],
        t,
        ([v, p]) => {
          if (v instanceof Decimal) {
            const s = Number(p ?? 0);
            return s >= v.scale ? v : new Decimal(v.unscaled / 10n ** BigInt(v.scale - Math.max(s, 0)), Math.max(s, 0));
          }
          return Math.trunc(v as number);
        },
        pos,
      );
    }
    case "floor":
    case "ceil":
    case "ceiling": {
      let a = numArg(args[0]);
      if (isIntType(a.type)) a = coerce(a, T.numeric);
      const up = name !== "floor";
      return make(
        [a],
        a.type,
        ([v]) => {
          if (v instanceof Decimal) {
            const t = v.trunc();
            const frac = v.sub(Decimal.fromBigInt(t));
            if (frac.isZero()) return Decimal.fromBigInt(t);
            return Decimal.fromBigInt(up ? (frac.sign() > 0 ? t + 1n : t) : frac.sign() < 0 ? t - 1n : t);
          }
          return up ? Math.ceil(v as number) : Math.floor(v as number);
        },
        pos,
      );
    }
    case "sqrt":
    case "exp":
    case "ln":
    case "log10":
    case "sin":
    case "cos":
    case "tan":
    case "asin":
    case "acos":
    case "atan":
    case "cbrt":
    case "degrees":
    case "radians": {
      const a = coerce(numArg(args[0]), T.float8);
      const f: (x: number) => number = {
        sqrt: Math.sqrt,
        exp: Math.exp,
        ln: Math.log,
        log10: Math.log10,
        sin: Math.sin,
        cos: Math.cos,
        tan: Math.tan,
        asin: Math.asin,
        acos: Math.acos,
        atan: Math.atan,
        cbrt: Math.cbrt,
        degrees: (x: number) => (x * 180) / Math.PI,
        radians: (x: number) => (x * Math.PI) / 180,
      }[name] as (x: number) => number;
      return make(
        [a],
        T.float8,
        ([v]) => {
          const x = v as number;
          if (name === "sqrt" && x < 0) throw err("2201F", "cannot take square root of a negative number", pos);
          if ((name === "ln" || name === "log10") && x <= 0)
            throw err("2201E", x === 0 ? "cannot take logarithm of zero" : "cannot take logarithm of a negative number", pos);
          return f(x);
        },
        pos,
      );
    }
    case "log": {
      const a = coerce(numArg(args[n - 1]), T.float8);
      if (n === 1) return make([a], T.float8, ([v]) => Math.log10(v as number), pos);
      const b = coerce(numArg(args[0]), T.float8);
      return make([b, a], T.float8, ([base, v]) => Math.log(v as number) / Math.log(base as number), pos);
    }
    case "power":
    case "pow": {
      const a = coerce(numArg(args[0]), T.float8);
      const b = coerce(numArg(args[1]), T.float8);
      return make([a, b], T.float8, ([x, y]) => (x as number) ** (y as number), pos);
    }
    case "mod": {
      const [xs, t] = unifyAll(args.map(numArg), "mod", pos);
      return make(
        xs,
        t,
        ([x, y]) => {
          if (typeof x === "number") {
            if (y === 0) throw err(SqlState.divisionByZero, "division by zero", pos);
            return (x % (y as number)) + 0;
          }
          if (typeof x === "bigint") {
            if (y === 0n) throw err(SqlState.divisionByZero, "division by zero", pos);
            return x % (y as bigint);
          }
          return (x as Decimal).mod(y as Decimal);
        },
        pos,
      );
    }
    case "pi":
      return make([], T.float8, () => Math.PI, pos);
    case "random":
      throw err(SqlState.featureNotSupported, "random() is not supported (non-deterministic)", pos);
    case "length":
    case "char_length":
    case "character_length":
      return make([textArg(args[0])], T.int4, ([s]) => [...(s as string)].length, pos);
    case "octet_length":
      return make([textArg(args[0])], T.int4, ([s]) => Buffer.byteLength(s as string), pos);
    case "lower":
      return make([textArg(args[0])], T.text, ([s]) => (s as string).toLowerCase(), pos);
    case "upper":
      return make([textArg(args[0])], T.text, ([s]) => (s as string).toUpperCase(), pos);
    case "substr":
    case "substring": {
      const xs = [textArg(args[0]), ...args.slice(1).map((a) => coerce(a, T.int4))];
      return make(
        xs,
        T.text,
        ([s, start, len]) => {
          const chars = [...(s as string)];
          const st = Number(start);
          if (len === undefined) return chars.slice(Math.max(st - 1, 0)).join("");
          const l = Number(len);
          if (l < 0) throw err("22011", "negative substring length not allowed", pos);
          const end = st + l - 1;
          return chars.slice(Math.max(st - 1, 0), Math.max(end, 0)).join("");
        },
        pos,
      );
    }
    case "trim":
    case "btrim":
    case "ltrim":
    case "rtrim": {
      const xs = args.map(textArg);
      return make(
        xs,
        T.text,
        ([s, chars]) => {
          const set = chars === undefined ? " " : (chars as string);
          let a = 0;
          let b = (s as string).length;
          const str = s as string;
          if (name !== "rtrim") while (a < b && set.includes(str[a])) a++;
          if (name !== "ltrim") while (b > a && set.includes(str[b - 1])) b--;
          return str.slice(a, b);
        },
        pos,
      );
    }
    case "replace":
      return make(args.map(textArg), T.text, ([s, f, t]) => (f === "" ? s : (s as string).split(f as string).join(t as string)), pos);
    case "position":
    case "strpos":
      return make(args.map(textArg), T.int4, ([s, sub]) => (s as string).indexOf(sub as string) + 1, pos);
    case "left":
    case "right": {
      const xs = [textArg(args[0]), coerce(args[1], T.int4)];
      return make(
        xs,
        T.text,
        ([s, k]) => {
          const chars = [...(s as string)];
          const kk = Number(k);
          if (name === "left") return (kk >= 0 ? chars.slice(0, kk) : chars.slice(0, Math.max(chars.length + kk, 0))).join("");
          return (kk >= 0 ? chars.slice(Math.max(chars.length - kk, 0)) : chars.slice(-kk)).join("");
        },
        pos,
      );
    }
    case "repeat":
      return make(
        [textArg(args[0]), coerce(args[1], T.int4)],
        T.text,
        ([s, k]) => {
          const count = Math.max(Number(k), 0);
          checkTextLength((s as string).length * count);
          return (s as string).repeat(count);
        },
        pos,
      );
    case "reverse":
      return make([textArg(args[0])], T.text, ([s]) => [...(s as string)].reverse().join(""), pos);
    case "concat":
      return make(
        args.map((a) => (isStringType(a.type) ? a : coerce(a, T.text))),
        T.text,
        (vs) => vs.map((v) => (v === null ? "" : (v as string))).join(""),
        pos,
        false,
      );
    case "concat_ws":
      return make(
        args.map((a) => (isStringType(a.type) ? a : coerce(a, T.text))),
        T.text,
        ([sep, ...vs]) => (sep === null ? null : vs.filter((v) => v !== null).join(sep as string)),
        pos,
        false,
      );
    case "lpad":
    case "rpad": {
      const xs = [textArg(args[0]), coerce(args[1], T.int4), ...(n > 2 ? [textArg(args[2])] : [])];
      return make(
        xs,
        T.text,
        ([s, len, fill]) => {
          const l = Number(len);
          checkTextLength(l);
          const str = s as string;
          const f = fill === undefined ? " " : (fill as string);
          if (str.length >= l) return str.slice(0, l);
          if (f === "") return str;
          const padding = f.repeat(Math.ceil((l - str.length) / f.length)).slice(0, l - str.length);
          return name === "lpad" ? padding + str : str + padding;
        },
        pos,
      );
    }
    case "md5":
      return make([textArg(args[0])], T.text, ([s]) => md5(s as string), pos);
    case "typeof":
    case "pg_typeof":
      return make(args, T.text, () => typeDisplayName(args[0].type), pos, false);
    case "to_char":
      return make([args[0]], T.text, ([v]) => formatValue(v, args[0].type), pos);
    case "now":
    case "current_timestamp":
    case "statement_timestamp":
    case "transaction_timestamp":
      return clockFn(T.timestamptz, (iso) => castValue(iso, T.text, T.timestamptz), pos);
    case "gen_random_uuid":
      return { fn: () => crypto.randomUUID(), type: T.uuid, constant: false, pos };
    case "current_date":
      return clockFn(T.date, (iso) => iso.slice(0, 10), pos);
    case "localtimestamp":
      return clockFn(T.timestamp, (iso) => castValue(iso.replace("T", " ").replace("Z", ""), T.text, T.timestamp), pos);
    case "current_time":
      return clockFn(T.time, (iso) => iso.slice(11, 23), pos);
    case "current_user":
    case "session_user":
    case "user":
      return make([], T.text, () => "kodiak", pos);
    case "current_catalog":
      return make([], T.text, () => "kodiak", pos);
    case "extract":
    case "date_part": {
      const field = coerce(args[0], T.text);
      const v = args[1].type.id === "unknown" ? coerce(args[1], T.timestamp) : args[1];
      const isIv = v.type.id === "interval";
      if (!isIv && !["date", "timestamp", "timestamptz", "time"].includes(v.type.id)) throw noFunction(name, args, pos);
      const numericResult = name === "extract";
      return make(
        [field, v],
        numericResult ? T.numeric : T.float8,
        ([f, x]) => {
          const text =
            v.type.id === "date" ? `${x as string} 00:00:00` : v.type.id === "time" ? `1970-01-01 ${x as string}` : (x as string);
          const n = extractField(f as string, text, isIv);
          return numericResult ? Decimal.fromNumber(n) : n;
        },
        pos,
      );
    }
    case "date_trunc": {
      const field = coerce(args[0], T.text);
      const v = args[1].type.id === "unknown" || args[1].type.id === "date" ? coerce(args[1], T.timestamp) : args[1];
      if (v.type.id !== "timestamp" && v.type.id !== "timestamptz") throw noFunction(name, args, pos);
      return make([field, v], v.type, ([f, x]) => dateTrunc(f as string, x as string, v.type.id === "timestamptz"), pos);
    }
    case "version":
      return make([], T.text, () => "PostgreSQL 15.0 (Kodiak 0.1.0)", pos);
    case "current_database":
      return make([], T.text, () => "kodiak", pos);
    case "current_schema":
      return make([], T.text, () => "public", pos);
    default: {
      // psql's catalog helpers (pg_table_is_visible, format_type, ...): sql/pg-catalog-engine.ts.
      const pg = pgCatalogFunction(name, args, pos);
      if (pg) return pg;
      throw noFunction(name, args, pos);
    }
  }
}

import { createHash } from "node:crypto";

function md5(s: string): string {
  return createHash("md5").update(s).digest("hex");
}
