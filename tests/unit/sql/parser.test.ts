// Parser: statements parse into the expected AST shapes, syntax errors are 42601 with the
// offending token and a 1-based position, and repeated texts come from the statement cache.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseSql, parseStatement } from "../../../sql/index.js";
import { KodiakError } from "../../../util/index.js";

function syntaxError(sql: string): KodiakError {
  try {
    parseSql(sql);
  } catch (e) {
    assert.ok(e instanceof KodiakError);
    return e;
  }
  assert.fail(`expected a syntax error: ${sql}`);
}

test("a script splits into statements with their source spans", () => {
  const st = parseSql("SELECT 1; INSERT INTO t VALUES (1);  ;DROP TABLE t");
  assert.deepEqual(
    st.map((s) => s.statement.kind),
    ["query", "insert", "drop"],
  );
  assert.equal(st[1].text, "INSERT INTO t VALUES (1)");
});

test("operator precedence follows PostgreSQL: AND binds tighter than OR, BETWEEN takes its own AND", () => {
  const q = parseStatement("SELECT a OR b AND c, x BETWEEN 1 AND 2 AND y").statement;
  assert.equal(q.kind, "query");
  if (q.kind !== "query" || q.body.kind !== "select") return;
  const [i1, i2] = q.body.items;
  assert.ok(i1.kind === "expr" && i1.expr.kind === "or" && i1.expr.right.kind === "and");
  assert.ok(i2.kind === "expr" && i2.expr.kind === "and" && i2.expr.left.kind === "between");
});

test("unquoted identifiers fold to lower case, quoted ones keep their case", () => {
  const q = parseStatement('SELECT Foo, "Bar" FROM T').statement;
  assert.ok(q.kind === "query" && q.body.kind === "select");
  if (q.kind !== "query" || q.body.kind !== "select") return;
  const names = q.body.items.map((i) => (i.kind === "expr" && i.expr.kind === "column" ? i.expr.parts[0] : ""));
  assert.deepEqual(names, ["foo", "Bar"]);
});

test("a syntax error is 42601 with the offending token, line, column and 1-based position", () => {
  const e = syntaxError("SELECT 1,\n  FROM t WHERE");
  assert.equal(e.code, "42601");
  assert.match(e.message, /"FROM" \(line 2, column 3\)/);
  assert.equal(e.position, 13);
  const end = syntaxError("SELECT (1");
  assert.equal(end.code, "42601");
  assert.match(end.message, /end of input/);
  assert.equal(end.position, 10);
});

test("PL-Grizzly keywords stay usable as column names", () => {
  const q = parseStatement("SELECT match, try, let, cron FROM job").statement;
  assert.equal(q.kind, "query");
});

test("`1..5` lexes as a range (no decimal point without a digit after it)", () => {
  // PL-Grizzly: `1..5` is the range expression (docs/pl-grizzly.md 1, 4.2), built as a PL node.
  const st = parseSql("SELECT 1..5")[0]!.statement;
  assert.equal(st.kind, "query");
  const body = st.kind === "query" ? st.body : undefined;
  const item = body?.kind === "select" ? body.items[0] : undefined;
  assert.deepEqual(item?.kind === "expr" ? item.expr : undefined, { kind: "pl", pos: 7, text: "1..5" });
});

test("the statement cache returns the same parse for the same text", () => {
  const a = parseSql("SELECT 42 AS answer");
  const b = parseSql("SELECT 42 AS answer");
  assert.equal(a, b);
});

test("literals: integers, decimals, strings with doubled quotes, E-strings, dollar quotes", () => {
  const q = parseStatement("SELECT 1_000, 1.5e3, 'it''s', E'a\\nb', $$x'y$$, 0x1F").statement;
  assert.ok(q.kind === "query" && q.body.kind === "select");
  if (q.kind !== "query" || q.body.kind !== "select") return;
  const lits = q.body.items.map((i) => (i.kind === "expr" && i.expr.kind === "literal" ? i.expr.value : undefined));
  assert.deepEqual(lits, [
    { type: "int", text: "1000" },
    { type: "numeric", text: "1.5e3" },
    { type: "string", text: "it's" },
    { type: "string", text: "a\nb" },
    { type: "string", text: "x'y" },
    { type: "int", text: "31" },
  ]);
});
