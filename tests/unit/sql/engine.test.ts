// Engine behaviour through the session API: types and casts, three-valued logic, constraints,
// error codes with positions (and the session staying usable), prepared statements, jsonl.
import assert from "node:assert/strict";
import { test } from "node:test";
import { formatJsonlError, formatJsonlResult, PgOid } from "../../../sql/index.js";
import { exec, failure, newEngine, rows } from "./helpers.js";

test("integer division truncates, numeric division keeps 16 significant digits, int8 stays exact", async () => {
  const { session } = await newEngine();
  const s = await session();
  assert.deepEqual(await rows(s, "SELECT 7 / 2, -7 / 2, 7 % 3, 1.0 / 3, 9223372036854775807, 2 ^ 10"), [
    [3, -3, 1, "0.33333333333333333333", 9223372036854775807n, 1024],
  ]);
});

test("three-valued logic: NULL AND false is false, NULL OR true is true, NOT NULL is NULL, NULL IN lists", async () => {
  const { session } = await newEngine();
  const s = await session();
  assert.deepEqual(await rows(s, "SELECT NULL AND false, NULL OR true, NOT NULL::boolean, 1 IN (2, NULL), 1 NOT IN (2, 3), NULL = NULL"), [
    [false, true, null, null, true, null],
  ]);
});

test("errors carry SQLSTATE and position, change nothing and leave the session usable", async () => {
  const { session } = await newEngine();
  const s = await session();
  await exec(s, "CREATE TABLE t (id INT PRIMARY KEY, n INT NOT NULL CHECK (n >= 0), p INT REFERENCES t(id))");
  await exec(s, "INSERT INTO t VALUES (1, 1, NULL)");
  const cases: [string, string][] = [
    ["SELECT * FROM missing", "42P01"],
    ["SELECT nope FROM t", "42703"],
    ["SELECT 1 +", "42601"],
    ["SELECT 'a' + 1", "22P02"],
    ["SELECT 1 / 0", "22012"],
    ["SELECT 2147483647 + 1", "22003"],
    ["SELECT 'x'::int", "22P02"],
    ["SELECT length(1, 2, 3)", "42883"],
    ["SELECT 1 WHERE 1", "42804"],
    ["INSERT INTO t VALUES (1, 1, NULL)", "23505"],
    ["INSERT INTO t VALUES (2, NULL, NULL)", "23502"],
    ["INSERT INTO t VALUES (2, -1, NULL)", "23514"],
    ["INSERT INTO t VALUES (2, 1, 99)", "23503"],
    ["DELETE FROM t WHERE id = 1 AND false", "ok"],
  ];
  for (const [sql, code] of cases) {
    if (code === "ok") {
      await exec(s, sql);
      continue;
    }
    const e = await failure(s, sql);
    assert.equal(e.code, code, `${sql}: ${e.message}`);
  }
  assert.equal((await failure(s, "SELECT nope FROM t")).position, 8);
  assert.deepEqual(await rows(s, "SELECT id, n FROM t"), [[1, 1]]);
});

test("foreign keys block deleting a referenced row", async () => {
  const { session } = await newEngine();
  const s = await session();
  await exec(
    s,
    "CREATE TABLE p (id INT PRIMARY KEY); CREATE TABLE c (pid INT REFERENCES p(id)); INSERT INTO p VALUES (1); INSERT INTO c VALUES (1)",
  );
  assert.equal((await failure(s, "DELETE FROM p")).code, "23503");
  await exec(s, "DELETE FROM c; DELETE FROM p");
  assert.deepEqual(await rows(s, "SELECT count(*) FROM p"), [[0n]]);
});

