// Command-line flags of `kodiak node`: parsing and validation only (no I/O), so every invalid
// input becomes a usage error with exit code 2 before anything touches the data directory.

import { KodiakError, SqlState } from "../../util/index.js";

export interface NodeFlags {
  id: number;
  dataDir: string;
  listen: string;
  peers: Map<number, string>;
  join: boolean;
  clusterId: string | undefined;
  tickMs: number;
  electionTicks: number;
  heartbeatTicks: number;
  snapshotEntries: number;
  snapshotCatchupEntries: number;
  requestTimeoutMs: number;
  /** State machine: the storage engine (production) or the in-memory KV fixture (tests). */
  engine: "store" | "memory";
  /** Page cache bound of the storage engine, in MiB. */
  cacheMb: number;
}

export const NODE_USAGE = `usage: kodiak node --id N --data DIR --listen HOST:PORT --peers 1=HOST:PORT,2=HOST:PORT,... [options]

Runs one storage node: a Raft replica, its log, and the node gRPC service.

options:
  --id N                      this node's id (a positive integer, listed in --peers)
  --data DIR                  data directory (created if missing)
  --listen HOST:PORT          address to serve on
  --peers LIST                every member: id=host:port, comma separated (this node included)
  --join                      join an existing cluster (do not bootstrap); then add it with
                              \`kodiak kv member add-learner N=HOST:PORT\`
  --cluster-id ID             expected cluster id (default: derived from --peers at bootstrap)
  --tick-ms MS                Raft tick interval (default 100)
  --election-ticks N          election timeout in ticks, randomized in [N, 2N) (default 10)
  --heartbeat-ticks N         leader heartbeat interval in ticks (default 1)
  --snapshot-entries N        snapshot and compact the log every N applied entries (default 10000)
  --snapshot-catchup-entries N  entries kept below a snapshot for lagging followers (default 1000)
  --request-timeout-ms MS     bound on a client request waiting for apply (default 5000)
  --engine store|memory       state machine: the storage engine (default) or the in-memory
                              KV test fixture
  --cache-mb N                storage engine page cache bound in MiB (default 256)
`;

function usage(msg: string): KodiakError {
  return new KodiakError(SqlState.invalidParameterValue, msg);
}

export function parseAddress(s: string, what: string): string {
  const m = /^([A-Za-z0-9.\-_]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/.exec(s);
  const port = m === null ? 0 : Number(m[2]);
  if (m === null || port < 1 || port > 65535) throw usage(`${what}: '${s}' is not HOST:PORT with a port in 1..65535`);
  return s;
}

function parsePositive(s: string | undefined, what: string, max = Number.MAX_SAFE_INTEGER): number {
  if (s === undefined || !/^\d+$/.test(s)) throw usage(`${what} needs a positive integer, got '${s ?? ""}'`);
  const n = Number(s);
  if (n < 1 || n > max) throw usage(`${what} must be in 1..${max}, got ${s}`);
  return n;
}

function parseNonNegative(s: string | undefined, what: string): number {
  if (s === undefined || !/^\d+$/.test(s)) throw usage(`${what} needs a non-negative integer, got '${s ?? ""}'`);
  return Number(s);
}

export function parsePeers(s: string): Map<number, string> {
  const peers = new Map<number, string>();
  for (const part of s.split(",")) {
    const eq = part.indexOf("=");
    if (eq < 0) throw usage(`--peers: '${part}' is not ID=HOST:PORT`);
    const id = parsePositive(part.slice(0, eq), `--peers id in '${part}'`, 0xffff_ffff);
    if (peers.has(id)) throw usage(`--peers: node id ${id} is listed twice`);
    peers.set(id, parseAddress(part.slice(eq + 1), `--peers entry for node ${id}`));
  }
  return peers;
}

/** Parses argv; returns "help" for --help. Throws KodiakError (22023) on invalid input. */
export function parseNodeFlags(argv: string[]): NodeFlags | "help" {
  const values = new Map<string, string>();
  let join = false;
  const valued = new Set([
    "--id",
    "--data",
    "--listen",
    "--peers",
    "--cluster-id",
    "--tick-ms",
    "--election-ticks",
    "--heartbeat-ticks",
    "--snapshot-entries",
    "--snapshot-catchup-entries",
    "--request-timeout-ms",
    "--engine",
    "--cache-mb",
  ]);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === "--help" || a === "-h") return "help";
    if (a === "--join") {
      join = true;
      continue;
    }
    const eq = a.indexOf("=");
    const name = a.startsWith("--") && eq > 0 ? a.slice(0, eq) : a;
    if (!valued.has(name)) throw usage(`unknown option '${a}'`);
    const v = eq > 0 && a.startsWith("--") ? a.slice(eq + 1) : argv[++i];
    if (v === undefined) throw usage(`${name} needs a value`);
    if (values.has(name)) throw usage(`${name} given twice`);
    values.set(name, v);
  }
  for (const req of ["--id", "--data", "--listen", "--peers"]) {
    if (!values.has(req)) throw usage(`missing required option ${req}`);
  }
  const id = parsePositive(values.get("--id"), "--id", 0xffff_ffff);
  const peers = parsePeers(values.get("--peers") as string);
  if (!peers.has(id)) throw usage(`--peers must list this node (id ${id})`);
  const dataDir = values.get("--data") as string;
  if (dataDir === "") throw usage("--data must not be empty");
  const electionTicks = parsePositive(values.get("--election-ticks") ?? "10", "--election-ticks", 1000);
  const heartbeatTicks = parsePositive(values.get("--heartbeat-ticks") ?? "1", "--heartbeat-ticks", 1000);
  if (heartbeatTicks >= electionTicks) throw usage("--heartbeat-ticks must be smaller than --election-ticks");
  const engine = values.get("--engine") ?? "store";
  if (engine !== "store" && engine !== "memory") throw usage(`--engine must be 'store' or 'memory', got '${engine}'`);
  return {
    id,
    dataDir,
    listen: parseAddress(values.get("--listen") as string, "--listen"),
    peers,
    join,
    clusterId: values.get("--cluster-id"),
    tickMs: parsePositive(values.get("--tick-ms") ?? "100", "--tick-ms", 60_000),
    electionTicks,
    heartbeatTicks,
    snapshotEntries: parsePositive(values.get("--snapshot-entries") ?? "10000", "--snapshot-entries"),
    snapshotCatchupEntries: parseNonNegative(values.get("--snapshot-catchup-entries") ?? "1000", "--snapshot-catchup-entries"),
    requestTimeoutMs: parsePositive(values.get("--request-timeout-ms") ?? "5000", "--request-timeout-ms", 600_000),
    engine,
    cacheMb: parsePositive(values.get("--cache-mb") ?? "256", "--cache-mb", 1 << 20),
  };
}
