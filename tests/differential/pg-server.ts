// Starts a throwaway PostgreSQL 15 (initdb + postgres) in a temp dir on a free loopback port for
// differential tests, as the postgres user when we run as root (PostgreSQL refuses root), and
// always cleans up: stop() kills the server and removes the directory.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

const BIN = process.env.KODIAK_PG_BIN ?? "/usr/lib/postgresql/15/bin";
/** Bound on waiting for the server to accept connections. */
const START_TIMEOUT_MS = 30_000;

export interface PgServer {
  readonly port: number;
  connect(): Promise<pg.Client>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function asPostgresUser(cmd: string, args: string[]): [string, string[]] {
  if (process.getuid?.() === 0) return ["runuser", ["-u", "postgres", "--", cmd, ...args]];
  return [cmd, args];
}

export async function startPostgres(): Promise<PgServer> {
  if (!existsSync(join(BIN, "postgres"))) throw new Error(`PostgreSQL binaries not found in ${BIN} (set KODIAK_PG_BIN)`);
  const dir = mkdtempSync(join(tmpdir(), "kodiak-pg-"));
  chmodSync(dir, 0o777);
  const data = join(dir, "data");
  const [initCmd, initArgs] = asPostgresUser(join(BIN, "initdb"), [
    "-D",
    data,
    "-A",
    "trust",
    "-U",
    "kodiak",
    "--no-sync",
    "-E",
    "UTF8",
    "--locale=C",
  ]);
  execFileSync(initCmd, initArgs, { stdio: "ignore" });
  const port = await freePort();
  const [cmd, args] = asPostgresUser(join(BIN, "postgres"), [
    "-D",
    data,
    "-p",
    String(port),
    "-k",
    dir,
    "-h",
    "127.0.0.1",
    "-c",
    "fsync=off",
    "-c",
    "synchronous_commit=off",
    "-c",
    "full_page_writes=off",
  ]);
  const child: ChildProcess = spawn(cmd, args, { stdio: "ignore", detached: false });
  const connect = async (): Promise<pg.Client> => {
    const c = new pg.Client({ host: "127.0.0.1", port, user: "kodiak", database: "postgres", connectionTimeoutMillis: 5000 });
    await c.connect();
    return c;
  };
  const stop = async (): Promise<void> => {
    try {
      const [stopCmd, stopArgs] = asPostgresUser(join(BIN, "pg_ctl"), ["-D", data, "-m", "immediate", "-w", "-t", "10", "stop"]);
      execFileSync(stopCmd, stopArgs, { stdio: "ignore" });
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
      return { port, connect, stop };
    } catch (e) {
      if (Date.now() > deadline || child.exitCode !== null) {
        await stop();
        throw new Error(`PostgreSQL did not start: ${String(e)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
