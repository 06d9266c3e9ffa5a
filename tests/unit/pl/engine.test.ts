// PL-Grizzly through the SQL engine's session: catalog listing relations, errors with script
// position and PL call stack, PL functions in WHERE, and definitions shared across sessions.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PlError } from "../../../sql/pl/index.js";
import { KvSqlEngine } from "../../../sql/engine/engine.js";
import { MemoryKvStore } from "../../../sql/kv/index.js";
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

describe("PL-Grizzly definitions live in the engine's catalog", () => {
  it("PL DDL is transactional: a rolled-back CREATE FUNCTION leaves nothing", async () => {
    const out = await runOnEngine("BEGIN; CREATE FUNCTION f() RETURNS INT64 { 1 }; SELECT f(); ROLLBACK; SELECT f();");
    assert.deepEqual(out.slice(2), [{ rows: [[1]] }, { rows: [] }, { error: "42883", message: "function f() does not exist" }]);
  });
  it("definitions survive reopening an engine on the same store", async () => {
    const store = new MemoryKvStore();
    const first = new KvSqlEngine(store);
    const s1 = await first.openSession({ user: "a", database: "d" });
    for await (const _ of s1.run(
      "CREATE TYPE pt AS STRUCT(x: INT64, y: INT64); CREATE FUNCTION [pt] norm1(self) RETURNS INT64 { abs(self.x) + abs(self.y) }; CREATE FUNCTION mk(a: INT64) RETURNS pt { {x: a, y: -a} }; CREATE CRON JOB j SCHEDULE '@daily' DO { }; ALTER CRON JOB j PAUSE;",
    )) {
      // drain
    }
    await first.close();
    const second = new KvSqlEngine(store);
    try {
      const s2 = await second.openSession({ user: "a", database: "d" });
      const rows: unknown[] = [];
      for await (const r of s2.run("SELECT mk(3).norm1(), (SELECT paused FROM kodiak_cron_jobs WHERE name = 'j');"))
        rows.push(...(r.rows ?? []));
      assert.deepEqual(rows, [[6n, true]]);
    } finally {
      await second.close();
    }
  });
});

describe("PL-Grizzly system relations are read-only", () => {
  it("INSERT, UPDATE and DELETE on them fail with 42501", async () => {
    const out = await runOnEngine(
      "INSERT INTO kodiak_cron_jobs VALUES ('x'); UPDATE kodiak_cron_runs SET status = 'x'; DELETE FROM kodiak_functions; SELECT count(*) FROM kodiak_types;",
    );
    assert.deepEqual(
      out.map((o) => ("error" in o ? o.error : o.rows)),
      ["42501", "42501", "42501", [[0]]],
    );
  });
});
