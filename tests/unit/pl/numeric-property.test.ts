// Property test: NUMERIC inside PL code is exact and agrees with the SQL engine's NUMERIC. The
// same random expression (decimal and integer literals, NULLs, + - * / %, comparisons, casts to
// INT64/NUMERIC) is evaluated by SQL (`SELECT e`) and by PL (`DO { SET r = e }`, compiled code),
// and the two must give the same text and type, or fail with the same SQLSTATE.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import type { SqlSession, SqlValue } from "../../../sql/api.js";
import type { KvSqlEngine } from "../../../sql/engine/engine.js";
import { engineSession } from "./engine-harness.js";

type Outcome = { value: string; kind: string } | { err: string };

function show(v: SqlValue | undefined): { value: string; kind: string } {
  if (v === undefined || v === null) return { value: "NULL", kind: "null" };
  return { value: String(v), kind: typeof v };
}

async function first(session: SqlSession, sql: string): Promise<Outcome> {
  try {
    let v: SqlValue | undefined;
    for await (const r of session.run(sql)) if (r.rows !== undefined) v = r.rows[0]?.[0];
    return show(v);
  } catch (e) {
    return { err: (e as { code: string }).code };
  }
}

const decimalLit = fc.tuple(fc.bigInt({ min: -99999999n, max: 99999999n }), fc.integer({ min: 0, max: 5 })).map(([unscaled, scale]) => {
  const neg = unscaled < 0n;
  let digits = (neg ? -unscaled : unscaled).toString();
  if (scale > 0) {
    digits = digits.padStart(scale + 1, "0");
    digits = `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
  } else digits = `${digits}.0`;
  return neg ? `(-${digits})` : digits;
});

const leaf = fc.oneof(
  { weight: 6, arbitrary: decimalLit },
  { weight: 2, arbitrary: fc.integer({ min: -1000, max: 1000 }).map((n) => (n < 0 ? `(${n})` : `${n}`)) },
  { weight: 1, arbitrary: fc.constantFrom("NULL::NUMERIC", "0", "0.0", "1.00", "9223372036854775807") },
);

const { numExpr } = fc.letrec((tie) => ({
  numExpr: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.tuple(fc.constantFrom("+", "-", "*", "/", "%"), tie("numExpr"), tie("numExpr")).map(([op, a, b]) => `(${a} ${op} ${b})`),
    fc.tuple(tie("numExpr"), fc.constantFrom("::NUMERIC", "::INT64")).map(([a, c]) => `(${a})${c}`),
  ),
}));

const boolExpr = fc.tuple(fc.constantFrom("=", "<>", "<", ">="), numExpr, numExpr).map(([op, a, b]) => `(${a} ${op} ${b})`);

describe("NUMERIC in PL agrees with SQL NUMERIC (property)", () => {
  let engine: KvSqlEngine;
  let session: SqlSession;
  before(async () => {
    ({ engine, session } = await engineSession());
  });
  after(async () => {
    await engine.close();
  });

  const agree = async (e: string) => {
    const sql = await first(session, `SELECT ${e};`);
    const pl = await first(session, `DO { SET r = ${e} }; SELECT {r};`);
    assert.deepEqual(pl, sql, e);
  };

  it("arithmetic, casts and NULLs give the same digits, scale and errors", async () => {
    await fc.assert(fc.asyncProperty(numExpr, agree), { numRuns: 150, seed: 4711 });
  });

  it("comparisons are exact", async () => {
    await fc.assert(fc.asyncProperty(boolExpr, agree), { numRuns: 100, seed: 815 });
  });

  it("fixed cases: no binary floating-point error, PostgreSQL's division scale", async () => {
    for (const [e, want] of [
      ["0.1 + 0.2", "0.3"],
      ["1.50 * 2", "3.00"],
      ["1 / 3::NUMERIC", "0.33333333333333333333"],
      ["12345678901234567890.123 + 1", "12345678901234567891.123"],
      ["(-2.5)::INT64", "-3"],
    ] as const) {
      assert.deepEqual(await first(session, `DO { SET r = ${e} }; SELECT {r};`), await first(session, `SELECT ${e};`), e);
      const pl = await first(session, `DO { SET r = ${e} }; SELECT {r};`);
      assert.equal("value" in pl ? pl.value : pl.err, want, e);
    }
    assert.deepEqual(await first(session, "DO { SET r = (0.1 + 0.2) = 0.3 }; SELECT {r};"), { value: "true", kind: "boolean" });
  });
});