test("joins of all kinds, subqueries, CTEs, set operations and window functions", async () => {
  const { session } = await newEngine();
  const s = await session();
  await exec(s, "CREATE TABLE a (k INT, v TEXT); CREATE TABLE b (k INT, w TEXT)");
  await exec(s, "INSERT INTO a VALUES (1, 'a1'), (2, 'a2'), (3, NULL); INSERT INTO b VALUES (2, 'b2'), (3, 'b3'), (4, 'b4')");
  assert.deepEqual(await rows(s, "SELECT a.k, b.k FROM a FULL JOIN b ON a.k = b.k ORDER BY coalesce(a.k, b.k)"), [
    [1, null],
    [2, 2],
    [3, 3],
    [null, 4],
  ]);
  assert.deepEqual(await rows(s, "SELECT k FROM a WHERE EXISTS (SELECT 1 FROM b WHERE b.k = a.k) ORDER BY k"), [[2], [3]]);
  assert.deepEqual(await rows(s, "SELECT k, w FROM a JOIN b USING (k) ORDER BY k"), [
    [2, "b2"],
    [3, "b3"],
  ]);
  assert.deepEqual(await rows(s, "SELECT k FROM a EXCEPT SELECT k FROM b"), [[1]]);
  assert.deepEqual(
    await rows(s, "WITH RECURSIVE f(n, x) AS (SELECT 1, 1 UNION ALL SELECT n + 1, x * (n + 1) FROM f WHERE n < 5) SELECT max(x) FROM f"),
    [[120]],
  );
  assert.deepEqual(await rows(s, "SELECT k, rank() OVER (ORDER BY k DESC) FROM b ORDER BY k"), [
    [2, 3n],
    [3, 2n],
    [4, 1n],
  ]);
  assert.deepEqual(await rows(s, "SELECT (SELECT max(k) FROM b WHERE b.k < a.k) FROM a ORDER BY k"), [[null], [null], [2]]);
});

test("secondary indexes are used for equality and range predicates and give the same rows", async () => {
  const { session } = await newEngine();
  const s = await session();
  await exec(s, "CREATE TABLE t (id INT PRIMARY KEY, g INT)");
  const values = Array.from({ length: 200 }, (_v, i) => `(${i}, ${i % 10})`).join(",");
  await exec(s, `INSERT INTO t VALUES ${values}`);
  const before = await rows(s, "SELECT id FROM t WHERE g = 3 AND id > 150 ORDER BY id");
  await exec(s, "CREATE INDEX t_g ON t (g)");
  const plan = await rows(s, "EXPLAIN SELECT id FROM t WHERE g = 3 AND id > 150");
  assert.ok(
    plan.some((r) => String(r[0]).includes("Index Scan")),
    JSON.stringify(plan),
  );
  assert.deepEqual(await rows(s, "SELECT id FROM t WHERE g = 3 AND id > 150 ORDER BY id"), before);
  await exec(s, "UPDATE t SET g = 99 WHERE id = 153");
  assert.deepEqual(await rows(s, "SELECT id FROM t WHERE g = 99"), [[153]]);
});

test("prepared statements with $n parameters infer parameter types and result columns", async () => {
  const { session } = await newEngine();
  const s = await session();
  await exec(s, "CREATE TABLE t (id INT PRIMARY KEY, name TEXT); INSERT INTO t VALUES (1, 'one'), (2, 'two')");
  const p = await s.prepare("SELECT name FROM t WHERE id = $1", [0]);
  assert.equal(p.paramTypes[0].oid, PgOid.int4);
  assert.deepEqual(
    p.columns?.map((c) => [c.name, c.type.oid]),
    [["name", PgOid.text]],
  );
  const r = await s.execute(p, [2]);
  assert.deepEqual(r.rows, [["two"]]);
  const ins = await s.prepare("INSERT INTO t VALUES ($1, $2) RETURNING id", [0, 0]);
  assert.deepEqual((await s.execute(ins, [3, "three"])).rows, [[3]]);
});

