// The statements `pgbench -i` sends beyond plain DML: CREATE TABLE ... WITH (fillfactor=...),
// TRUNCATE, VACUUM, COPY ... WITH (freeze on) and ALTER TABLE ADD PRIMARY KEY on a loaded table.
import assert from "node:assert/strict";
import { test } from "node:test";
import { exec, failure, newEngine, rows } from "./helpers.js";

test("CREATE TABLE accepts storage parameters (WITH (fillfactor=100)) and ignores them", async () => {
  const { session } = await newEngine();
  const s = await session();
  await exec(s, "create table t (id int not null, filler char(84)) with (fillfactor=100)");
  await exec(s, "insert into t values (1, 'x')");
  assert.deepEqual(await rows(s, "select id from t"), [[1]]);
});

test("TRUNCATE removes every row of each table, transactionally, and keeps the tables usable", async () => {
  const { session } = await newEngine();
  const s = await session();
  await exec(s, "create table a (id int primary key); create table b (x int)");
  await exec(s, "insert into a values (1), (2); insert into b values (7)");
  await exec(s, "begin; truncate table a, b; rollback");
  assert.deepEqual(await rows(s, "select count(*) from a"), [[2n]]);
  const r = await exec(s, "truncate a, b");
  assert.equal(r[0]?.command, "TRUNCATE TABLE");
  assert.deepEqual(await rows(s, "select (select count(*) from a), (select count(*) from b)"), [[0n, 0n]]);
  await exec(s, "insert into a values (1)");
  assert.deepEqual(await rows(s, "select id from a"), [[1]]);
  assert.equal((await failure(s, "truncate missing")).code, "42P01");
});

test("VACUUM and VACUUM ANALYZE check their tables and refuse to run in a transaction block", async () => {
  const { session } = await newEngine();
  const s = await session();
  await exec(s, "create table t (id int)");
  assert.equal((await exec(s, "vacuum analyze t"))[0]?.command, "VACUUM");
  assert.equal((await exec(s, "vacuum (freeze, verbose) t"))[0]?.command, "VACUUM");
  assert.equal((await exec(s, "vacuum"))[0]?.command, "VACUUM");
  assert.equal((await failure(s, "vacuum missing")).code, "42P01");
  await exec(s, "begin");
  assert.equal((await failure(s, "vacuum t")).code, "25001");
  await exec(s, "rollback");
});

test("ALTER TABLE ADD PRIMARY KEY rekeys a loaded table: lookups, updates and uniqueness use the new key", async () => {
  const { session } = await newEngine();
  const s = await session();
  await exec(s, "create table acc (aid int not null, bid int, abalance int, filler char(84)) with (fillfactor=100)");
  const copy = (await exec(s, "copy acc from stdin with (freeze on)"))[0];
  assert.ok(copy?.copyIn !== undefined);
  const lines = Array.from({ length: 50 }, (_, i) => `${i + 1}\t1\t0\t\n`).join("");
  copy.copyIn.sink.write(new TextEncoder().encode(lines));
  assert.equal(await copy.copyIn.sink.finish(), 50);
  await exec(s, "create index acc_bid on acc (bid)");
  await exec(s, "alter table acc add primary key (aid)");
  assert.equal((await failure(s, "insert into acc values (7, 1, 0, '')")).code, "23505");
  await exec(s, "update acc set abalance = abalance + 5 where aid = 7");
  assert.deepEqual(await rows(s, "select aid, abalance from acc where aid = 7"), [[7, 5]]);
  assert.deepEqual(await rows(s, "select count(*), sum(abalance) from acc where bid = 1"), [[50n, 5n]]);
  assert.equal((await failure(s, "alter table acc add primary key (bid)")).code, "42P16");
  const e = await (async () => {
    await exec(s, "create table dup (k int)");
    await exec(s, "insert into dup values (1), (1)");
    return failure(s, "alter table dup add primary key (k)");
  })();
  assert.equal(e.code, "23505");
  await exec(s, "create table nul (k int)");
  await exec(s, "insert into nul values (NULL)");
  assert.equal((await failure(s, "alter table nul add primary key (k)")).code, "23502");
});

test("a prepared UPDATE/INSERT/DELETE without RETURNING reports its parameters with inferred types", async () => {
  const { session } = await newEngine();
  const s = await session();
  await exec(s, "create table acc (aid int primary key, abalance int, note text)");
  await exec(s, "insert into acc values (1, 10, 'a')");
  const upd = await s.prepare("UPDATE acc SET abalance = abalance + $1 WHERE aid = $2", []);
  assert.deepEqual(
    upd.paramTypes.map((t) => t.name),
    ["int4", "int4"],
  );
  assert.equal((await s.execute(upd, [5, 1])).rowCount, 1);
  const ins = await s.prepare("INSERT INTO acc (aid, abalance, note) VALUES ($1, $2, $3)", []);
  assert.deepEqual(
    ins.paramTypes.map((t) => t.name),
    ["int4", "int4", "text"],
  );
  await s.execute(ins, [2, 3, "b"]);
  const del = await s.prepare("DELETE FROM acc WHERE note = $1", []);
  assert.equal(del.paramTypes.length, 1);
  assert.equal((await s.execute(del, ["b"])).rowCount, 1);
  assert.deepEqual(await rows(s, "select aid, abalance from acc"), [[1, 15]]);
});
