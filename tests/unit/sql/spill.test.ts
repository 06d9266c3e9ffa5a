// Sorts, hash joins, hash aggregation and DISTINCT bounded by work_mem: the same queries give the
// same results with a tiny work_mem (forcing temp files) and a large one; temp files are created,
// then removed at statement end, on error and on session close; temp_file_limit is enforced.
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import type { SqlSession, SqlValue } from "../../../sql/index.js";
import { KvSqlEngine, MemoryKvStore } from "../../../sql/index.js";
import { ByteSink, decodeRowAt, encodeRow, spillCounters } from "../../../sql/plan/spill/index.js";
import { Decimal } from "../../../sql/types/decimal.js";
import type { Row } from "../../../sql/types/values.js";
import { exec, failure, rows } from "./helpers.js";

const tempDir = mkdtempSync(join(tmpdir(), "kodiak-spill-test-"));
after(() => rmSync(tempDir, { recursive: true, force: true }));

const ROWS = 3000;

async function loadedSession(): Promise<SqlSession> {
  const engine = new KvSqlEngine(new MemoryKvStore(), { tempDir });
  const s = await engine.openSession({ user: "test", database: "test" });
  await exec(
    s,
    `CREATE TABLE t (id INT PRIMARY KEY, g INT, big BIGINT, n NUMERIC(20,4), name TEXT, b BYTEA, d DATE, tags INT[], j JSONB, f DOUBLE PRECISION);
     INSERT INTO t SELECT i,
       CASE WHEN i % 17 = 0 THEN NULL ELSE i % 251 END,
       i::bigint * 3000000000,
       CASE WHEN i % 13 = 0 THEN NULL ELSE (i * 7 % 1000)::numeric / 8 END,
       CASE WHEN i % 11 = 0 THEN NULL ELSE 'name-' || (i * 37 % 997)::text || repeat('x', i % 40) END,
       CASE WHEN i % 7 = 0 THEN NULL ELSE ('\\x' || lpad((i % 4096)::text, 4, '0'))::bytea END,
       DATE '2020-01-01' + (i % 400),
       ARRAY[i % 5, i % 3],
       ('{"k": ' || (i % 9)::text || '}')::jsonb,
       CASE WHEN i % 19 = 0 THEN NULL ELSE (i % 100) * 0.25 END
     FROM generate_series(1, ${ROWS}) AS s(i);
     CREATE TABLE u (id INT PRIMARY KEY, tid INT, label TEXT);
     INSERT INTO u SELECT i, CASE WHEN i % 23 = 0 THEN NULL ELSE (i * 3) % (${ROWS} + 500) END, 'u' || i::text
     FROM generate_series(1, ${ROWS}) AS s(i);`,
  );
  return s;
}

/** Order-insensitive form of a result (for queries without a total ORDER BY). */
function canonical(rs: SqlValue[][]): string[] {
  return rs.map((r) => JSON.stringify(r, (_k, v) => (typeof v === "bigint" ? `${v}n` : v instanceof Uint8Array ? [...v] : v))).sort();
}

const ORDERED = [
  "SELECT id, name FROM t ORDER BY name, id",
  "SELECT id, name, n FROM t ORDER BY name DESC NULLS LAST, n NULLS FIRST, id",
  "SELECT id, g, f FROM t ORDER BY g NULLS FIRST, f DESC, id",
  "SELECT id, b, d FROM t ORDER BY b DESC, d, id",
  "SELECT DISTINCT ON (g) g, id, name FROM t ORDER BY g, id DESC",
  "SELECT id, row_number() OVER (PARTITION BY g ORDER BY name, id) FROM t ORDER BY id",
  "SELECT g, count(*), sum(n), string_agg(name, ',' ORDER BY id) FROM t GROUP BY g ORDER BY g NULLS FIRST",
  "SELECT id, tags, j, big FROM t ORDER BY tags DESC, id",
  // Window output keeps input order: compared exactly, no ORDER BY.
  "SELECT id, sum(id) OVER (PARTITION BY g), rank() OVER (PARTITION BY g ORDER BY name), lag(name) OVER (PARTITION BY g ORDER BY id) FROM t",
];
const UNORDERED = [
  "SELECT g, count(*), count(DISTINCT name), avg(n), min(name), max(d), array_agg(id ORDER BY id), bool_and(id > 5), stddev_samp(f) FROM t GROUP BY g",
  "SELECT name, g, count(*) FROM t GROUP BY name, g",
  "SELECT DISTINCT name, g FROM t",
  "SELECT t.id, u.id, u.label FROM t JOIN u ON u.tid = t.id",
  "SELECT t.id, u.id FROM t LEFT JOIN u ON u.tid = t.id",
  "SELECT t.id, u.id FROM t RIGHT JOIN u ON u.tid = t.id AND t.g > 10",
  "SELECT t.id, u.id FROM t FULL JOIN u ON u.tid = t.id",
  "SELECT count(*), sum(t.big) FROM t JOIN u ON u.tid = t.id JOIN t AS t2 ON t2.g = t.g",
];

