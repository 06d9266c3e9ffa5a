// `kodiak start`: a local development cluster — N `kodiak node` processes and one
// `kodiak coordinator` as children on loopback ports, endpoints printed, then the REPL. Ctrl-D,
// .exit or SIGTERM stop everything (bounded). Ports are remembered in DATA/cluster.json so a
// second start on the same data directory reopens the same cluster.

import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync, closeSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { RemoteBackend } from "./cli/backend.js";
import { defaultHistoryFile } from "./repl/history.js";
import { runShell } from "./repl/shell.js";

/** Bounds of startup and shutdown. */
const COORDINATOR_START_TIMEOUT_MS = 20_000;
const LEADER_TIMEOUT_MS = 20_000;
const CHILD_STOP_TIMEOUT_MS = 5_000;
const MAX_NODES = 9;

const USAGE = `usage: kodiak start [--nodes N] [--data DIR] [--no-repl] [--grpc-port P] [--pg-port P] [--http-port P]

Starts N storage nodes (default 3) and a coordinator on 127.0.0.1, prints the endpoints and opens
the SQL REPL. Ctrl-D or SIGTERM stops everything. --no-repl keeps the cluster in the foreground
until SIGTERM. The same --data (default ./kodiak-data) reopens the same cluster.
`;

interface StartFlags {
  nodes: number;
  data: string;
  repl: boolean;
  grpcPort: number | undefined;
  pgPort: number | undefined;
  httpPort: number | undefined;
}

/** Saved in DATA/cluster.json: node ports are part of the cluster's identity. */
interface ClusterLayout {
  nodes: { id: number; port: number }[];
  grpcPort: number;
  pgPort: number;
  httpPort: number;
}

export function parseStartFlags(argv: string[]): StartFlags | "help" {
  const f: StartFlags = { nodes: 3, data: "./kodiak-data", repl: true, grpcPort: undefined, pgPort: undefined, httpPort: undefined };
  const port = (v: string | undefined, flag: string) => {
    const p = Number(v);
    if (!Number.isInteger(p) || p < 1 || p > 65535) throw new Error(`${flag} needs a port in 1..65535`);
    return p;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--help" || a === "-h") return "help";
    if (a === "--no-repl") f.repl = false;
    else if (a === "--nodes") {
      f.nodes = Number(argv[++i]);
      if (!Number.isInteger(f.nodes) || f.nodes < 1 || f.nodes > MAX_NODES) throw new Error(`--nodes must be 1..${MAX_NODES}`);
    } else if (a === "--data") f.data = argv[++i] ?? "";
    else if (a === "--grpc-port") f.grpcPort = port(argv[++i], a);
    else if (a === "--pg-port") f.pgPort = port(argv[++i], a);
    else if (a === "--http-port") f.httpPort = port(argv[++i], a);
    else throw new Error(`unknown option ${a}`);
  }
  if (f.data === "") throw new Error("--data needs a directory");
  return f;
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      const p = typeof a === "object" && a !== null ? a.port : 0;
      s.close(() => res(p));
    });
  });
}

async function layoutFor(flags: StartFlags): Promise<ClusterLayout> {
  const file = join(flags.data, "cluster.json");
  if (existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, "utf8")) as ClusterLayout;
    return {
      ...saved,
      grpcPort: flags.grpcPort ?? saved.grpcPort,
      pgPort: flags.pgPort ?? saved.pgPort,
      httpPort: flags.httpPort ?? saved.httpPort,
    };
  }
  const nodes = [];
  for (let id = 1; id <= flags.nodes; id++) nodes.push({ id, port: await freePort() });
  const layout = {
    nodes,
    grpcPort: flags.grpcPort ?? (await freePort()),
    pgPort: flags.pgPort ?? (await freePort()),
    httpPort: flags.httpPort ?? (await freePort()),
  };
  mkdirSync(flags.data, { recursive: true });
  writeFileSync(file, `${JSON.stringify(layout, null, 1)}\n`);
  return layout;
}

class Children {
  readonly procs: ChildProcess[] = [];

