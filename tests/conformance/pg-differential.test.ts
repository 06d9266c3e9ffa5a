// Differential test against a real PostgreSQL 15 started for this run: >= 2,000 generated queries
// (joins, aggregates, subqueries, NULLs, ORDER BY + LIMIT, set operations, windows) must give the
// same rows or the same error code; each mismatch is printed as a minimal reproducer.
import assert from "node:assert/strict";
import { test } from "node:test";
import { runDifferential } from "../differential/run.js";
import { startPostgres } from "../differential/pg-server.js";

const SEED = Number(process.env.KODIAK_DIFF_SEED ?? 20261125);
const SCHEMAS = 10;
const QUERIES_PER_SCHEMA = 210;

test("Kodiak agrees with PostgreSQL on 2,100 generated queries", { timeout: 170_000 }, async () => {
  const server = await startPostgres();
  try {
    const client = await server.connect();
    try {
      const t0 = performance.now();
      const rep = await runDifferential(client, SEED, SCHEMAS, QUERIES_PER_SCHEMA);
      console.log(
        `differential: seed ${SEED}, ${rep.queries} queries, ${rep.mismatches.length} mismatches, ${((performance.now() - t0) / 1000).toFixed(1)} s`,
      );
      for (const m of rep.mismatches) console.log(m);
      assert.ok(rep.queries >= 2000);
      assert.deepEqual(rep.mismatches, []);
    } finally {
      await client.end();
    }
  } finally {
    await server.stop();
  }
});
