// PL-Grizzly through the SQL engine's session: catalog listing relations, errors with script
// position and PL call stack, PL functions in WHERE, and definitions shared across sessions.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PlError } from "../../../sql/pl/index.js";
import { engineSession, runOnEngine } from "./engine-harness.js";

describe("PL-Grizzly on the SQL engine", () => {
  it("lists functions, types and triggers in system relations", async () => {
    const out = await runOnEngine(
      "CREATE TYPE pt AS STRUCT(x: INT64, y: INT64); CREATE TYPE oops AS EXCEPTION('oops') SQLSTATE 'KQ002'; CREATE TABLE t (a INT32); CREATE FUNCTION twice(n: INT64, k: INT64 = 2) RETURNS INT64 IMMUTABLE { n * k }; CREATE TRIGGER tr BEFORE INSERT OR DELETE ON t { }; SELECT name, arguments, returns, kind, immutable FROM kodiak_functions; SELECT name, kind, fields, sqlstate FROM kodiak_types ORDER BY name; SELECT name, table_name, timing, events FROM kodiak_triggers;",
    );
    assert.deepEqual(out.slice(5), [
      { rows: [["twice", "n: bigint, k: bigint = …", "bigint", "SYNC", true]] },
      {
        rows: [
          ["oops", "EXCEPTION", "", "KQ002"],
          ["pt", "STRUCT", "x: bigint, y: bigint", null],
        ],
      },
      { rows: [["tr", "t", "BEFORE", "INSERT OR DELETE"]] },
    ]);
  });
  it("errors from PL code keep line, column and the PL call stack through the engine", async () => {
    const { engine, session } = await engineSession();
    try {
      const script =
        "CREATE FUNCTION inner1(n: INT64) RETURNS INT64 {\n  n / 0\n};\nCREATE TABLE t (a INT64);\nINSERT INTO t VALUES (1);\nSELECT inner1(a) FROM t;";
      await assert.rejects(
        (async () => {
          for await (const _ of session.run(script)) {
            // drain
          }
        })(),
        (e: unknown) =>
          e instanceof PlError && e.code === "22012" && e.line === 2 && e.column === 3 && e.context === "function inner1 line 2 column 3",
      );
    } finally {
      await engine.close();
    }
  });
  it("definitions are shared by the engine's sessions; PL functions filter rows in WHERE", async () => {
    const { engine, session } = await engineSession();
    try {
      for await (const _ of session.run(
        "CREATE FUNCTION odd(n: INT32) RETURNS BOOLEAN { n % 2 = 1 }; CREATE TABLE n (v INT32); INSERT INTO n VALUES (1), (2), (3);",
      )) {
        // drain
      }
      const other = await engine.openSession({ user: "b", database: "test" });
      const rows: unknown[] = [];
      for await (const r of other.run("SELECT v FROM n WHERE odd(v) ORDER BY v;")) rows.push(...(r.rows ?? []));
      assert.deepEqual(rows, [[1], [3]]);
    } finally {
      await engine.close();
    }
  });
  it("a DO block is one statement: a failure inside it leaves nothing behind", async () => {
    const out = await runOnEngine(
      "CREATE TABLE t (a INT32); DO { INSERT INTO t VALUES (1); INSERT INTO t VALUES (2); LET z = 1 / 0 }; SELECT count(*) FROM t;",
    );
    assert.deepEqual(out.slice(1), [{ error: "22012", message: "division by zero" }, { rows: [[0]] }]);
  });
});
