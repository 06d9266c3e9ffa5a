// The PostgreSQL side of benchmarks: the shared test server (tests/support/postgres.ts) with durable
// commits (fsync=on, synchronous_commit=on), owned by the benchmark's Processes so it is always stopped.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { startPostgres as startServer } from "../../tests/support/postgres.js";
import type { Processes } from "./processes.js";

export { ensurePostgresInstalled, PG_BIN } from "../../tests/support/postgres.js";

export interface PostgresServer {
  port: number;
  /** Database pgbench should use. */
  database: string;
}

export async function startPostgres(procs: Processes, dir: string): Promise<PostgresServer> {
  mkdirSync(dir, { recursive: true });
  const server = await startServer({ durable: true, logFile: join(dir, "postgres.log") });
  procs.onStop(() => server.stop());
  return { port: server.port, database: server.database };
}
