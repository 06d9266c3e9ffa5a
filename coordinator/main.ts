// Entry point of `kodiak coordinator`: serves the client gRPC API (+ grpc.health.v1), pgwire and
// the HTTP endpoint (/healthz, /readyz, /metrics) over one SQL engine, watches the nodes for ClusterStatus,
// prints its endpoints as one JSON line on stdout, and stops cleanly (bounded) on SIGTERM/SIGINT.

import { readFileSync } from "node:fs";
import type { SqlEngine, SqlSession } from "../sql/api.js";
import { createLogger, KodiakError, type Logger, SqlState } from "../util/index.js";
import { type ClusterStatusSource, localClusterStatus, NodeStatusPoller, startApiServer } from "./grpc/index.js";
import { startCronService } from "./cron/index.js";
import { coordinatorMetrics, startHttpEndpoint } from "./http/index.js";
import { PgWireServer } from "./pgwire/index.js";
import { parsePgUsers } from "./pgwire/users-file.js";
import { openEmbeddedDatabase, RemoteSqlEngine } from "./sql-host/index.js";

/** Bound on shutting everything down. */
const SHUTDOWN_TIMEOUT_MS = 5_000;
/** Bound on asking the nodes for /readyz and /metrics. */
const STATUS_TIMEOUT_MS = 1_500;

const USAGE = `usage: kodiak coordinator [--nodes 1=HOST:PORT,2=HOST:PORT,...] [--grpc HOST:PORT] [--http HOST:PORT]
                          [--pg HOST:PORT] [--embedded DIR] [--id NAME] [options]

  --nodes LIST               the storage nodes (id=host:port, comma separated)
  --grpc HOST:PORT           client gRPC API (default 127.0.0.1:7433; port 0 = any free port)
  --http HOST:PORT           /healthz, /readyz, /metrics (default 127.0.0.1:0)
  --pg HOST:PORT             PostgreSQL wire protocol (psql, pgbench, node-postgres); off unless given
  --embedded DIR             run the SQL engine in-process on DIR (a single-node Raft group on disk) instead of on the nodes
  --id NAME                  coordinator id in ClusterStatus and logs (default coordinator-<pid>)
  --tls-cert FILE --tls-key FILE  serve gRPC and pgwire over TLS with this PEM certificate and key
  --pg-users FILE            pgwire users, one user:password per line: clients authenticate with
                             SCRAM-SHA-256 from any address (without it: trust, loopback clients only)
  --pg-trust-remote          without --pg-users, also trust pgwire clients from non-loopback addresses
                             (containers whose published ports are reachable only from a trusted host)
  --max-sessions N           open sessions (default 1000)
  --max-running N            concurrently running statements (default 64)
  --max-queued N             statements waiting for a slot (default 256); beyond: SQLSTATE 53300
  --statement-timeout-ms N   default statement timeout (default 0 = none)
  --idle-session-timeout-ms N  close sessions unused this long (default 1800000)
  --idle-in-transaction-timeout-ms N  roll back sessions left in a transaction this long (default 300000)
On start, prints {"grpc":..., "http":..., "pg":...} as one JSON line on stdout.
`;

export interface CoordinatorFlags {
  nodes: Map<number, string>;
  grpc: { host: string; port: number };
  http: { host: string; port: number };
  pg: { host: string; port: number } | undefined;
  embedded: string | undefined;
  id: string;
  maxSessions: number;
  maxRunning: number;
  maxQueued: number;
  statementTimeoutMs: number;
  idleSessionTimeoutMs: number;
  idleInTransactionTimeoutMs: number;
  tlsCert: string | undefined;
  tlsKey: string | undefined;
  /** pgwire users file (user:password lines): clients must authenticate, from any address. */
  pgUsersFile: string | undefined;
  /** Without users: trust pgwire clients from any address, not only loopback. */
  pgTrustRemote: boolean;
}

function hostPort(s: string, flag: string): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.\-_]+):(\d{1,5})$/.exec(s);
  const port = m === null ? -1 : Number(m[2]);
  if (m === null || port > 65535) throw new Error(`${flag}: '${s}' is not HOST:PORT`);
  return { host: m[1]!.replace(/^\[|\]$/g, ""), port };
}

