// Entry point of `kodiak node`: parses flags, checks the data directory's identity, opens the
// log and snapshot, wires the Raft core, transport, runtime and gRPC services, and shuts down
// cleanly (bounded) on SIGTERM. The only place that picks real clocks, files and randomness.

import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { HealthService } from "../proto/gen/health.js";
import { NodeKvService, RaftTransportService } from "../proto/gen/raft.js";
import {
  createLogger,
  isKodiakError,
  KodiakError,
  type Logger,
  nodeFileSystem,
  SqlState,
  systemClock,
  systemRandom,
} from "../util/index.js";
import { checkIdentity, clusterIdFromPeers, readIdentity, writeIdentity } from "./runtime/index.js";
import { parseNodeFlags, NODE_USAGE, type NodeFlags } from "./server/flags.js";
import { HealthState } from "./server/health.js";
import { kvServiceImpl } from "./server/kv-service.js";
import { peerClusterIds } from "./server/peer-check.js";
import { GRPC_OPTIONS, GrpcTransport } from "./transport/index.js";
import { openReplica, type Replica } from "./replica.js";

/** Bounds of startup and shutdown. */
const PEER_CHECK_DEADLINE_MS = 1000;
const JOIN_DISCOVERY_MS = 15_000;
const SHUTDOWN_TIMEOUT_MS = 5000;
const SERVER_GRACE_MS = 500;
const EXIT_GRACE_MS = 200;

/**
 * Extra gRPC services a composition root adds to the node's server (e.g. the SQL host, which
 * lives above this layer). Returns what to stop at shutdown, before the replica closes.
 */
export type AddNodeServices = (server: grpc.Server, replica: Replica, logger: Logger) => () => Promise<void>;

export async function main(argv: string[], addServices?: AddNodeServices): Promise<number> {
  let flags: NodeFlags | "help";
  try {
    flags = parseNodeFlags(argv);
  } catch (e) {
    process.stderr.write(`kodiak node: ${e instanceof Error ? e.message : String(e)}\n\n${NODE_USAGE}`);
    return 2;
  }
  if (flags === "help") {
    process.stdout.write(NODE_USAGE);
    return 0;
  }
  const logger = createLogger("node").child({ component: "node", node: flags.id });
  try {
    return await runNode(flags, logger, addServices);
  } catch (e) {
    const msg = isKodiakError(e) ? `${e.message} [${e.code}]` : String(e);
    logger.error({ err: msg }, "node failed to start");
    process.stderr.write(`kodiak node: ${msg}\n`);
    return 1;
  }
}

async function resolveClusterId(flags: NodeFlags, logger: Logger): Promise<{ clusterId: string; bootstrap: boolean }> {
  const found = readIdentity(nodeFileSystem, flags.dataDir);
  const reported = await peerClusterIds(systemClock, flags.peers, flags.id, PEER_CHECK_DEADLINE_MS);
  if (found !== undefined) {
    checkIdentity(found, { clusterId: flags.clusterId, nodeId: flags.id }, flags.dataDir);
    for (const [peer, cid] of reported) {
      if (cid !== found.clusterId) {
        throw new KodiakError(
          SqlState.configFileError,
          `data directory ${flags.dataDir} belongs to cluster '${found.clusterId}', but peer ${peer} at ${flags.peers.get(peer)} belongs to cluster '${cid}'; refusing to start`,
        );
      }
    }
    return { clusterId: found.clusterId, bootstrap: false };
  }
  if (!flags.join) return { clusterId: flags.clusterId ?? clusterIdFromPeers(flags.peers), bootstrap: true };
  // Joining: learn the cluster id from the members (they must agree), waiting for one to answer.
  const deadline = systemClock.monotonicMs() + JOIN_DISCOVERY_MS;
  let ids = reported;
  while (ids.size === 0 && systemClock.monotonicMs() < deadline) {
    await new Promise<void>((r) => systemClock.setTimeout(r, 200));
    ids = await peerClusterIds(systemClock, flags.peers, flags.id, PEER_CHECK_DEADLINE_MS);
  }
  const distinct = new Set(ids.values());
  if (distinct.size === 0) throw new KodiakError(SqlState.connectionFailure, `--join: no peer answered within ${JOIN_DISCOVERY_MS} ms`);
  if (distinct.size > 1)
    throw new KodiakError(SqlState.configFileError, `--join: peers belong to different clusters (${[...distinct].join(", ")})`);
  const clusterId = [...distinct][0] as string;
  if (flags.clusterId !== undefined && flags.clusterId !== clusterId) {
    throw new KodiakError(SqlState.configFileError, `--join: peers belong to cluster '${clusterId}', not '${flags.clusterId}'`);
  }
  logger.info({ clusterId }, "joining cluster");
  return { clusterId, bootstrap: false };
}

