// The compiled evaluator (compile-*.ts): control flow completions (BREAK/CONTINUE/RETURN in
// statement and expression position), slot scoping and shadowing, session variables, deep
// recursion that crosses from compiled frames into the generator interpreter, and error
// positions and PL call stacks from compiled code.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PlError } from "../../../sql/pl/index.js";
import { engineSession, runOnEngine } from "./engine-harness.js";

async function rows(script: string): Promise<unknown> {
  const out = await runOnEngine(script);
  return out[out.length - 1];
}

describe("compiled PL evaluation", () => {
  it("BREAK, CONTINUE and RETURN leave loops and calls from statement and expression position", async () => {
    assert.deepEqual(
      await rows(
        "CREATE FUNCTION f() RETURNS INT64 { LET s = 0; FOR i IN 1..10 { IF i = 3 { CONTINUE }; IF i = 6 { BREAK }; SET s = s + i }; s }; SELECT f();",
      ),
      { rows: [[12]] },
    );
    assert.deepEqual(
      await rows(
        "CREATE FUNCTION g(n: INT64) RETURNS INT64 { LET i = 0; WHILE TRUE { SET i = i + 1; LET x = IF i >= n { RETURN i * 10 } ELSE { i }; SET x = x + 1 }; 0 }; SELECT g(4);",
      ),
      { rows: [[40]] },
    );
    assert.deepEqual(
      await rows(
        "CREATE FUNCTION h() RETURNS INT64 { LET s = 0; WHILE s < 100 { SET s = s + IF s > 5 { BREAK } ELSE { 2 } }; s }; SELECT h();",
      ),
      { rows: [[6]] },
    );
  });

  it("LET shadows per block, reads the outer binding in its own initializer, and SET reaches session variables", async () => {
    assert.deepEqual(
      await rows(
        "CREATE FUNCTION f(x: INT64) RETURNS TEXT { LET a = x; { LET x = x + 1; SET a = a * 100 + x }; a::TEXT || '/' || x::TEXT }; SELECT f(5);",
      ),
      { rows: [["506/5"]] },
    );
    assert.deepEqual(
      await rows("SET total = 0; DO { LET i = 1; WHILE i <= 4 { SET total = total + i; SET i = i + 1 } }; SELECT {total};"),
      {
        rows: [[10]],
      },
    );
  });

  it("recursion deeper than the compiled nesting bound continues in the interpreter, and the depth limit still holds", async () => {
    assert.deepEqual(
      await rows("CREATE FUNCTION down(n: INT64) RETURNS INT64 { IF n = 0 { RETURN 0 }; LET r = down(n - 1) + 1; r }; SELECT down(990);"),
      { rows: [[990]] },
    );
    const out = await runOnEngine(
      "CREATE FUNCTION down(n: INT64) RETURNS INT64 { IF n = 0 { 0 } ELSE { down(n - 1) + 1 } }; SELECT down(5000);",
    );
    assert.deepEqual(out[1], { error: "54001", message: "PL call depth limit (1000) exceeded" });
  });

  // Positions count from the start of each statement's own text.
  it("errors in compiled code carry the statement's position and the PL call stack", async () => {
    const { engine, session } = await engineSession();
    try {
      const script =
        "CREATE FUNCTION inner1(n: INT64) RETURNS INT64 {\n  LET a = n;\n  a / 0\n};\nCREATE FUNCTION outer1() RETURNS INT64 {\n  LET b = 1;\n  inner1(b) + 1\n};\nSELECT outer1();";
      await assert.rejects(
        (async () => {
          for await (const _ of session.run(script)) {
            // drain
          }
        })(),
        (e: unknown) =>
          e instanceof PlError &&
          e.code === "22012" &&
          e.line === 3 &&
          e.column === 3 &&
          e.context === "function inner1 line 3 column 3\nfunction outer1 line 3 column 3",
      );
    } finally {
      await engine.close();
    }
  });

  it("integer fast paths keep overflow and division errors", async () => {
    for (const [e, want] of [
      ["2147483647 + 1", "22003"],
      ["9223372036854775807 + 1", "22003"],
      ["(-2147483648) / (-1)", "22003"],
      ["7 / 0", "22012"],
      ["7 % 0", "22012"],
    ] as const) {
      assert.deepEqual(
        await rows(`CREATE FUNCTION f() RETURNS INT64 { ${e} }; SELECT f();`),
        {
          error: want,
          message: want === "22012" ? "division by zero" : ((await rows(`SELECT ${e};`)) as { message: string }).message,
        },
        e,
      );
    }
    assert.deepEqual(await rows("CREATE FUNCTION f(a: INT32, b: INT32) RETURNS INT32 { (a % b) * -1 }; SELECT f(-6, 3);"), { rows: [[0]] });
  });
  it("MATCH binds pattern names in the arm, falls through failed guards, and passes BREAK/CONTINUE out of arms", async () => {
    assert.deepEqual(
      await rows(
        "CREATE TYPE pt AS STRUCT(x: INT64, y: INT64); CREATE FUNCTION f(a: INT64) RETURNS TEXT { LET p: pt = {x: a, y: 2}; MATCH p { {x: 0, y: yy} => 'zero ' || yy::TEXT, {x: xx, y: 2} IF xx > 5 => 'big', {x: xx, y: _} => 'other ' || xx::TEXT } }; SELECT f(0), f(9), f(3);",
      ),
      { rows: [["zero 2", "big", "other 3"]] },
    );
    // Alternatives binding different names: `1` leaves n to the enclosing variable.
    assert.deepEqual(
      await rows(
        "CREATE FUNCTION f(a: INT64) RETURNS TEXT { LET n = 'outer'; MATCH a { 1 | n => 'bound ' || n::TEXT, _ => 'x' } }; SELECT f(1), f(7);",
      ),
      { rows: [["bound outer", "bound 7"]] },
    );
    assert.deepEqual(
      await rows(
        "CREATE FUNCTION f() RETURNS INT64 { LET s = 0; FOR i IN 1..6 { SET s = s + MATCH i { 2 => { CONTINUE }, 5 => { BREAK }, _ => i } }; s }; SELECT f();",
      ),
      { rows: [[8]] },
    );
    assert.deepEqual(
      await rows("CREATE FUNCTION f(a: INT64) RETURNS INT64 { MATCH a { n IF n > 10 => 1, n IF n > 5 => 2 } }; SELECT f(3);"),
      {
        error: "20000",
        message: "case not found: no MATCH arm matches the value",
      },
    );
  });

  it("TRY rolls back to its savepoint when an arm handles the error, re-raises, and lets control flow through", async () => {
    const out = await runOnEngine(
      "CREATE TABLE k (v INT32); INSERT INTO k VALUES (100); CREATE FUNCTION f() RETURNS INT32 { TRY { UPDATE k SET v = 0; LET z = 1 / 0; 1 } CATCH { data_exception => 2 } }; SELECT f(); SELECT v FROM k;",
    );
    assert.deepEqual(out.slice(3), [{ rows: [[2]] }, { rows: [[100]] }]);
    assert.deepEqual(
      await rows(
        "CREATE FUNCTION f() RETURNS TEXT { TRY { TRY { LET z = 1 / 0; 'a' } CATCH { data_exception(e) => { RAISE } } } CATCH { division_by_zero(e2) => 'outer ' || e2.message } }; SELECT f();",
      ),
      { rows: [["outer division by zero"]] },
    );
    assert.deepEqual(
      await rows(
        "CREATE FUNCTION f() RETURNS INT64 { LET s = 0; FOR i IN 1..5 { TRY { IF i = 3 { LET z = 1 / 0 }; SET s = s + i } CATCH { division_by_zero => { CONTINUE } } }; s }; SELECT f();",
      ),
      { rows: [[12]] },
    );
    assert.deepEqual(await rows("CREATE FUNCTION f() RETURNS INT64 { TRY { RETURN 5 } CATCH { _ => 1 }; 9 }; SELECT f();"), {
      rows: [[5]],
    });
  });
  it("the interpreter used past the compiled nesting bound computes what compiled code computes", async () => {
    const body =
      "LET s = 0; FOR i IN 1..8 { IF i = 7 { BREAK }; SET s = s + TRY { MATCH i { 2 => { CONTINUE }, 3..4 => 10 / (i - 3), n IF n > 5 => n * 100, _ => i } } CATCH { division_by_zero => 1000 } }; s";
    const out = await runOnEngine(
      `CREATE FUNCTION work() RETURNS INT64 { ${body} }; CREATE FUNCTION deep(n: INT64) RETURNS INT64 { IF n = 0 { work() } ELSE { deep(n - 1) } }; SELECT work(), deep(5), deep(120);`,
    );
    assert.deepEqual(out[2], { rows: [[1616, 1616, 1616]] });
  });
});
