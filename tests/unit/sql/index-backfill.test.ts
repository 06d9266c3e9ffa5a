// CREATE INDEX outside a transaction block backfills in chunks, each its own commit, so it works
// on tables whose index would not fit in one replicated command; UNIQUE duplicates fail cleanly
// and leave no index behind; writes during the build are indexed.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { CommitRequest, KeyRange, KvEntry, KvStore, SqlSession } from "../../../sql/index.js";
import { KvSqlEngine, MemoryKvStore } from "../../../sql/index.js";
import { backfillCounters } from "../../../sql/engine/index-backfill.js";
import { KodiakError, SqlState } from "../../../util/index.js";
import { exec, failure, rows } from "./helpers.js";

/** A store with a (small) command size limit, like the Raft runtime's MAX_COMMAND_BYTES (54000). */
class LimitedStore implements KvStore {
  readonly inner = new MemoryKvStore();
  largestCommitBytes = 0;
  constructor(readonly maxCommandBytes: number) {}
  snapshotTimestamp(): bigint {
    return this.inner.snapshotTimestamp();
  }
  get(key: Uint8Array, ts: bigint): KvEntry | undefined {
    return this.inner.get(key, ts);
  }
  scan(range: KeyRange, ts: bigint): Iterable<KvEntry> {
    return this.inner.scan(range, ts);
  }
  allocateId(sequence?: string): bigint {
    return this.inner.allocateId(sequence);
  }
  async commit(request: CommitRequest): Promise<bigint> {
    let bytes = 0;
    for (const w of request.writes.values()) bytes += w.key.length + (w.value?.length ?? 0);
    if (bytes > this.maxCommandBytes) {
      throw new KodiakError(SqlState.programLimitExceeded, `command of ${bytes} bytes exceeds ${this.maxCommandBytes}`);
    }
    this.largestCommitBytes = Math.max(this.largestCommitBytes, bytes);
    await new Promise((r) => setImmediate(r)); // a real store answers later: let other sessions run
    return this.inner.commit(request);
  }
  countEntries(): number {
    let n = 0;
    for (const _e of this.inner.scan(
      { start: new Uint8Array([0]), end: new Uint8Array([0xff, 0xff, 0xff, 0xff]) },
      this.inner.snapshotTimestamp(),
    ))
      n++;
    return n;
  }
}

const LIMIT_BYTES = 200 * 1024;
const ROWS = 4000;

async function setup(): Promise<{ store: LimitedStore; s: SqlSession; other: SqlSession }> {
  const store = new LimitedStore(LIMIT_BYTES);
  const engine = new KvSqlEngine(store);
  const s = await engine.openSession({ user: "test", database: "test" });
  const other = await engine.openSession({ user: "test", database: "test" });
  await exec(s, "CREATE TABLE t (id INT PRIMARY KEY, k INT, pad TEXT)");
  for (let i = 0; i < ROWS; i += 500) {
    await exec(s, `INSERT INTO t SELECT i, i % 1000, repeat('p', 60) FROM generate_series(${i + 1}, ${i + 500}) s(i)`);
  }
  await exec(s, "SET SESSION index_backfill_chunk_size = '64kB'");
  return { store, s, other };
}

test("an index too large for one command is built in chunked commits and then used", async () => {
  const { store, s } = await setup();
  await exec(s, "BEGIN");
  await exec(s, "CREATE INDEX t_k_once ON t (k)");
  assert.equal((await failure(s, "COMMIT")).code, "54000", "a one-transaction build must exceed the command limit");
  const chunks = backfillCounters.chunksCommitted;
  await exec(s, "CREATE INDEX t_k ON t (k)");
  assert.ok(backfillCounters.chunksCommitted - chunks >= 4, `chunks: ${backfillCounters.chunksCommitted - chunks}`);
  assert.ok(store.largestCommitBytes <= LIMIT_BYTES);
  const plan = (await rows(s, "EXPLAIN SELECT id FROM t WHERE k = 7")).map((r) => r[0]).join("\n");
  assert.match(plan, /Index Scan using t_k/);
  assert.deepEqual(await rows(s, "SELECT id FROM t WHERE k = 7 ORDER BY id"), [[7], [1007], [2007], [3007]]);
  assert.deepEqual(await rows(s, "SELECT count(*) FROM t WHERE k >= 0"), [[BigInt(ROWS)]]);
  // Writes after the build keep the index current.
  await exec(s, "INSERT INTO t VALUES (100001, 7, 'x'); DELETE FROM t WHERE id = 7; UPDATE t SET k = 7 WHERE id = 8");
  assert.deepEqual(await rows(s, "SELECT id FROM t WHERE k = 7 ORDER BY id"), [[8], [1007], [2007], [3007], [100001]]);
});

test("a UNIQUE index over duplicates fails with 23505 and leaves no index or entries behind", async () => {
  const { store, s } = await setup();
  const before = store.countEntries();
  const e = await failure(s, "CREATE UNIQUE INDEX t_k_key ON t (k)");
  assert.equal(e.code, "23505");
  assert.match(e.message, /could not create unique index "t_k_key"/);
  assert.match(e.detail ?? "", /Key \(k\)=\(\d+\) is duplicated\./);
  assert.equal(store.countEntries(), before);
  assert.match((await rows(s, "EXPLAIN SELECT id FROM t WHERE k = 7")).map((r) => r[0]).join("\n"), /Seq Scan on t/);
  // The same name is free again; a unique index over unique values builds and then enforces.
  await exec(s, "CREATE UNIQUE INDEX t_k_key ON t (k, id)");
  await exec(s, "CREATE TABLE small (a INT PRIMARY KEY, b INT); INSERT INTO small VALUES (1, 10), (2, 20), (3, NULL), (4, NULL)");
  await exec(s, "CREATE UNIQUE INDEX small_b ON small (b)");
  assert.equal((await failure(s, "INSERT INTO small VALUES (5, 20)")).code, "23505");
  assert.deepEqual(await rows(s, "SELECT a FROM small WHERE b = 20"), [[2]]);
});

test("rows written by another session while the index builds are in the index", async () => {
  const { s, other } = await setup();
  let building = true;
  let writesDuringBuild = 0;
  const writes = (async () => {
    for (let i = 0; i < 30; i++) {
      for (let attempt = 0; ; attempt++) {
        try {
          await exec(other, `INSERT INTO t VALUES (${200000 + i}, 7, 'w')`);
          if (building) writesDuringBuild++;
          break;
        } catch (e) {
          if (!(e instanceof KodiakError) || e.code !== "40001" || attempt > 50) throw e;
        }
      }
      for (let attempt = 0; ; attempt++) {
        try {
          await exec(other, `UPDATE t SET k = 999 WHERE id = ${1 + i * 100}`);
          break;
        } catch (e) {
          if (!(e instanceof KodiakError) || e.code !== "40001" || attempt > 50) throw e;
        }
      }
    }
  })();
  const build = exec(s, "CREATE INDEX t_k ON t (k)").finally(() => {
    building = false;
  });
  await Promise.all([build, writes]);
  assert.ok(writesDuringBuild > 0, "no write interleaved with the build");
  const viaIndex = await rows(s, "SELECT id, k FROM t WHERE k >= 0 ORDER BY id");
  const viaTable = await rows(s, "SELECT id, k FROM t WHERE k + 0 >= 0 ORDER BY id");
  assert.match((await rows(s, "EXPLAIN SELECT id, k FROM t WHERE k >= 0")).map((r) => r[0]).join("\n"), /Index Scan using t_k/);
  assert.equal(viaIndex.length, ROWS + 30);
  assert.deepEqual(viaIndex, viaTable);
});