  spawn(args: string[], logFile: string, stdout: "pipe" | "ignore" = "ignore"): ChildProcess {
    const bin = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "bin", "kodiak.js");
    const log = openSync(logFile, "a");
    // Own process group: Ctrl-C at the REPL cancels a statement instead of reaching the cluster.
    const p = spawn(process.execPath, [bin, ...args], { stdio: ["ignore", stdout, log], detached: true });
    closeSync(log);
    this.procs.push(p);
    if (this.procs.length === 1) process.once("exit", () => this.killAll());
    return p;
  }

  /** Last resort when this process exits without stop(): no child outlives it. */
  killAll(): void {
    for (const p of this.procs) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
  }

  /** SIGTERM everyone, then SIGKILL whoever is still there after the bound. */
  async stop(): Promise<void> {
    const alive = this.procs.filter((p) => p.exitCode === null && p.signalCode === null);
    const exits = alive.map((p) => new Promise<void>((r) => p.once("exit", () => r())));
    for (const p of alive) p.kill("SIGTERM");
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(exits), new Promise<void>((r) => (timer = setTimeout(r, CHILD_STOP_TIMEOUT_MS)))]);
    clearTimeout(timer);
    for (const p of alive) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
  }
}

function firstLine(p: ChildProcess, what: string, timeoutMs: number): Promise<string> {
  return new Promise((res, rej) => {
    let buf = "";
    const t = setTimeout(() => rej(new Error(`${what} did not start within ${timeoutMs} ms`)), timeoutMs);
    p.stdout?.on("data", (d: Buffer) => {
      buf += d.toString();
      const i = buf.indexOf("\n");
      if (i >= 0) {
        clearTimeout(t);
        res(buf.slice(0, i));
      }
    });
    p.once("exit", (code) => {
      clearTimeout(t);
      rej(new Error(`${what} exited with code ${code}`));
    });
  });
}

export async function main(argv: string[]): Promise<number> {
  let flags: StartFlags | "help";
  try {
    flags = parseStartFlags(argv);
  } catch (e) {
    process.stderr.write(`kodiak start: ${e instanceof Error ? e.message : String(e)}\n\n${USAGE}`);
    return 2;
  }
  if (flags === "help") {
    process.stdout.write(USAGE);
    return 0;
  }
  const data = resolve(flags.data);
  const layout = await layoutFor({ ...flags, data });
  const peers = layout.nodes.map((n) => `${n.id}=127.0.0.1:${n.port}`).join(",");
  const children = new Children();
  const out = flags.repl ? process.stderr : process.stdout;
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await children.stop();
  };
  process.once("SIGTERM", () => void stop().then(() => process.exit(0)));
  try {
    for (const n of layout.nodes) {
      const dir = join(data, `node${n.id}`);
      children.spawn(
        ["node", "--id", String(n.id), "--data", dir, "--listen", `127.0.0.1:${n.port}`, "--peers", peers],
        join(data, `node${n.id}.log`),
      );
    }
    const coord = children.spawn(
      [
        "coordinator",
        "--nodes",
        peers,
        "--grpc",
        `127.0.0.1:${layout.grpcPort}`,
        "--http",
        `127.0.0.1:${layout.httpPort}`,
        "--pg",
        `127.0.0.1:${layout.pgPort}`,
        "--id",
        "coordinator-1",
      ],
      join(data, "coordinator.log"),
      "pipe",
    );
    await firstLine(coord, "the coordinator", COORDINATOR_START_TIMEOUT_MS);
    const url = `kodiak://127.0.0.1:${layout.grpcPort}/`;
    const backend = new RemoteBackend(`127.0.0.1:${layout.grpcPort}`, url);
    try {
      const deadline = Date.now() + LEADER_TIMEOUT_MS;
      let leader = 0;
      while (leader === 0 && Date.now() < deadline) {
        leader = (await backend.client.clusterStatus().catch(() => undefined))?.leaderId ?? 0;
        if (leader === 0) await new Promise((r) => setTimeout(r, 200));
      }
      out.write(
        [
          `Kodiak: ${layout.nodes.length} node(s), data in ${data}${leader !== 0 ? `, leader node ${leader}` : " (no leader yet)"}`,
          `  gRPC   ${url}`,
          `  pgwire psql "host=127.0.0.1 port=${layout.pgPort} user=kodiak dbname=kodiak"`,
          `  HTTP   http://127.0.0.1:${layout.httpPort}/readyz  /metrics`,
          `  logs   ${join(data, "*.log")}`,
          "",
        ].join("\n"),
      );
      if (!flags.repl) {
        await new Promise<void>((r) => process.once("SIGINT", () => r()));
        return 0;
      }
      await runShell({
        backend,
        input: process.stdin,
        output: process.stdout,
        errorOutput: process.stderr,
        interactive: process.stdin.isTTY === true,
        format: "table",
        historyFile: defaultHistoryFile(),
      });
      return 0;
    } finally {
      await backend.close();
    }
  } catch (e) {
    process.stderr.write(`kodiak start: ${e instanceof Error ? e.message : String(e)} (see the logs in ${data})\n`);
    return 1;
  } finally {
    await stop();
  }
}
