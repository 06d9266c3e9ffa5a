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
});