async function runNode(flags: NodeFlags, logger: Logger, addServices: AddNodeServices | undefined): Promise<number> {
  const fs = nodeFileSystem;
  fs.mkdirp(flags.dataDir);
  const lock = fs.lock(join(flags.dataDir, "LOCK"));
  try {
    const { clusterId, bootstrap } = await resolveClusterId(flags, logger);
    let fatal: ((e: unknown) => void) | undefined;
    const replica = await openReplica({
      fs,
      clock: systemClock,
      random: systemRandom,
      logger,
      dataDir: flags.dataDir,
      id: flags.id,
      clusterId,
      peers: flags.peers,
      bootstrap,
      engine: flags.engine,
      cacheBytes: flags.cacheMb * 1024 * 1024,
      tickMs: flags.tickMs,
      electionTicks: flags.electionTicks,
      heartbeatTicks: flags.heartbeatTicks,
      snapshotEntries: flags.snapshotEntries,
      snapshotCatchupEntries: flags.snapshotCatchupEntries,
      requestTimeoutMs: flags.requestTimeoutMs,
      onFatal: (e) => fatal?.(e),
    });
    if (bootstrap) {
      await writeIdentity(fs, flags.dataDir, { clusterId, nodeId: flags.id });
      logger.info({ clusterId, voters: [...flags.peers.keys()] }, "bootstrapped a new cluster");
    } else if (readIdentity(fs, flags.dataDir) === undefined) {
      await writeIdentity(fs, flags.dataDir, { clusterId, nodeId: flags.id });
    }
    return await serve(flags, logger, clusterId, replica, addServices, (f) => {
      fatal = f;
    });
  } finally {
    lock.release();
  }
}

async function serve(
  flags: NodeFlags,
  logger: Logger,
  clusterId: string,
  replica: Replica,
  addServices: AddNodeServices | undefined,
  onFatal: (f: (e: unknown) => void) => void,
): Promise<number> {
  const runtime = replica.runtime;
  const transport = new GrpcTransport({
    localId: flags.id,
    clusterId,
    clock: systemClock,
    logger: logger.child({ component: "transport" }),
    onMessages: (msgs) => runtime.step(msgs),
    onUnreachable: (id) => runtime.reportUnreachable(id),
    onSnapshotStatus: (id, ok) => runtime.reportSnapshot(id, ok),
    isKnownPeer: (id) => runtime.knowsPeer(id),
  });
  const health = new HealthState();
  const server = new grpc.Server(GRPC_OPTIONS);
  server.addService(RaftTransportService, transport.serverImpl());
  server.addService(NodeKvService, kvServiceImpl(runtime, replica.kv));
  server.addService(HealthService, health.impl());
  const stopExtra = addServices?.(server, replica, logger) ?? (async () => {});
  await new Promise<void>((resolve, reject) => {
    server.bindAsync(flags.listen, grpc.ServerCredentials.createInsecure(), (err) =>
      err ? reject(new KodiakError(SqlState.ioError, `cannot listen on ${flags.listen}: ${err.message}`)) : resolve(),
    );
  });
  runtime.start(transport);
  const conf = runtime.status().members.filter((m) => m.role === "voter");
  // A single-voter cluster need not wait out an election timeout.
  if (conf.length === 1 && conf[0]?.id === flags.id) runtime.campaign();
  health.set(true);
  logger.info({ listen: flags.listen, clusterId, applied: runtime.appliedIndex() }, "node ready");
  process.stdout.write(`kodiak node ${flags.id} ready on ${flags.listen} (cluster ${clusterId})\n`);

  const exitCode = await new Promise<number>((resolve) => {
    const onSignal = (sig: string): void => {
      logger.info({ signal: sig }, "shutting down");
      resolve(0);
    };
    process.once("SIGTERM", () => onSignal("SIGTERM"));
    process.once("SIGINT", () => onSignal("SIGINT"));
    onFatal((e) => {
      logger.error({ err: String(e) }, "fatal error; shutting down");
      resolve(70);
    });
  });
  health.set(false);
  const forced = systemClock.setTimeout(() => {
    logger.error({}, `shutdown took longer than ${SHUTDOWN_TIMEOUT_MS} ms; exiting`);
    process.exit(exitCode === 0 ? 1 : exitCode);
  }, SHUTDOWN_TIMEOUT_MS);
  await stopExtra().catch((e: unknown) => logger.warn({ err: String(e) }, "stopping extra services failed"));
  await replica.close();
  // Peers keep long-lived streams open, so a graceful shutdown gets a short grace period only.
  await new Promise<void>((resolve) => {
    const grace = systemClock.setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, SERVER_GRACE_MS);
    server.tryShutdown(() => {
      grace.cancel();
      resolve();
    });
  });
  forced.cancel();
  logger.info({}, "stopped");
  // Anything still holding the event loop (a half-open channel) must not keep the process alive.
  systemClock.setTimeout(() => process.exit(exitCode), EXIT_GRACE_MS);
  return exitCode;
}
