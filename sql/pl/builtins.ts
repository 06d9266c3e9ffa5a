// Built-in functions available in PL code: a small PostgreSQL core (abs, coalesce, length, …),
// the statistical helpers of section 11 and kodiak_cron_next. Size limits (54000) are checked
// before allocating.

import { SqlState } from "../../util/index.js";
import { Decimal } from "../types/decimal.js";
import { cast, materializeRange, MAX_TEXT_BYTES } from "./cast.js";
import type { Ctx } from "./context.js";
import { cronNext, parseCron } from "./cron.js";
import { PlError } from "./errors.js";
import { compareNullable, negate, resolveUnknown } from "./ops.js";
import { corr, mean, median, percentile, stddev, variance } from "./stats.js";
import { isNumeric, type PlType, T, typeName, unify } from "./types.js";
import { asItems, asNumber, bool, double, formatValue, mk, NULL, nullOf, numeric, type PlValue, text, toDecimal } from "./values.js";

type Builtin = (args: PlValue[], c: Ctx) => PlValue;

function arity(name: string, args: PlValue[], min: number, max = min): void {
  if (args.length < min || args.length > max)
    throw new PlError(SqlState.undefinedFunction, `function ${name} with ${args.length} arguments does not exist`);
}

function numsOf(name: string, a: PlValue): (number | null)[] | null {
  if (a.v === null) return null;
  const arr = a.t.k === "range" ? materializeRange(a) : a;
  if (arr.t.k !== "array") throw new PlError(SqlState.undefinedFunction, `function ${name}(${typeName(a.t)}) does not exist`);
  return asItems(arr).map((x) => (x.v === null ? null : asNumber(x)));
}

const stat1 =
  (name: string, f: (xs: (number | null)[]) => number | null): Builtin =>
  (args) => {
    arity(name, args, 1);
    const xs = numsOf(name, args[0]!);
    if (xs === null) return nullOf(T.double);
    const r = f(xs);
    return r === null ? nullOf(T.double) : double(r);
  };

function floorCeil(d: Decimal, up: boolean): Decimal {
  const t = d.trunc();
  const frac = d.sub(Decimal.fromBigInt(t)).sign();
  return Decimal.fromBigInt(up ? (frac > 0 ? t + 1n : t) : frac < 0 ? t - 1n : t);
}

function textArg(v: PlValue): string {
  return typeof v.v === "string" ? v.v : formatValue(v);
}

