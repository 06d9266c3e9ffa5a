// Errors carry SQLSTATE, the failing construct's line/column, and the PL call stack; user
// exceptions reach clients as P0001 (or their SQLSTATE) with "<type>: <message>" and fields.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PlError } from "../../../sql/pl/index.js";
import { newSession } from "./harness.js";

async function failure(script: string): Promise<PlError> {
  const { session } = newSession();
  try {
    for await (const _ of session.run(script)) {
      // drain
    }
  } catch (e) {
    assert.ok(e instanceof PlError, `expected a PlError, got ${String(e)}`);
    return e;
  }
  assert.fail("script did not fail");
}

describe("error reports", () => {
  it("name the line and column of the failing statement and the PL call stack", async () => {
    const e = await failure(
      "CREATE FUNCTION inner1(n: INT64) RETURNS INT64 {\n  LET a = 1;\n  a / n\n};\nCREATE FUNCTION outer1() RETURNS INT64 {\n  inner1(0)\n};\nDO {\n  LET x = outer1()\n};",
    );
    assert.equal(e.code, "22012");
    assert.equal(e.line, 3);
    assert.equal(e.column, 3);
    assert.equal(e.context, "function inner1 line 3 column 3\nfunction outer1 line 6 column 3\nDO block line 9 column 3");
  });
  it("a user exception escaping to the client has its message, SQLSTATE and fields", async () => {
    const e = await failure("CREATE TYPE too_far AS EXCEPTION('point is too far', limit_km: INT32);\nDO { RAISE too_far(limit_km => 7) };");
    assert.equal(e.code, "P0001");
    assert.equal(e.message, "too_far: point is too far");
    assert.equal(e.detail, "limit_km=7");
    assert.equal(e.line, 2);
  });
  it("a caught exception exposes name, message, sqlstate, line and stack", async () => {
    const { session } = newSession();
    for await (const _ of session.run(
      "DO {\n  TRY { LET z = 1 / 0 } CATCH { division_by_zero(e) => { SET r = e.name || '|' || e.sqlstate || '|' || e.line || '|' || e.message } }\n}",
    )) {
      // drain
    }
    assert.deepEqual(session.vars.get("r")?.v, "division_by_zero|22012|2|division by zero");
  });
  it("class names catch a whole class, and bare RAISE re-raises", async () => {
    const e = await failure("DO { TRY { LET z = 'x'::INT32 } CATCH { data_exception => { RAISE } } };");
    assert.equal(e.code, "22P02");
  });
  it("unbounded recursion stops at max_call_depth with 54001, not a host stack overflow", async () => {
    const e = await failure("SET max_call_depth = 1500; CREATE FUNCTION inf(n: INT64) RETURNS INT64 { inf(n + 1) }; SELECT inf(0);");
    assert.equal(e.code, "54001");
    assert.equal(e.message, "PL call depth limit (1500) exceeded");
  });
  it("RAISE outside CATCH without a name is 42601", async () => {
    const e = await failure("DO { RAISE };");
    assert.equal(e.code, "42601");
  });
});

describe("jsonl error lines", () => {
  it("carry line, column and the PL call stack as error.context", async () => {
    const { formatJsonlError } = await import("../../../sql/jsonl.js");
    const e = await failure("CREATE FUNCTION boom() RETURNS INT64 {\n  1 / 0\n};\nSELECT boom() + 0 * [1][1];");
    assert.deepEqual(JSON.parse(formatJsonlError(e)), {
      error: { code: "22012", message: "division by zero", line: 2, column: 3, context: "function boom line 2 column 3" },
    });
  });
});
