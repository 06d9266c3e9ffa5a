// Property test for the compiled integer fast paths (fastops.ts): random expressions over INT16,
// INT32 and INT64 operands near their bounds, with NULLs, arithmetic and comparisons, evaluated by
// SQL (`SELECT e`) and by compiled PL (`DO { SET r = e }`): same value and type, or same SQLSTATE.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import type { SqlSession, SqlValue } from "../../../sql/api.js";
import type { KvSqlEngine } from "../../../sql/engine/engine.js";
import { engineSession } from "./engine-harness.js";

type Outcome = { value: string; kind: string } | { err: string };

async function first(session: SqlSession, sql: string): Promise<Outcome> {
  try {
    let v: SqlValue | undefined;
    for await (const r of session.run(sql)) if (r.rows !== undefined) v = r.rows[0]?.[0];
    return v === undefined || v === null ? { value: "NULL", kind: "null" } : { value: String(v), kind: typeof v };
  } catch (e) {
    return { err: (e as { code: string }).code };
  }
}

const lit = fc.oneof(
  fc.integer({ min: -40000, max: 40000 }).map((n) => `(${n})`),
  fc.constantFrom("2147483647", "(-2147483647)", "0", "1", "(-1)", "3"),
  fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n }).map((n) => `(${n})::INT64`),
  fc.constantFrom("9223372036854775807::INT64", "(-9223372036854775807)::INT64", "NULL::INT64", "NULL::INT32"),
  fc.integer({ min: -300, max: 300 }).map((n) => `(${n})::INT16`),
);

const { intExpr } = fc.letrec((tie) => ({
  intExpr: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    lit,
    fc.tuple(fc.constantFrom("+", "-", "*", "/", "%"), tie("intExpr"), tie("intExpr")).map(([op, a, b]) => `(${a} ${op} ${b})`),
  ),
}));

const cmpExpr = fc.tuple(fc.constantFrom("=", "<>", "<", ">", "<=", ">="), intExpr, intExpr).map(([op, a, b]) => `(${a} ${op} ${b})`);

describe("compiled integer operators agree with SQL (property)", () => {
  let engine: KvSqlEngine;
  let session: SqlSession;
  before(async () => {
    ({ engine, session } = await engineSession());
  });
  after(async () => {
    await engine.close();
  });
  const agree = async (e: string) => {
    assert.deepEqual(await first(session, `DO { SET r = ${e} }; SELECT {r};`), await first(session, `SELECT ${e};`), e);
  };
  it("mixed-width arithmetic with overflow and division by zero", async () => {
    await fc.assert(fc.asyncProperty(intExpr, agree), { numRuns: 150, seed: 31337 });
  });
  it("mixed-width comparisons", async () => {
    await fc.assert(fc.asyncProperty(cmpExpr, agree), { numRuns: 150, seed: 4242 });
  });
});
