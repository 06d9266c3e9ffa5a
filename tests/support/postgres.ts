// One way to run a throwaway PostgreSQL 15 (Debian package) for tests and benchmarks: initdb into a
// temp dir, postgres on a free loopback port, run as the postgres user when we are root (PostgreSQL
// refuses root). Differential tests want it fast (fsync off); benchmarks want it honest (fsync on).
// stop() always kills the server and removes its directory.
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { chmodSync, createWriteStream, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { freePort } from "./cluster.js";

export const PG_BIN = process.env.KODIAK_PG_BIN ?? "/usr/lib/postgresql/15/bin";
/** Bound on waiting for the server to accept connections. */
const START_TIMEOUT_MS = 60_000;

export interface PostgresOptions {
  /** fsync and synchronous commit on (benchmarks) or off (differential tests). */
  readonly durable: boolean;
  /** Where the server's output goes; discarded when absent. */
  readonly logFile?: string;
  readonly maxConnections?: number;
}

export interface PgServer {
  readonly port: number;
  /** The database clients should use. */
  readonly database: string;
  readonly child: ChildProcess;
  connect(): Promise<pg.Client>;
  stop(): Promise<void>;
}

function asPostgresUser(cmd: string, args: string[]): [string, string[]] {
  if (process.getuid?.() === 0) return ["runuser", ["-u", "postgres", "--", cmd, ...args]];
  return [cmd, args];
}

/** Installs the Debian postgresql-15 package when its binaries are missing (benchmarks only). */
export function ensurePostgresInstalled(): void {
  if (existsSync(join(PG_BIN, "postgres"))) return;
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  spawnSync("apt-get", ["update"], { stdio: "inherit", env });
  const r = spawnSync("apt-get", ["install", "-y", "--no-install-recommends", "postgresql-15"], { stdio: "inherit", env });
  if (r.status !== 0 || !existsSync(join(PG_BIN, "postgres"))) throw new Error(`could not install PostgreSQL 15 (looked in ${PG_BIN})`);
}

export async function startPostgres(options: PostgresOptions): Promise<PgServer> {
  if (!existsSync(join(PG_BIN, "postgres"))) throw new Error(`PostgreSQL binaries not found in ${PG_BIN} (set KODIAK_PG_BIN)`);
  const dir = mkdtempSync(join(tmpdir(), "kodiak-pg-"));
  chmodSync(dir, 0o777);
  const data = join(dir, "data");
  const initArgs = ["-D", data, "-A", "trust", "-U", "kodiak", "-E", "UTF8", "--locale=C"];
  if (!options.durable) initArgs.push("--no-sync");
  execFileSync(...asPostgresUser(join(PG_BIN, "initdb"), initArgs), { stdio: "ignore" });
  const port = await freePort();
  const sync = options.durable ? "on" : "off";
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
    `fsync=${sync}`,
    "-c",
    `synchronous_commit=${sync}`,
    "-c",
    `full_page_writes=${sync}`,
    "-c",
    `max_connections=${options.maxConnections ?? 100}`,
  ]);
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
  if (options.logFile !== undefined) {
    const log = createWriteStream(options.logFile, { flags: "a" });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
  } else {
    child.stdout?.resume();
    child.stderr?.resume();
  }
  const connect = async (): Promise<pg.Client> => {
    const c = new pg.Client({ host: "127.0.0.1", port, user: "kodiak", database: "postgres", connectionTimeoutMillis: 5000 });
    await c.connect();
    return c;
  };
  const stop = async (): Promise<void> => {
    try {
      execFileSync(...asPostgresUser(join(PG_BIN, "pg_ctl"), ["-D", data, "-m", "immediate", "-w", "-t", "10", "stop"]), {
        stdio: "ignore",
      });
    } catch {
      child.kill("SIGKILL");
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    try {
      const c = await connect();
      await c.end();
      return { port, database: "postgres", child, connect, stop };
    } catch (e) {
      if (Date.now() > deadline || child.exitCode !== null) {
        await stop();
        throw new Error(`PostgreSQL did not start: ${String(e)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