test("queries give identical results with a tiny work_mem (spilling) and a large one, and temp files are removed", async () => {
  const s = await loadedSession();
  const results = new Map<string, SqlValue[][]>();
  await exec(s, "SET SESSION work_mem = '1GB'");
  for (const q of [...ORDERED, ...UNORDERED]) results.set(q, await rows(s, q));
  const before = spillCounters.filesCreated;
  // The plain form (no SESSION) must reach the setting, not become a PL-Grizzly variable.
  await exec(s, "SET work_mem = '64kB'");
  assert.deepEqual(await rows(s, "SHOW work_mem"), [["64kB"]]);
  for (const q of ORDERED) {
    const created = spillCounters.filesCreated;
    assert.deepEqual(await rows(s, q), results.get(q), q);
    assert.ok(spillCounters.filesCreated > created, `no temp file for: ${q}`);
    assert.deepEqual(readdirSync(tempDir), [], `temp files left after: ${q}`);
  }
  for (const q of UNORDERED) {
    const got = await rows(s, q);
    assert.equal(got.length, results.get(q)!.length, q);
    assert.deepEqual(canonical(got), canonical(results.get(q)!), q);
    assert.deepEqual(readdirSync(tempDir), [], `temp files left after: ${q}`);
  }
  assert.ok(spillCounters.filesCreated > before);
  assert.equal(spillCounters.filesCreated, spillCounters.filesRemoved);
  await s.close();
});

test("EXPLAIN ANALYZE says when a sort, aggregation or hash join spilled", async () => {
  const s = await loadedSession();
  const plan = async (q: string) => (await rows(s, `EXPLAIN ANALYZE ${q}`)).map((r) => r[0] as string).join("\n");
  assert.match(await plan("SELECT id FROM t ORDER BY name"), /Sort Method: quicksort {2}Memory: \d+kB/);
  await exec(s, "SET SESSION work_mem = 64");
  assert.match(await plan("SELECT id FROM t ORDER BY name"), /Sort Method: external merge {2}Disk: \d+kB/);
  assert.match(await plan("SELECT name, count(*) FROM t GROUP BY name"), /HashAggregate[^\n]*\n\s+Batches: \d+ {2}Disk Usage: \d+kB/);
  assert.match(
    await plan("SELECT t.id, u.id FROM t JOIN u ON u.tid = t.id"),
    /Hash Join[^\n]*\n(\s+.*\n)?\s+Batches: \d+ {2}Disk Usage: \d+kB/,
  );
  assert.deepEqual(readdirSync(tempDir), []);
});

test("temp_file_limit bounds temp space with 53400; files are removed and the session stays usable", async () => {
  const s = await loadedSession();
  await exec(s, "SET SESSION work_mem = '64kB'");
  await exec(s, "SET SESSION temp_file_limit = '100kB'");
  const e = await failure(s, "SELECT id, name FROM t ORDER BY name");
  assert.equal(e.code, "53400");
  assert.match(e.message, /temporary file size exceeds temp_file_limit \(100kB\)/);
  assert.deepEqual(readdirSync(tempDir), []);
  await exec(s, "BEGIN");
  assert.equal((await failure(s, "SELECT g, count(*) FROM t GROUP BY g, name")).code, "53400");
  await exec(s, "ROLLBACK; RESET temp_file_limit");
  assert.equal((await rows(s, "SELECT count(*) FROM (SELECT id FROM t ORDER BY name) AS x"))[0][0], BigInt(ROWS));
  assert.deepEqual(readdirSync(tempDir), []);
});

test("work_mem and temp_file_limit take PostgreSQL memory units and show normalized", async () => {
  const s = await loadedSession();
  const show = async (n: string) => (await rows(s, `SHOW ${n}`))[0][0];
  assert.equal(await show("work_mem"), "64MB");
  await exec(s, "SET SESSION work_mem = '4096kB'");
  assert.equal(await show("work_mem"), "4MB");
  await exec(s, "SET SESSION work_mem = 100");
  assert.equal(await show("work_mem"), "100kB");
  await exec(s, "SET SESSION work_mem = '1GB'");
  assert.equal(await show("work_mem"), "1GB");
  await exec(s, "SET SESSION temp_file_limit = -1");
  assert.equal(await show("temp_file_limit"), "-1");
  assert.equal((await failure(s, "SET SESSION work_mem = '4mb'")).code, "22023");
  assert.equal((await failure(s, "SET SESSION work_mem = '10kB'")).code, "22023");
  assert.equal((await failure(s, "SET SESSION work_mem = 'lots'")).code, "22023");
  assert.equal(await show("work_mem"), "1GB");
});

test("the spill row codec round-trips every value kind exactly", () => {
  const values: Row = [
    null,
    true,
    false,
    0,
    -0,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    1.5e-300,
    2147483647,
    -(2n ** 63n),
    2n ** 63n - 1n,
    0n,
    "",
    "héllo 🐻 \u0000 end",
    new Decimal(-123456789012345678901234567890n, 12),
    new Decimal(0n, 3),
    new Uint8Array([0, 1, 255]),
    new Uint8Array(0),
    [1, null, ["a", [2n, new Decimal(5n, 1)]]],
    [],
    '{"a": [1, 2, null]}',
    "2024-02-29",
  ];
  const sink = new ByteSink(8);
  encodeRow(sink, values);
  encodeRow(sink, []);
  const first = decodeRowAt(sink.buf, 0);
  assert.deepEqual(first.row, values);
  assert.ok(Object.is(first.row[4], -0));
  const second = decodeRowAt(sink.buf, first.next);
  assert.deepEqual(second.row, []);
  assert.equal(second.next, sink.length);
});

test("spill files left by a dead process are removed when a session first spills there", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kodiak-spill-sweep-"));
  try {
    const stale = "kodiak_tmp_99999999_0_0.spill";
    const other = "unrelated.txt";
    writeFileSync(join(dir, stale), "x");
    writeFileSync(join(dir, other), "y");
    const engine = new KvSqlEngine(new MemoryKvStore(), { tempDir: dir });
    const s = await engine.openSession({ user: "test", database: "test" });
    await exec(s, "SET SESSION work_mem = '64kB'");
    const r = await rows(s, "SELECT i FROM generate_series(1, 20000) AS g(i) ORDER BY i DESC LIMIT 1");
    assert.deepEqual(r, [[20000]]);
    assert.deepEqual(readdirSync(dir), [other]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
