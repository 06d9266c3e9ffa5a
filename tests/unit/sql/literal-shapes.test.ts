// Statements that differ only in literal values are built from a cached tree: the result must be
// exactly what the grammar builds for the new text (values and every position), and shapes the
// cache cannot model exactly (type modifiers, folded negative numbers...) must keep using the grammar.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { literalShape, parseByShape, rememberShape } from "../../../sql/parser/literal-shapes.js";
import { parseSql, parseWithGrammar } from "../../../sql/parser/parse.js";

const TEMPLATES: ((l: string[]) => string)[] = [
  (l) => `SELECT l_extendedprice FROM lineitem WHERE l_orderkey = ${l[0]} AND l_linenumber = ${l[1]}`,
  (l) => `select a, b from t where c in (${l[0]}, ${l[1]}, ${l[2]}) order by 1 limit ${l[3]}`,
  (l) => `SELECT x FROM t WHERE d >= DATE ${l[4]} AND y BETWEEN ${l[0]} AND ${l[5]}`,
  (l) => `UPDATE t SET v = ${l[4]}, w = w + ${l[1]} WHERE id = ${l[2]}`,
  (l) => `DELETE FROM t WHERE name = ${l[4]} OR n > ${l[5]}`,
  (l) => `SELECT count(*) FROM "Odd ""T""" WHERE s LIKE ${l[4]} GROUP BY 1 HAVING sum(q) > ${l[0]}`,
  (l) => `INSERT INTO t (a, b) SELECT ${l[0]}, ${l[4]} FROM u WHERE k = ${l[5]} RETURNING a`,
];

const int = fc.oneof(fc.nat().map(String), fc.constantFrom("0", "7", "123456789012345678901234"));
const num = fc.tuple(fc.nat(99999), fc.nat(999)).map(([a, b]) => `${a}.${String(b).padStart(3, "0")}`);
const str = fc.string({ maxLength: 15 }).map((s) => `'${s.replace(/'/g, "''")}'`);
const lits = fc.tuple(int, int, int, int, str, fc.oneof(int, num));

test("a text of a known shape gets exactly the grammar's tree", () => {
  fc.assert(
    fc.property(fc.nat(TEMPLATES.length - 1), lits, lits, (k, first, second) => {
      const a = TEMPLATES[k](first);
      const b = TEMPLATES[k](second);
      const sa = literalShape(a);
      const sb = literalShape(b);
      assert.ok(sa !== undefined && sb !== undefined);
      if (sa.shape !== sb.shape) return; // an int against a numeric literal: different shapes
      rememberShape(a, parseWithGrammar(a));
      const built = parseByShape(b);
      assert.ok(built !== undefined, `no template for: ${b}`);
      assert.deepStrictEqual(built, parseWithGrammar(b));
    }),
    { numRuns: 300, seed: 31 },
  );
});

test("shapes whose literals are not all literal nodes keep using the grammar", () => {
  const pairs = [
    ["CREATE TABLE q1 (a VARCHAR(10))", "CREATE TABLE q1 (a VARCHAR(20))"],
    ["SELECT CAST(x AS VARCHAR(10)) FROM t WHERE a = 1", "SELECT CAST(x AS VARCHAR(20)) FROM t WHERE a = 2"],
    ["SELECT a FROM t WHERE b = -1", "SELECT a FROM t WHERE b = -2"],
    ["SELECT a::numeric(10, 2) FROM t", "SELECT a::numeric(12, 3) FROM t"],
  ];
  for (const [a, b] of pairs) {
    rememberShape(a, parseWithGrammar(a));
    assert.equal(parseByShape(b), undefined, b);
    assert.deepStrictEqual(parseSql(b), parseWithGrammar(b));
  }
  for (const t of ["SELECT $1", "SELECT 1 -- c", "SELECT E'x'", "SELECT 1e5", "SELECT .5", "SELECT {x}", "SELECT 1.", "SELECT a"]) {
    assert.equal(literalShape(t), undefined, t);
  }
});

test("errors in a text of a known shape are the grammar's", () => {
  parseSql("SELECT a FROM t WHERE b = 1");
  assert.throws(() => parseSql("SELECT a FROM t WHERE b = 'unterminated"), { code: "42601" });
  assert.deepStrictEqual(parseSql("SELECT a FROM t WHERE b = 22"), parseWithGrammar("SELECT a FROM t WHERE b = 22"));
});
