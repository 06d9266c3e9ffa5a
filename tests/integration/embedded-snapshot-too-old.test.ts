// MVCC GC seen from SQL (embedded: single-voter Raft group on disk, GC retention made tiny): a
// transaction whose snapshot falls below the GC horizon while it waits gets 72000 "snapshot too
// old" on its next read or on COMMIT, never rows from a pruned snapshot, and the session is usable
// again after ROLLBACK.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, it } from "node:test";
import { openEmbeddedDatabase } from "../../coordinator/sql-host/index.js";
import type { SqlSession } from "../../sql/index.js";
import { KodiakError } from "../../util/index.js";

const dir = mkdtempSync(join(tmpdir(), "kodiak-embedded-gc-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Versions stay readable for 4 log entries; the horizon moves every 2. */
const gc = { retentionEntries: 4, stepEntries: 2 };

async function rows(s: SqlSession, sql: string): Promise<unknown[][]> {
  const out: unknown[][] = [];
  for await (const r of s.run(sql)) out.push(...(r.rows ?? []));
  return out;
}

function snapshotTooOld(e: unknown): boolean {
  return e instanceof KodiakError && e.code === "72000" && /snapshot too old/.test(e.message);
}

/** Enough single-statement commits on another session to move the horizon past any older snapshot. */
async function advanceHorizon(other: SqlSession): Promise<void> {
  for (let i = 0; i < 12; i++) await rows(other, `UPDATE t SET v = v + 1 WHERE k = 1`);
}

it("a read below the GC horizon fails with 72000 and the session recovers after ROLLBACK", async () => {
  const db = await openEmbeddedDatabase({ dir: join(dir, "read"), gc });
  try {
    const a = await db.engine.openSession({ user: "t", database: "kodiak" });
    const b = await db.engine.openSession({ user: "t", database: "kodiak" });
    await rows(a, "CREATE TABLE t (k INT PRIMARY KEY, v INT)");
    await rows(a, "INSERT INTO t VALUES (1, 0), (2, 0)");
    await rows(a, "BEGIN");
    assert.deepEqual(await rows(a, "SELECT v FROM t WHERE k = 1"), [[0]]);
    await advanceHorizon(b);
    await assert.rejects(rows(a, "SELECT v FROM t ORDER BY k"), snapshotTooOld);
    // The failed transaction stays aborted until ROLLBACK (25P02), like any failed statement.
    await assert.rejects(rows(a, "SELECT 1"), (e: unknown) => e instanceof KodiakError && e.code === "25P02");
    await rows(a, "ROLLBACK");
    assert.deepEqual(await rows(a, "SELECT k, v FROM t ORDER BY k"), [
      [1, 12],
      [2, 0],
    ]);
    await a.close();
    await b.close();
  } finally {
    await db.close();
  }
});

it("a commit whose reads fell below the GC horizon fails with 72000 and writes nothing", async () => {
  const db = await openEmbeddedDatabase({ dir: join(dir, "commit"), gc });
  try {
    const a = await db.engine.openSession({ user: "t", database: "kodiak" });
    const b = await db.engine.openSession({ user: "t", database: "kodiak" });
    await rows(a, "CREATE TABLE t (k INT PRIMARY KEY, v INT)");
    await rows(a, "INSERT INTO t VALUES (1, 0), (2, 0)");
    await rows(a, "BEGIN");
    assert.deepEqual(await rows(a, "SELECT v FROM t WHERE k = 2"), [[0]]);
    await rows(a, "UPDATE t SET v = 100 WHERE k = 2");
    await advanceHorizon(b);
    await assert.rejects(rows(a, "COMMIT"), snapshotTooOld);
    assert.deepEqual(await rows(a, "SELECT v FROM t WHERE k = 2"), [[0]], "the rejected commit wrote nothing");
    await rows(a, "BEGIN");
    await rows(a, "UPDATE t SET v = 7 WHERE k = 2");
    await rows(a, "COMMIT");
    assert.deepEqual(await rows(b, "SELECT v FROM t WHERE k = 2"), [[7]]);
    await a.close();
    await b.close();
  } finally {
    await db.close();
  }
});