function count(s: string, flag: string): number {
  if (!/^\d+$/.test(s)) throw new Error(`${flag} needs a non-negative integer, got '${s}'`);
  return Number(s);
}

export function parseCoordinatorFlags(argv: string[]): CoordinatorFlags | "help" {
  const f: CoordinatorFlags = {
    nodes: new Map(),
    grpc: { host: "127.0.0.1", port: 7433 },
    http: { host: "127.0.0.1", port: 0 },
    pg: undefined,
    embedded: undefined,
    id: `coordinator-${process.pid}`,
    maxSessions: 1000,
    maxRunning: 64,
    maxQueued: 256,
    statementTimeoutMs: 0,
    idleSessionTimeoutMs: 30 * 60_000,
    idleInTransactionTimeoutMs: 5 * 60_000,
    tlsCert: undefined,
    tlsKey: undefined,
    pgUsersFile: undefined,
    pgTrustRemote: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (flag === "--help" || flag === "-h") return "help";
    if (flag === "--pg-trust-remote") {
      f.pgTrustRemote = true;
      continue;
    }
    const v = argv[++i];
    if (v === undefined) throw new Error(`${flag} needs a value`);
    switch (flag) {
      case "--nodes":
        for (const part of v.split(",")) {
          const eq = part.indexOf("=");
          const id = Number(part.slice(0, eq));
          if (eq < 1 || !Number.isInteger(id) || id < 1) throw new Error(`--nodes: '${part}' is not ID=HOST:PORT`);
          hostPort(part.slice(eq + 1), "--nodes");
          f.nodes.set(id, part.slice(eq + 1));
        }
        break;
      case "--grpc":
        f.grpc = hostPort(v, flag);
        break;
      case "--http":
        f.http = hostPort(v, flag);
        break;
      case "--pg":
        f.pg = hostPort(v, flag);
        break;
      case "--embedded":
        f.embedded = v;
        break;
      case "--id":
        f.id = v;
        break;
      case "--max-sessions":
        f.maxSessions = count(v, flag);
        break;
      case "--max-running":
        f.maxRunning = count(v, flag);
        break;
      case "--max-queued":
        f.maxQueued = count(v, flag);
        break;
      case "--statement-timeout-ms":
        f.statementTimeoutMs = count(v, flag);
        break;
      case "--idle-session-timeout-ms":
        f.idleSessionTimeoutMs = count(v, flag);
        break;
      case "--tls-cert":
        f.tlsCert = v;
        break;
      case "--tls-key":
        f.tlsKey = v;
        break;
      case "--pg-users":
        f.pgUsersFile = v;
        break;
      case "--idle-in-transaction-timeout-ms":
        f.idleInTransactionTimeoutMs = count(v, flag);
        break;
      default:
        throw new Error(`unknown option ${flag}`);
    }
  }
  if ((f.tlsCert === undefined) !== (f.tlsKey === undefined)) throw new Error("--tls-cert and --tls-key go together");
  if (f.pgUsersFile !== undefined && f.pgTrustRemote) throw new Error("--pg-users and --pg-trust-remote exclude each other");
  return f;
}

