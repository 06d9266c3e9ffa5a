// Kodiak behind the PostgreSQL wire protocol for benchmarks: a 3-node cluster of `kodiak node`
// processes plus a pgwire server process over RemoteSqlEngine, or one embedded (single-node)
// database behind a pgwire server process. All processes belong to the caller's Processes.

import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { freePorts, type Processes, waitFor } from "./processes.js";

/**
 * Node flags for benchmarks: a leader busy for seconds with a bulk statement (pgbench -i loads
 * 100k rows in one transaction) must not be deposed meanwhile, so the election timeout is long.
 */
export const BENCH_NODE_ARGS = ["--election-ticks", "150", "--request-timeout-ms", "120000"];
/** Bound on a leader being elected and accepting SQL sessions. */
const READY_TIMEOUT_MS = 60_000;

export interface PgEndpoint {
  port: number;
  database: string;
}

/** Starts the pgwire server process and waits for its "listening" line. */
async function startPgwire(procs: Processes, root: string, dir: string, engineArgs: string[]): Promise<number> {
  const log = join(dir, "pgwire.log");
  procs.start(process.execPath, [join(root, "dist", "bench", "support", "kodiak-pgwire-server.js"), ...engineArgs], log, {
    ...process.env,
    KODIAK_LOG_LEVEL: "warn",
  });
  return waitFor("the Kodiak pgwire server", READY_TIMEOUT_MS, async () => {
    const m = /pgwire listening on [^:]+:(\d+)/.exec(readFileSync(log, "utf8"));
    if (m === null) throw new Error("not listening yet");
    return Number(m[1]);
  });
}

/** Waits until a SQL statement succeeds through pgwire (a leader is elected and serving). */
async function waitForSql(port: number, database: string): Promise<void> {
  await waitFor("Kodiak to answer SQL", READY_TIMEOUT_MS, async () => {
    const r = spawnSync("psql", ["-X", "-h", "127.0.0.1", "-p", String(port), "-U", "kodiak", "-d", database, "-c", "SELECT 1"], {
      encoding: "utf8",
      timeout: 15_000,
    });
    if (r.status !== 0) throw new Error(r.stderr.trim());
  });
}

export async function startKodiakClusterPg(procs: Processes, root: string, dir: string, members = 3): Promise<PgEndpoint> {
  mkdirSync(dir, { recursive: true });
  const ports = await freePorts(members);
  const peers = ports.map((p, i) => `${i + 1}=127.0.0.1:${p}`).join(",");
  for (let i = 0; i < members; i++) {
    const data = join(dir, `node-${i + 1}`);
    procs.start(
      process.execPath,
      [
        join(root, "bin", "kodiak.js"),
        "node",
        "--id",
        String(i + 1),
        "--data",
        data,
        "--listen",
        `127.0.0.1:${ports[i]}`,
        "--peers",
        peers,
        ...BENCH_NODE_ARGS,
      ],
      join(dir, `node-${i + 1}.log`),
      { ...process.env, KODIAK_LOG_LEVEL: "warn" },
    );
  }
  const port = await startPgwire(procs, root, dir, ["--nodes", peers]);
  await waitForSql(port, "kodiak");
  return { port, database: "kodiak" };
}

export async function startKodiakSinglePg(procs: Processes, root: string, dir: string): Promise<PgEndpoint> {
  mkdirSync(dir, { recursive: true });
  const port = await startPgwire(procs, root, dir, ["--embedded", join(dir, "data")]);
  await waitForSql(port, "kodiak");
  return { port, database: "kodiak" };
}