test("jsonl lines: query rows with PG type names, exact decimals and big int8 as strings, commands and errors", async () => {
  const { session } = await newEngine();
  const s = await session();
  const [q] = await exec(s, "SELECT 1 AS a, 1.50 AS b, 9007199254740993 AS c, 'x' AS d, NULL AS e");
  assert.equal(
    formatJsonlResult(q),
    '{"columns":["a","b","c","d","e"],"types":["int4","numeric","int8","text","text"],"rows":[[1,"1.50","9007199254740993","x",null]]}',
  );
  const [, ins] = await exec(s, "CREATE TABLE t (x INT); INSERT INTO t VALUES (1), (2)");
  assert.equal(formatJsonlResult(ins), '{"command":"INSERT","rows_affected":2}');
  const e = await failure(s, "SELECT * FROM nope");
  assert.equal(formatJsonlError(e), '{"error":{"code":"42P01","message":"relation \\"nope\\" does not exist","position":15}}');
});

test("ALTER TABLE adds, renames and drops columns; views see base-table changes", async () => {
  const { session } = await newEngine();
  const s = await session();
  await exec(s, "CREATE TABLE t (a INT); INSERT INTO t VALUES (1); CREATE VIEW v AS SELECT a FROM t WHERE a > 0");
  await exec(s, "ALTER TABLE t ADD COLUMN b TEXT DEFAULT 'z'; ALTER TABLE t RENAME COLUMN b TO c");
  assert.deepEqual(await rows(s, "SELECT a, c FROM t"), [[1, "z"]]);
  await exec(s, "ALTER TABLE t DROP COLUMN c; INSERT INTO t VALUES (2)");
  assert.deepEqual(await rows(s, "SELECT * FROM v ORDER BY a"), [[1], [2]]);
  assert.equal((await failure(s, "INSERT INTO v VALUES (3)")).code, "55000");
});

test("COPY FROM STDIN (csv) inserts rows and COPY TO STDOUT renders them", async () => {
  const { session } = await newEngine();
  const s = await session();
  await exec(s, "CREATE TABLE t (a INT, b TEXT)");
  const [r] = await exec(s, "COPY t FROM STDIN WITH (FORMAT csv)");
  assert.ok(r.copyIn);
  r.copyIn.sink.write(new TextEncoder().encode('1,hello\n2,"a,b"\n3,\n'));
  assert.equal(await r.copyIn.sink.finish(), 3);
  const [out] = await exec(s, "COPY t TO STDOUT WITH (FORMAT csv)");
  const chunks: Uint8Array[] = [];
  for await (const c of out.copyOut!.data) chunks.push(c);
  assert.equal(Buffer.concat(chunks).toString(), '1,hello\n2,"a,b"\n3,\n');
});

test("index ranges with bounds of another numeric type give the same rows as a full scan", async () => {
  const { session } = await newEngine();
  const s = await session();
  await exec(
    s,
    "CREATE TABLE t (i INT, f FLOAT8, n NUMERIC(6,2)); CREATE INDEX ti ON t (i); CREATE INDEX tf ON t (f); CREATE INDEX tn ON t (n)",
  );
  await exec(s, "INSERT INTO t VALUES (-2, -2.5, -2.25), (-1, -1, -1), (0, 0, 0), (1, 1.5, 1.50), (2, 2, 2), (NULL, NULL, NULL)");
  const preds = [
    "i > 1.5",
    "i >= -1.5",
    "i < -1.5",
    "i <= 0.5",
    "i = 1.0",
    "i = 1.5",
    "f > 1",
    "f <= 1.5",
    "n >= 1.5",
    "n < 2",
    "i BETWEEN -1.5 AND 1.5",
    "i IN (1, 2.0, 3.5)",
  ];
  for (const p of preds) {
    const indexed = await rows(s, `SELECT i FROM t WHERE ${p} ORDER BY i`);
    const scanned = await rows(s, `SELECT i FROM t WHERE (${p}) OR false ORDER BY i`);
    assert.deepEqual(indexed, scanned, p);
  }
});

