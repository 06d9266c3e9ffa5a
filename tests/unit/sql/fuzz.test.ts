// Property test: the parser and binder only ever fail with KodiakError — never another exception
// and never a hang — for random token soups and for mutations of valid statements.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { parseSql } from "../../../sql/index.js";
import { KodiakError } from "../../../util/index.js";
import { exec, newEngine } from "./helpers.js";

const TOKENS = [
  "SELECT",
  "FROM",
  "WHERE",
  "GROUP",
  "BY",
  "ORDER",
  "HAVING",
  "LIMIT",
  "OFFSET",
  "JOIN",
  "LEFT",
  "ON",
  "USING",
  "AS",
  "INSERT",
  "INTO",
  "VALUES",
  "UPDATE",
  "SET",
  "DELETE",
  "CREATE",
  "TABLE",
  "INDEX",
  "DROP",
  "WITH",
  "RECURSIVE",
  "UNION",
  "ALL",
  "DISTINCT",
  "CASE",
  "WHEN",
  "THEN",
  "ELSE",
  "END",
  "CAST",
  "NOT",
  "NULL",
  "AND",
  "OR",
  "IN",
  "BETWEEN",
  "LIKE",
  "IS",
  "EXISTS",
  "OVER",
  "PARTITION",
  "t",
  "u",
  "a",
  "b",
  "c",
  "count",
  "sum",
  "abs",
  "coalesce",
  "(",
  ")",
  ",",
  ";",
  "*",
  "+",
  "-",
  "/",
  "%",
  "=",
  "<>",
  "<",
  ">=",
  "::",
  ".",
  "'x'",
  "'",
  '"q"',
  "1",
  "2.5",
  "-7",
  "$1",
  "int",
  "text",
  "numeric(3,1)",
  "[",
  "]",
  "{",
  "}",
  "|>",
  "->",
  "=>",
  "..",
  "--c\n",
  "/*",
  "*/",
];

const VALID = [
  "SELECT a, b FROM t WHERE a > 1 ORDER BY b DESC LIMIT 3",
  "SELECT count(*), sum(a) FROM t GROUP BY b HAVING count(*) > 1",
  "SELECT * FROM t JOIN u ON t.a = u.a WHERE u.c IN (1, 2, 3)",
  "INSERT INTO t (a, b) VALUES (1, 'x'), (2, 'y') RETURNING a",
  "UPDATE t SET b = b || 'z' WHERE a BETWEEN 1 AND 5",
  "WITH x AS (SELECT a FROM t) SELECT * FROM x UNION ALL SELECT 1",
  "SELECT CASE WHEN a IS NULL THEN 0 ELSE a END, CAST(b AS text) FROM t",
  "SELECT a, row_number() OVER (PARTITION BY b ORDER BY a) FROM t",
];

function check(e: unknown): void {
  if (!(e instanceof KodiakError)) throw new Error(`non-KodiakError thrown: ${e instanceof Error ? e.stack : String(e)}`);
  assert.match(e.code, /^[0-9A-Z]{5}$/);
}

test("random token soups only ever produce KodiakErrors from the parser", () => {
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...TOKENS), { maxLength: 40 }), (toks) => {
      try {
        parseSql(toks.join(" "));
      } catch (e) {
        check(e);
      }
    }),
    { numRuns: 400, seed: 42 },
  );
});

test("mutated valid statements only ever produce KodiakErrors from the parser and binder", async () => {
  const { session } = await newEngine();
  const s = await session();
  await exec(s, "CREATE TABLE t (a INT, b TEXT, c NUMERIC); CREATE TABLE u (a INT, c INT); INSERT INTO t VALUES (1, 'x', 1.5)");
  const mutation = fc.record({
    base: fc.constantFrom(...VALID),
    at: fc.nat(),
    del: fc.nat({ max: 6 }),
    insert: fc.array(fc.constantFrom(...TOKENS), { maxLength: 3 }),
  });
  await fc.assert(
    fc.asyncProperty(mutation, async ({ base, at, del, insert }) => {
      const i = at % (base.length + 1);
      const sql = base.slice(0, i) + (insert.length ? ` ${insert.join(" ")} ` : "") + base.slice(i + del);
      try {
        await exec(s, sql);
      } catch (e) {
        check(e);
      }
    }),
    { numRuns: 400, seed: 7 },
  );
});
