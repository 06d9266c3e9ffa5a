// `npm run test:differential`: a longer differential run against PostgreSQL than `npm test` does.
// Options via env: KODIAK_DIFF_SEED (default: time-based), KODIAK_DIFF_SCHEMAS, KODIAK_DIFF_QUERIES.
import { runDifferential } from "./run.js";
import { startPostgres } from "./pg-server.js";

const seed = Number(process.env.KODIAK_DIFF_SEED ?? Date.now() % 1_000_000);
const schemas = Number(process.env.KODIAK_DIFF_SCHEMAS ?? 100);
const perSchema = Number(process.env.KODIAK_DIFF_QUERIES ?? 200);
const server = await startPostgres();
let failed = false;
try {
  const client = await server.connect();
  try {
    const t0 = performance.now();
    const rep = await runDifferential(client, seed, schemas, perSchema, 30);
    for (const m of rep.mismatches) process.stdout.write(`${m}\n\n`);
    process.stdout.write(
      `differential: seed ${seed}, ${rep.queries} queries, ${rep.mismatches.length} mismatches, ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
    );
    failed = rep.mismatches.length > 0;
  } finally {
    await client.end();
  }
} finally {
  await server.stop();
}
process.exit(failed ? 1 : 0);