test("ANALYZE statistics drive join order; every FROM order gives the same rows", async () => {
  const { session } = await newEngine();
  const s = await session();
  await exec(s, "CREATE TABLE big (id INT PRIMARY KEY, g INT); CREATE TABLE mid (g INT, h INT); CREATE TABLE small (h INT, name TEXT)");
  await exec(s, `INSERT INTO big VALUES ${Array.from({ length: 300 }, (_v, i) => `(${i}, ${i % 30})`).join(",")}`);
  await exec(s, `INSERT INTO mid VALUES ${Array.from({ length: 30 }, (_v, i) => `(${i}, ${i % 3})`).join(",")}`);
  await exec(s, "INSERT INTO small VALUES (0, 'zero'), (1, 'one')");
  await exec(s, "ANALYZE");
  const orders = ["big, mid, small", "small, mid, big", "mid, big, small"];
  const results = [];
  for (const o of orders) {
    results.push(await rows(s, `SELECT name, count(*) FROM ${o} WHERE big.g = mid.g AND mid.h = small.h GROUP BY name ORDER BY name`));
  }
  assert.deepEqual(results[0], [
    ["one", 100n],
    ["zero", 100n],
  ]);
  assert.deepEqual(results[1], results[0]);
  assert.deepEqual(results[2], results[0]);
  const plan = (await rows(s, "EXPLAIN SELECT * FROM big, mid, small WHERE big.g = mid.g AND mid.h = small.h")).map((r) => String(r[0]));
  const scans = plan.filter((l) => l.includes("Scan on"));
  assert.match(scans[0], /small/, plan.join("\n"));
});

test("statement_timeout cancels a long statement with 57014 and the session stays usable", async () => {
  const { session } = await newEngine();
  const s = await session();
  await exec(s, "SET statement_timeout = 20");
  const e = await failure(s, "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r");
  assert.equal(e.code, "57014");
  await exec(s, "SET statement_timeout = 0");
  assert.deepEqual(await rows(s, "SELECT 1"), [[1]]);
});

test("a correlated subquery probes an index with the outer value (index nested loop)", async () => {
  const { session } = await newEngine();
  const s = await session();
  await exec(s, "CREATE TABLE o (id INT PRIMARY KEY, k INT); CREATE TABLE i (k INT, v INT); CREATE INDEX i_k ON i (k)");
  await exec(s, `INSERT INTO o VALUES ${Array.from({ length: 50 }, (_v, n) => `(${n}, ${n % 7})`).join(",")}`);
  await exec(s, `INSERT INTO i VALUES ${Array.from({ length: 70 }, (_v, n) => `(${n % 10}, ${n})`).join(",")}`);
  const q = "SELECT id, (SELECT sum(v) FROM i WHERE i.k = o.k) FROM o ORDER BY id";
  const expected = await rows(s, "SELECT id, (SELECT sum(v) FROM i WHERE i.k + 0 = o.k) FROM o ORDER BY id");
  assert.deepEqual(await rows(s, q), expected);
  assert.equal(expected.length, 50);
  assert.ok(expected.every((r) => r[1] !== null));
});

test("intervals normalize and combine with dates and timestamps as in PostgreSQL", async () => {
  const { session } = await newEngine();
  const s = await session();
  assert.deepEqual(
    await rows(
      s,
      "SELECT '24 hours'::interval, '1 year 2 months 3 days'::interval, '2024-01-31 10:00:00'::timestamp + interval '1 month', '2024-03-01'::date - interval '1 day', '2024-03-01 12:00'::timestamp - '2024-02-28 00:00'::timestamp, interval '1 day' * 2.5, interval '2 days' > interval '47 hours'",
    ),
    [["24:00:00", "1 year 2 mons 3 days", "2024-02-29 10:00:00", "2024-02-29 00:00:00", "2 days 12:00:00", "2 days 12:00:00", true]],
  );
  assert.deepEqual(
    await rows(
      s,
      "SELECT extract(year FROM '2024-05-06'::date), date_part('dow', '2024-05-06 00:00:00'::timestamp), date_trunc('month', '2024-05-06 11:22:33'::timestamp)",
    ),
    [["2024", 1, "2024-05-01 00:00:00"]],
  );
});
