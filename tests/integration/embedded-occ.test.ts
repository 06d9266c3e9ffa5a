// Optimistic concurrency on the real replicated path (embedded: single-voter Raft group on disk):
// a commit whose reads were already overwritten fails with 40001 before it is proposed, so doomed
// commits add nothing to the Raft log; a non-conflicting commit still goes through.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, it } from "node:test";
import { openEmbeddedDatabase } from "../../coordinator/sql-host/index.js";
import type { SqlSession } from "../../sql/index.js";
import { KodiakError } from "../../util/index.js";

const dir = mkdtempSync(join(tmpdir(), "kodiak-embedded-occ-"));
after(() => rmSync(dir, { recursive: true, force: true }));

async function exec(s: SqlSession, sql: string): Promise<void> {
  for await (const _r of s.run(sql)) {
    // drain
  }
}

it("a commit whose reads were overwritten is rejected with 40001 without a log entry", async () => {
  const db = await openEmbeddedDatabase({ dir });
  try {
    const a = await db.engine.openSession({ user: "t", database: "kodiak" });
    const b = await db.engine.openSession({ user: "t", database: "kodiak" });
    await exec(a, "CREATE TABLE branches (bid INT PRIMARY KEY, bbalance INT)");
    await exec(a, "INSERT INTO branches VALUES (1, 0), (2, 0)");
    await exec(a, "BEGIN");
    await exec(b, "BEGIN");
    await exec(a, "UPDATE branches SET bbalance = bbalance + 1 WHERE bid = 1");
    await exec(b, "UPDATE branches SET bbalance = bbalance + 10 WHERE bid = 1");
    await exec(a, "COMMIT");
    const last = db.runtime.status().lastIndex;
    await assert.rejects(exec(b, "COMMIT"), (e: unknown) => e instanceof KodiakError && e.code === "40001");
    assert.equal(db.runtime.status().lastIndex, last, "the doomed commit was not proposed");
    // Disjoint rows do not conflict.
    await exec(a, "BEGIN");
    await exec(b, "BEGIN");
    await exec(a, "UPDATE branches SET bbalance = bbalance + 1 WHERE bid = 1");
    await exec(b, "UPDATE branches SET bbalance = bbalance + 1 WHERE bid = 2");
    await exec(a, "COMMIT");
    await exec(b, "COMMIT");
    let got: unknown;
    for await (const r of a.run("SELECT sum(bbalance) FROM branches")) got = r.rows?.[0]?.[0];
    assert.equal(got, 3n);
    await a.close();
    await b.close();
  } finally {
    await db.close();
  }
});
