// EXPLAIN shows the subqueries a query runs from its expressions: "InitPlan n (returns $m)" for an
// uncorrelated one (run once), "SubPlan n" for a correlated one (run per outer row), each with its
// own plan tree; EXPLAIN ANALYZE counts a SubPlan's loops.
import assert from "node:assert/strict";
import { test } from "node:test";
import { exec, newEngine, rows } from "./helpers.js";

async function setup() {
  const { session } = await newEngine();
  const s = await session();
  await exec(s, "CREATE TABLE t (id INT PRIMARY KEY, g INT); CREATE TABLE u (id INT PRIMARY KEY, tid INT)");
  await exec(
    s,
    "INSERT INTO t SELECT i, i % 3 FROM generate_series(1, 20) s(i); INSERT INTO u SELECT i, i * 2 FROM generate_series(1, 10) s(i)",
  );
  return s;
}

const plan = async (s: Awaited<ReturnType<typeof setup>>, q: string): Promise<string[]> => (await rows(s, q)).map((r) => r[0] as string);

test("scalar, IN and EXISTS subqueries appear as InitPlan or SubPlan with their plans", async () => {
  const s = await setup();
  const scalar = await plan(s, "EXPLAIN SELECT id FROM t WHERE g = (SELECT max(tid) FROM u)");
  assert.equal(scalar.filter((l) => /InitPlan 1 \(returns \$0\)/.test(l)).length, 1, scalar.join("\n"));
  const i = scalar.findIndex((l) => l.includes("InitPlan 1"));
  assert.match(scalar[i + 1], /->\s+Project/);
  assert.ok(scalar.slice(i).some((l) => /Aggregate/.test(l)) && scalar.slice(i).some((l) => /Seq Scan on u/.test(l)), scalar.join("\n"));

  const inList = await plan(s, "EXPLAIN SELECT id FROM t WHERE id IN (SELECT tid FROM u)");
  assert.ok(
    inList.some((l) => /^\s+InitPlan 1 \(returns \$0\)$/.test(l)),
    inList.join("\n"),
  );

  const exists = await plan(s, "EXPLAIN SELECT id FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.tid = t.id)");
  assert.ok(
    exists.some((l) => /^\s+SubPlan 1$/.test(l)),
    exists.join("\n"),
  );
  assert.ok(!exists.some((l) => /InitPlan/.test(l)));

  const nested = await plan(
    s,
    "EXPLAIN SELECT id, (SELECT count(*) FROM u) FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.tid = t.id AND u.id > (SELECT min(id) FROM t))",
  );
  const labels = nested.filter((l) => /Plan \d/.test(l)).map((l) => l.trim());
  assert.deepEqual(labels.sort(), ["InitPlan 2 (returns $1)", "InitPlan 3 (returns $2)", "SubPlan 1"]);
  // The innermost InitPlan belongs to the correlated subquery: it is indented below SubPlan 1.
  const sub = nested.findIndex((l) => l.trim() === "SubPlan 1");
  const init = nested.findIndex((l) => l.trim().startsWith("InitPlan 2"));
  assert.ok(init > sub && nested[init].search(/\S/) > nested[sub].search(/\S/), nested.join("\n"));
});

test("EXPLAIN ANALYZE reports a correlated SubPlan's loops, an InitPlan runs once", async () => {
  const s = await setup();
  const lines = await plan(
    s,
    "EXPLAIN ANALYZE SELECT id FROM t WHERE id <= 4 AND EXISTS (SELECT 1 FROM u WHERE u.tid = t.id) AND g <= (SELECT max(g) FROM t)",
  );
  const sub = lines.findIndex((l) => l.trim() === "SubPlan 1" || l.trim() === "SubPlan 2");
  assert.ok(sub >= 0, lines.join("\n"));
  assert.match(lines[sub + 1], /loops=4\)/, lines.join("\n"));
  const init = lines.findIndex((l) => /InitPlan \d \(returns/.test(l));
  assert.match(lines[init + 1], /loops=1\)/, lines.join("\n"));
  assert.deepEqual(await rows(s, "SELECT id FROM t WHERE id <= 4 AND EXISTS (SELECT 1 FROM u WHERE u.tid = t.id) ORDER BY id"), [[2], [4]]);
});