const builtins: Record<string, Builtin> = {
  abs: (a) => {
    arity("abs", a, 1);
    const v = a[0]!;
    if (v.v === null) return v;
    return compareNullable(v, mk(v.t, typeof v.v === "bigint" ? 0n : 0)) < 0 ? negate(v) : v;
  },
  coalesce: (a) => {
    let t: PlType = T.unknown;
    for (const x of a) t = unify(t, x.t, "COALESCE");
    const hit = a.find((x) => x.v !== null);
    return hit === undefined ? nullOf(t) : hit.t.k === "unknown" ? cast(hit, t) : hit;
  },
  nullif: (a) => {
    arity("nullif", a, 2);
    const [x, y] = resolveUnknown(a[0]!, a[1]!);
    return x.v !== null && y.v !== null && compareNullable(x, y) === 0 ? nullOf(x.t) : x;
  },
  greatest: (a) => a.filter((x) => x.v !== null).reduce((m, x) => (m.v === null || compareNullable(x, m) > 0 ? x : m), NULL),
  least: (a) => a.filter((x) => x.v !== null).reduce((m, x) => (m.v === null || compareNullable(x, m) < 0 ? x : m), NULL),
  length: (a) => {
    arity("length", a, 1);
    return a[0]!.v === null ? nullOf(T.int32) : mk(T.int32, [...textArg(a[0]!)].length);
  },
  upper: (a) => (a[0]?.v == null ? nullOf(T.text) : text(textArg(a[0]).toUpperCase())),
  lower: (a) => (a[0]?.v == null ? nullOf(T.text) : text(textArg(a[0]).toLowerCase())),
  repeat: (a) => {
    arity("repeat", a, 2);
    if (a[0]!.v === null || a[1]!.v === null) return nullOf(T.text);
    const s = textArg(a[0]!);
    const n = Math.max(0, Number(a[1]!.v));
    if (s.length * n > MAX_TEXT_BYTES) throw new PlError(SqlState.programLimitExceeded, "requested length too large");
    return text(s.repeat(n));
  },
  array_length: (a) => (a[0]?.v == null ? nullOf(T.int32) : mk(T.int32, asItems(a[0]).length || 0)),
  cardinality: (a) => (a[0]?.v == null ? nullOf(T.int32) : mk(T.int32, asItems(a[0]).length)),
  array_to_string: (a) => {
    arity("array_to_string", a, 2);
    if (a[0]!.v === null || a[1]!.v === null) return nullOf(T.text);
    const arr = a[0]!.t.k === "range" ? materializeRange(a[0]!) : a[0]!;
    return text(
      asItems(arr)
        .filter((x) => x.v !== null)
        .map(formatValue)
        .join(textArg(a[1]!)),
    );
  },
  pg_typeof: (a) => {
    arity("pg_typeof", a, 1);
    return text(a[0]!.t.k === "unknown" ? "unknown" : typeName(a[0]!.t));
  },
  round: (a) => {
    const v = a[0];
    if (v === undefined || v.v === null) return nullOf(T.numeric);
    const digits = a[1] === undefined ? 0 : Number(a[1].v);
    if (v.t.k !== "numeric" && isNumeric(v.t) && digits === 0) {
      const n = asNumber(v);
      return double(Math.sign(n) * Math.round(Math.abs(n)));
    }
    // NUMERIC results round exactly, half away from zero, as SQL's round(numeric, int).
    const d = v.t.k === "numeric" || isNumeric(v.t) ? toDecimal(v.v) : Decimal.fromNumber(Number(v.v));
    return numeric(d.withScale(Math.max(digits, 0)));
  },
  floor: (a) =>
    a[0]?.v == null
      ? nullOf(T.double)
      : a[0].t.k === "numeric"
        ? numeric(floorCeil(toDecimal(a[0].v), false))
        : double(Math.floor(asNumber(a[0]))),
  ceil: (a) =>
    a[0]?.v == null
      ? nullOf(T.double)
      : a[0].t.k === "numeric"
        ? numeric(floorCeil(toDecimal(a[0].v), true))
        : double(Math.ceil(asNumber(a[0]))),
  sqrt: (a) => (a[0]?.v == null ? nullOf(T.double) : double(Math.sqrt(Number(a[0].v)))),
  now: (_a, c) => mk(T.timestamptz, c.env.nowMs()),
  mean: stat1("mean", mean),
  median: stat1("median", median),
  variance: stat1("variance", variance),
  stddev: stat1("stddev", stddev),
  percentile: (a) => {
    arity("percentile", a, 2);
    const xs = numsOf("percentile", a[0]!);
    if (xs === null || a[1]!.v === null) return nullOf(T.double);
    const r = percentile(xs, Number(a[1]!.v));
    return r === null ? nullOf(T.double) : double(r);
  },
  corr: (a) => {
    arity("corr", a, 2);
    const xs = numsOf("corr", a[0]!);
    const ys = numsOf("corr", a[1]!);
    if (xs === null || ys === null) return nullOf(T.double);
    const r = corr(xs, ys);
    return r === null ? nullOf(T.double) : double(r);
  },
  kodiak_cron_next: (a) => {
    arity("kodiak_cron_next", a, 2, 3);
    if (a.some((x) => x.v === null)) return nullOf(T.timestamptz);
    const after = cast(a[1]!, T.timestamptz).v as number;
    const next = cronNext(parseCron(textArg(a[0]!)), after, a[2] === undefined ? "UTC" : textArg(a[2]));
    return next === null ? nullOf(T.timestamptz) : mk(T.timestamptz, next);
  },
  bool_not: (a) => bool(a[0]?.v == null ? null : !a[0].v),
};

/** Built-ins that are IMMUTABLE (allowed in IMMUTABLE functions). */
export const volatileBuiltins: ReadonlySet<string> = new Set(["now", "random"]);

export function hasBuiltin(name: string): boolean {
  return Object.hasOwn(builtins, name);
}

export function builtinNames(): string[] {
  return Object.keys(builtins);
}

export function callBuiltin(name: string, args: PlValue[], c: Ctx, _star: boolean): PlValue {
  const f = builtins[name];
  if (f === undefined) throw new PlError(SqlState.undefinedFunction, `function ${name} does not exist`);
  if (args.some((x) => x.t.k === "future")) throw new PlError(SqlState.datatypeMismatch, "a FUTURE must be awaited before it is passed");
  return f(args, c);
}
