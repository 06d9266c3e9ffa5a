// Property test: PL-Grizzly's evaluator agrees with PostgreSQL semantics on random integer and
// boolean expressions with NULLs (three-valued logic, truncating division, 22003 on overflow,
// 22012 on division by zero). The reference model below is written from PostgreSQL's rules; when
// the SQL engine evaluates expressions, the same generator compares the two engines.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { newSession } from "./harness.js";

type V = bigint | boolean | null;
type R = { v: V } | { err: string };
type E = { text: string; eval: () => R; bool: boolean };

const I32_MIN = -2147483648n;
const I32_MAX = 2147483647n;

function int(n: bigint | null): E {
  return { text: n === null ? "NULL::INT32" : n < 0n ? `(${n})` : `${n}`, eval: () => ({ v: n }), bool: false };
}

function arith(op: "+" | "-" | "*" | "/" | "%", a: E, b: E): E {
  return {
    text: `(${a.text} ${op} ${b.text})`,
    bool: false,
    eval: () => {
      const x = a.eval();
      if ("err" in x) return x;
      const y = b.eval();
      if ("err" in y) return y;
      if (x.v === null || y.v === null) return { v: null };
      const p = x.v as bigint;
      const q = y.v as bigint;
      let r: bigint;
      if (op === "/" || op === "%") {
        if (q === 0n) return { err: "22012" };
        r = op === "/" ? p / q : p % q;
      } else r = op === "+" ? p + q : op === "-" ? p - q : p * q;
      return r < I32_MIN || r > I32_MAX ? { err: "22003" } : { v: r };
    },
  };
}

function cmp(op: "=" | "<>" | "<" | ">=", a: E, b: E): E {
  return {
    text: `(${a.text} ${op} ${b.text})`,
    bool: true,
    eval: () => {
      const x = a.eval();
      if ("err" in x) return x;
      const y = b.eval();
      if ("err" in y) return y;
      if (x.v === null || y.v === null) return { v: null };
      const c = (x.v as bigint) - (y.v as bigint);
      return { v: op === "=" ? c === 0n : op === "<>" ? c !== 0n : op === "<" ? c < 0n : c >= 0n };
    },
  };
}

function logic(op: "AND" | "OR", a: E, b: E): E {
  return {
    text: `(${a.text} ${op} ${b.text})`,
    bool: true,
    eval: () => {
      // PL code evaluates left to right and skips the right side when the left decides.
      const x = a.eval();
      if ("err" in x) return x;
      if (op === "AND" && x.v === false) return { v: false };
      if (op === "OR" && x.v === true) return { v: true };
      const y = b.eval();
      if ("err" in y) return y;
      if (op === "AND") return { v: y.v === false ? false : x.v === null || y.v === null ? null : true };
      return { v: y.v === true ? true : x.v === null || y.v === null ? null : false };
    },
  };
}

function notE(a: E): E {
  return {
    text: `(NOT ${a.text})`,
    bool: true,
    eval: () => {
      const x = a.eval();
      return "err" in x ? x : { v: x.v === null ? null : !x.v };
    },
  };
}

const intLit = fc.oneof(
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 6, arbitrary: fc.bigInt({ min: -50000n, max: 50000n }) },
  { weight: 1, arbitrary: fc.constantFrom(I32_MAX, I32_MIN + 1n, 0n) },
);

const { intExpr } = fc.letrec((tie) => ({
  intExpr: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    intLit.map(int),
    fc
      .tuple(fc.constantFrom("+", "-", "*", "/", "%" as const), tie("intExpr"), tie("intExpr"))
      .map(([op, a, b]) => arith(op as "+", a as E, b as E)),
  ),
}));

const { boolExpr } = fc.letrec((tie) => ({
  boolExpr: fc.oneof(
    { depthSize: "small" },
    fc.tuple(fc.constantFrom("=", "<>", "<", ">=" as const), intExpr, intExpr).map(([op, a, b]) => cmp(op as "=", a as E, b as E)),
    fc
      .tuple(fc.constantFrom("AND", "OR" as const), tie("boolExpr"), tie("boolExpr"))
      .map(([op, a, b]) => logic(op as "AND", a as E, b as E)),
    tie("boolExpr").map((a) => notE(a as E)),
  ),
}));

async function plEval(text: string): Promise<R> {
  const { session } = newSession();
  try {
    let v: unknown = null;
    for await (const r of session.run(`DO { SET r = ${text} }; SELECT {r};`)) v = r.rows?.[0]?.[0];
    return { v: typeof v === "number" ? BigInt(v) : (v as V) };
  } catch (e) {
    return { err: (e as { code: string }).code };
  }
}

describe("PL evaluator agrees with PostgreSQL semantics (property)", () => {
  it("integer arithmetic and comparisons with NULLs", async () => {
    await fc.assert(
      fc.asyncProperty(intExpr, async (e) => {
        assert.deepEqual(await plEval((e as E).text), (e as E).eval(), (e as E).text);
      }),
      { numRuns: 80, seed: 1125 },
    );
  });
  it("three-valued logic over comparisons", async () => {
    await fc.assert(
      fc.asyncProperty(boolExpr, async (e) => {
        assert.deepEqual(await plEval((e as E).text), (e as E).eval(), (e as E).text);
      }),
      { numRuns: 80, seed: 2026 },
    );
  });
});