/** Without --nodes or --embedded there is nothing to run SQL on: sessions fail with 57P03. */
class NoEngine implements SqlEngine {
  openSession(): Promise<SqlSession> {
    return Promise.reject(
      new KodiakError(SqlState.cannotConnectNow, "this coordinator has no SQL engine", {
        hint: "start it with --nodes ID=HOST:PORT,... (a cluster) or --embedded DIR",
      }),
    );
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** The engine: on the cluster's Raft leader (--nodes), in-process on DIR (--embedded), or none. */
async function openEngine(
  flags: CoordinatorFlags,
  log: Logger,
): Promise<{ engine: SqlEngine; available: boolean; close(): Promise<void> }> {
  if (flags.embedded !== undefined) {
    const db = await openEmbeddedDatabase({ dir: flags.embedded, logger: log });
    return { engine: db.engine, available: true, close: () => db.close() };
  }
  if (flags.nodes.size > 0) {
    const engine = new RemoteSqlEngine({ nodes: flags.nodes, logger: log });
    return { engine, available: true, close: () => engine.close() };
  }
  const engine = new NoEngine();
  return { engine, available: false, close: () => engine.close() };
}

export async function main(argv: string[]): Promise<number> {
  let flags: CoordinatorFlags | "help";
  try {
    flags = parseCoordinatorFlags(argv);
  } catch (e) {
    process.stderr.write(`kodiak coordinator: ${e instanceof Error ? e.message : String(e)}\n\n${USAGE}`);
    return 2;
  }
  if (flags === "help") {
    process.stdout.write(USAGE);
    return 0;
  }
  const log = createLogger("coordinator");
  const { engine, available, close: closeEngine } = await openEngine(flags, log);
  const cron = available ? startCronService(engine, flags.id, log) : undefined;
  const poller = flags.nodes.size > 0 ? new NodeStatusPoller(flags.nodes, undefined, () => available) : undefined;
  const cluster: ClusterStatusSource = poller ?? {
    clusterStatus: async (signal) => ({ ...(await localClusterStatus.clusterStatus(signal)), ready: available }),
  };
  const tls =
    flags.tlsCert !== undefined && flags.tlsKey !== undefined
      ? { certChain: readFileSync(flags.tlsCert), privateKey: readFileSync(flags.tlsKey) }
      : undefined;
  const api = await startApiServer(engine, {
    tls,
    host: flags.grpc.host,
    port: flags.grpc.port,
    coordinatorId: flags.id,
    log,
    cluster,
    sessions: {
      maxSessions: flags.maxSessions,
      idleTimeoutMs: flags.idleSessionTimeoutMs,
      idleInTransactionTimeoutMs: flags.idleInTransactionTimeoutMs,
    },
    admission: { maxRunning: flags.maxRunning, maxQueued: flags.maxQueued },
    defaultStatementTimeoutMs: flags.statementTimeoutMs,
  });
  const pg =
    flags.pg === undefined
      ? undefined
      : new PgWireServer({
          engine,
          logger: log,
          maxConnections: flags.maxSessions,
          auth:
            flags.pgUsersFile !== undefined
              ? { users: parsePgUsers(readFileSync(flags.pgUsersFile, "utf8"), flags.pgUsersFile) }
              : { trustRemote: flags.pgTrustRemote },
          ...(tls !== undefined ? { tls: { cert: tls.certChain, key: tls.privateKey } } : {}),
        });
  const pgAddress = flags.pg === undefined || pg === undefined ? null : await pg.listen(flags.pg.host, flags.pg.port);
  const status = () => api.service.clusterStatus().catch(() => undefined);
  const http = await startHttpEndpoint(
    {
      readiness: async () => {
        const st = await status();
        if (!available) return { ready: false, reason: "no SQL engine" };
        if (st === undefined) return { ready: false, reason: `cluster status unavailable within ${STATUS_TIMEOUT_MS} ms` };
        return { ready: st.ready, reason: st.ready ? `leader ${st.leaderId || "local"}` : "no leader known" };
      },
      metrics: async () =>
        coordinatorMetrics(api.service, await status(), pg?.stats(), engine instanceof RemoteSqlEngine ? engine.staleStats : undefined),
    },
    flags.http.host,
    flags.http.port,
  );
  const pgText = pgAddress === null ? null : `${pgAddress.host}:${pgAddress.port}`;
  process.stdout.write(`${JSON.stringify({ id: flags.id, grpc: api.address, http: http.address, pg: pgText })}\n`);
  log.info({ grpc: api.address, http: http.address, pg: pgText, nodes: Object.fromEntries(flags.nodes) }, "coordinator listening");

  await new Promise<void>((resolve) => {
    process.once("SIGTERM", resolve);
    process.once("SIGINT", resolve);
  });
  log.info({}, "shutting down");
  const timer = setTimeout(() => {
    log.error({}, "shutdown took too long; exiting");
    process.exit(1);
  }, SHUTDOWN_TIMEOUT_MS);
  await Promise.allSettled([api.close(), http.close(), pg?.close(), cron?.stop()]);
  poller?.close();
  await closeEngine();
  clearTimeout(timer);
  return 0;
}
