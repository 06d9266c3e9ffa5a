// Transactions: serializable by default through snapshots plus commit-time validation of read
// sets and scanned ranges — write skew and lost updates abort with 40001; a failed statement puts
// an explicit transaction into 25P02 until ROLLBACK; savepoints undo partial work.
import assert from "node:assert/strict";
import { test } from "node:test";
import { exec, failure, newEngine, rows } from "./helpers.js";

test("write skew between two concurrent sessions is prevented (one commit fails with 40001)", async () => {
  const { session } = await newEngine();
  const a = await session();
  const b = await session();
  await exec(
    a,
    "CREATE TABLE doctors (name TEXT PRIMARY KEY, on_call BOOLEAN NOT NULL); INSERT INTO doctors VALUES ('alice', true), ('bob', true)",
  );
  await exec(a, "BEGIN");
  await exec(b, "BEGIN");
  assert.deepEqual(await rows(a, "SELECT count(*) FROM doctors WHERE on_call"), [[2n]]);
  assert.deepEqual(await rows(b, "SELECT count(*) FROM doctors WHERE on_call"), [[2n]]);
  await exec(a, "UPDATE doctors SET on_call = false WHERE name = 'alice'");
  await exec(b, "UPDATE doctors SET on_call = false WHERE name = 'bob'");
  await exec(a, "COMMIT");
  const e = await failure(b, "COMMIT");
  assert.equal(e.code, "40001");
  assert.equal(b.transactionStatus(), "idle");
  assert.deepEqual(await rows(b, "SELECT count(*) FROM doctors WHERE on_call"), [[1n]]);
});

test("a lost update is prevented: the second read-modify-write commit fails with 40001", async () => {
  const { session } = await newEngine();
  const a = await session();
  const b = await session();
  await exec(a, "CREATE TABLE counter (id INT PRIMARY KEY, n INT); INSERT INTO counter VALUES (1, 0)");
  await exec(a, "BEGIN; UPDATE counter SET n = n + 1 WHERE id = 1");
  await exec(b, "BEGIN; UPDATE counter SET n = n + 1 WHERE id = 1");
  await exec(b, "COMMIT");
  assert.equal((await failure(a, "COMMIT")).code, "40001");
  assert.deepEqual(await rows(a, "SELECT n FROM counter"), [[1]]);
  // Retrying succeeds.
  await exec(a, "BEGIN; UPDATE counter SET n = n + 1 WHERE id = 1; COMMIT");
  assert.deepEqual(await rows(a, "SELECT n FROM counter"), [[2]]);
});

test("a phantom insert into a scanned range aborts the reader-writer with 40001", async () => {
  const { session } = await newEngine();
  const a = await session();
  const b = await session();
  await exec(a, "CREATE TABLE shifts (day INT, who TEXT)");
  await exec(a, "BEGIN");
  assert.deepEqual(await rows(a, "SELECT count(*) FROM shifts WHERE day = 1"), [[0n]]);
  await exec(b, "INSERT INTO shifts VALUES (1, 'bob')");
  await exec(a, "INSERT INTO shifts VALUES (1, 'alice')");
  assert.equal((await failure(a, "COMMIT")).code, "40001");
  assert.deepEqual(await rows(a, "SELECT who FROM shifts"), [["bob"]]);
});

test("snapshot reads: a transaction does not see commits made after it started", async () => {
  const { session } = await newEngine();
  const a = await session();
  const b = await session();
  await exec(a, "CREATE TABLE t (x INT); INSERT INTO t VALUES (1)");
  await exec(a, "BEGIN");
  assert.deepEqual(await rows(a, "SELECT x FROM t"), [[1]]);
  await exec(b, "INSERT INTO t VALUES (2)");
  assert.deepEqual(await rows(a, "SELECT x FROM t"), [[1]]);
  await exec(a, "COMMIT");
  assert.deepEqual(await rows(a, "SELECT x FROM t ORDER BY x"), [[1], [2]]);
});

test("a failed statement puts the transaction in 25P02 until ROLLBACK, and nothing is kept", async () => {
  const { session } = await newEngine();
  const s = await session();
  await exec(s, "CREATE TABLE t (x INT PRIMARY KEY)");
  await exec(s, "BEGIN; INSERT INTO t VALUES (1)");
  assert.equal((await failure(s, "INSERT INTO t VALUES (1)")).code, "23505");
  assert.equal(s.transactionStatus(), "failed");
  assert.equal((await failure(s, "SELECT 1")).code, "25P02");
  const r = await exec(s, "COMMIT");
  assert.equal(r[0].command, "ROLLBACK");
  assert.equal(s.transactionStatus(), "idle");
  assert.deepEqual(await rows(s, "SELECT count(*) FROM t"), [[0n]]);
});

test("savepoints: ROLLBACK TO undoes later work and leaves the failed state; RELEASE keeps it", async () => {
  const { session } = await newEngine();
  const s = await session();
  await exec(s, "CREATE TABLE t (x INT PRIMARY KEY)");
  await exec(s, "BEGIN; INSERT INTO t VALUES (1); SAVEPOINT a; INSERT INTO t VALUES (2)");
  assert.equal((await failure(s, "INSERT INTO t VALUES (2)")).code, "23505");
  await exec(s, "ROLLBACK TO SAVEPOINT a");
  assert.equal(s.transactionStatus(), "inTransaction");
  await exec(s, "INSERT INTO t VALUES (3); SAVEPOINT b; INSERT INTO t VALUES (4); RELEASE SAVEPOINT b; COMMIT");
  assert.deepEqual(await rows(s, "SELECT x FROM t ORDER BY x"), [[1], [3], [4]]);
});

test("autocommit statements are atomic: a failing multi-row insert leaves nothing behind", async () => {
  const { session } = await newEngine();
  const s = await session();
  await exec(s, "CREATE TABLE t (x INT PRIMARY KEY)");
  assert.equal((await failure(s, "INSERT INTO t VALUES (1), (2), (1)")).code, "23505");
  assert.deepEqual(await rows(s, "SELECT count(*) FROM t"), [[0n]]);
});

test("DDL is transactional: a rolled-back CREATE TABLE leaves no table", async () => {
  const { session } = await newEngine();
  const s = await session();
  await exec(s, "BEGIN; CREATE TABLE gone (x INT); INSERT INTO gone VALUES (1); ROLLBACK");
  assert.equal((await failure(s, "SELECT * FROM gone")).code, "42P01");
});
