// Planner shortcuts that must not change results: scans decoding only the columns a query names
// (and filtering before decoding the rest), inner joins planned as a FROM list with their ON
// conditions pushed to the scans, point gets for full primary keys, and literal-shape parsing.
import assert from "node:assert/strict";
import { test } from "node:test";
import { exec, failure, newEngine, rows } from "./helpers.js";

async function fixture() {
  const { session } = await newEngine();
  const s = await session();
  await exec(s, "CREATE TABLE a (id INT PRIMARY KEY, x INT, name TEXT, amount NUMERIC(10,2), tag TEXT)");
  await exec(s, "CREATE TABLE b (a_id INT, seq INT, v TEXT, x INT, PRIMARY KEY (a_id, seq))");
  await exec(s, "CREATE TABLE c (id INT PRIMARY KEY, label TEXT)");
  await exec(s, "INSERT INTO a VALUES (1, 10, 'one', 1.50, 'p'), (2, 20, 'two', 2.25, 'q'), (3, NULL, 'three', NULL, 'p')");
  await exec(s, "INSERT INTO b VALUES (1, 1, 'b11', 5), (1, 2, 'b12', 6), (2, 1, 'b21', 7), (3, 1, 'b31', NULL)");
  await exec(s, "INSERT INTO c VALUES (5, 'five'), (7, 'seven')");
  return s;
}

test("scans decode what the query names: filters, projections, whole rows, correlated subqueries", async () => {
  const s = await fixture();
  assert.deepEqual(await rows(s, "SELECT name FROM a WHERE x > 15"), [["two"]]);
  assert.deepEqual(await rows(s, "SELECT count(*) FROM a WHERE tag = 'p'"), [[2n]]);
  assert.deepEqual(await rows(s, "SELECT sum(amount) FROM a WHERE x IS NOT NULL"), [["3.75"]]);
  assert.deepEqual(await rows(s, "SELECT * FROM a WHERE id = 2"), [[2, 20, "two", "2.25", "q"]]);
  assert.deepEqual(await rows(s, "SELECT t.* FROM a t WHERE t.id = 1"), [[1, 10, "one", "1.50", "p"]]);
  assert.deepEqual(
    await rows(s, "SELECT name FROM a WHERE (SELECT count(*) FROM b WHERE b.a_id = a.id AND b.x > a.x - 14) > 0 ORDER BY name"),
    [["one"], ["two"]],
  );
  assert.deepEqual(await rows(s, "SELECT n FROM a AS t(i, n) WHERE i = 3"), [[null]]);
  assert.deepEqual(await rows(s, "SELECT name FROM a ORDER BY amount DESC NULLS LAST, id LIMIT 1"), [["two"]]);
  // DML reads whole rows and writes them back unchanged apart from SET.
  await exec(s, "UPDATE a SET x = x + 1 WHERE tag = 'p'");
  assert.deepEqual(await rows(s, "SELECT * FROM a ORDER BY id"), [
    [1, 11, "one", "1.50", "p"],
    [2, 20, "two", "2.25", "q"],
    [3, null, "three", null, "p"],
  ]);
});

test("inner joins with ON conditions: same rows as nested joins, outer joins untouched", async () => {
  const s = await fixture();
  assert.deepEqual(
    await rows(s, "SELECT a.name, b.v, c.label FROM a JOIN b ON b.a_id = a.id JOIN c ON c.id = b.x WHERE a.tag = 'p' ORDER BY b.v"),
    [["one", "b11", "five"]],
  );
  assert.deepEqual(await rows(s, "SELECT count(*) FROM a JOIN b ON a.id = b.a_id AND b.seq = 1 CROSS JOIN c"), [[6n]]);
  assert.deepEqual(await rows(s, "SELECT * FROM c JOIN b ON b.x = c.id ORDER BY c.id"), [
    [5, "five", 1, 1, "b11", 5],
    [7, "seven", 2, 1, "b21", 7],
  ]);
  assert.deepEqual(
    await rows(s, "SELECT a.id, c.label FROM a LEFT JOIN b ON b.a_id = a.id AND b.seq = 2 LEFT JOIN c ON c.id = b.x ORDER BY a.id"),
    [
      [1, null],
      [2, null],
      [3, null],
    ],
  );
  // Both a and b have x: inside `a JOIN b` the bare name is ambiguous, as in PostgreSQL.
  assert.equal((await failure(s, "SELECT 1 FROM a JOIN b ON x = 5")).code, "42702");
  // An ON condition may not name a table outside its join.
  assert.equal((await failure(s, "SELECT 1 FROM (a JOIN b ON b.a_id = c.id) JOIN c ON true")).code, "42P01");
  assert.equal((await failure(s, "SELECT 1 FROM a JOIN b ON a.id")).code, "42804");
});

test("full primary keys are point reads; partial keys and other types still range scans", async () => {
  const s = await fixture();
  assert.deepEqual(await rows(s, "SELECT v FROM b WHERE a_id = 1 AND seq = 2"), [["b12"]]);
  assert.deepEqual(await rows(s, "SELECT v FROM b WHERE seq = 1 AND a_id = 3"), [["b31"]]);
  assert.deepEqual(await rows(s, "SELECT v FROM b WHERE a_id = 1 AND seq = 9"), []);
  assert.deepEqual(await rows(s, "SELECT v FROM b WHERE a_id = 1 AND seq = NULL"), []);
  assert.deepEqual(await rows(s, "SELECT v FROM b WHERE a_id = 1 AND seq = 1.5"), []);
  assert.deepEqual(await rows(s, "SELECT v FROM b WHERE a_id = 1 ORDER BY seq"), [["b11"], ["b12"]]);
  const plan = await rows(s, "EXPLAIN SELECT v FROM b WHERE a_id = 1 AND seq = 2");
  assert.ok(
    plan.some((r) => String(r[0]).includes("a_id, seq = ...")),
    JSON.stringify(plan),
  );
  // Same text shape, different literals: each gets its own values and error positions.
  for (let i = 1; i <= 3; i++) assert.deepEqual(await rows(s, `SELECT name FROM a WHERE id = ${i}`), [[["one", "two", "three"][i - 1]]]);
  const e = await failure(s, "SELECT name FROM a WHERE id = 1 AND name = 12345678901234567890 + 'x'");
  assert.equal(e.code, "22P02");
});
