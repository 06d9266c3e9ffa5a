// The PostgreSQL side of benchmarks: PostgreSQL 15 from Debian (apt-get installed when missing),
// a fresh cluster in a temp dir on a free loopback port with fsync=on, run as the postgres user
// when we are root (PostgreSQL refuses root). The caller's Processes owns the server process.

import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { freePort, type Processes } from "./processes.js";

export const PG_BIN = process.env.KODIAK_PG_BIN ?? "/usr/lib/postgresql/15/bin";
/** Bound on the server accepting connections after start. */
const START_TIMEOUT_MS = 60_000;

function asPostgresUser(cmd: string, args: string[]): [string, string[]] {
  if (process.getuid?.() === 0) return ["runuser", ["-u", "postgres", "--", cmd, ...args]];
  return [cmd, args];
}

/** Installs the Debian postgresql-15 package when its binaries are missing. */
export function ensurePostgresInstalled(): void {
  if (existsSync(join(PG_BIN, "postgres"))) return;
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  spawnSync("apt-get", ["update"], { stdio: "inherit", env });
  const r = spawnSync("apt-get", ["install", "-y", "--no-install-recommends", "postgresql-15"], { stdio: "inherit", env });
  if (r.status !== 0 || !existsSync(join(PG_BIN, "postgres"))) throw new Error(`could not install PostgreSQL 15 (looked in ${PG_BIN})`);
}

export interface PostgresServer {
  port: number;
  /** Database pgbench should use. */
  database: string;
}

/** initdb + postgres with durable commits (fsync=on, synchronous_commit=on). */
export async function startPostgres(procs: Processes, dir: string): Promise<PostgresServer> {
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o777);
  const data = join(dir, "pgdata");
  const [initCmd, initArgs] = asPostgresUser(join(PG_BIN, "initdb"), [
    "-D",
    data,
    "-A",
    "trust",
    "-U",
    "kodiak",
    "-E",
    "UTF8",
    "--locale=C",
  ]);
  execFileSync(initCmd, initArgs, { stdio: "ignore" });
  const port = await freePort();
  const [cmd, args] = asPostgresUser(join(PG_BIN, "postgres"), [
    "-D",
    data,
    "-p",
    String(port),
    "-k",
    dir,
    "-h",
    "127.0.0.1",
    "-c",
    "fsync=on",
    "-c",
    "synchronous_commit=on",
    "-c",
    "max_connections=100",
  ]);
  procs.start(cmd, args, join(dir, "postgres.log"));
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const r = spawnSync("psql", ["-X", "-h", "127.0.0.1", "-p", String(port), "-U", "kodiak", "-d", "postgres", "-c", "SELECT 1"], {
      stdio: "ignore",
      timeout: 5000,
    });
    if (r.status === 0) break;
    if (Date.now() > deadline) throw new Error(`PostgreSQL did not accept connections within ${START_TIMEOUT_MS} ms`);
    await new Promise((res) => setTimeout(res, 200));
  }
  return { port, database: "postgres" };
}
