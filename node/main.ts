// Entry point of `kodiak node`: parses flags, checks the data directory's identity, opens the
// log and snapshot, wires the Raft core, transport, runtime and gRPC services, and shuts down
// cleanly (bounded) on SIGTERM. The only place that picks real clocks, files and randomness.

import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { HealthService } from "../proto/gen/health.js";
import { NodeKvService, RaftTransportService, RuntimeSnapshot } from "../proto/gen/raft.js";
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
import { openWal } from "./log/index.js";
import { decodeConfChange, RawNode } from "./raft/index.js";
import {
  checkIdentity,
  clusterIdFromPeers,
  encodeRuntimeImage,
  NodeRuntime,
  readIdentity,
  SnapshotStore,
  storageWithSnapshots,
  writeIdentity,
} from "./runtime/index.js";
import { parseNodeFlags, NODE_USAGE, type NodeFlags } from "./server/flags.js";
import { HealthState } from "./server/health.js";
import { kvServiceImpl } from "./server/kv-service.js";
import { peerClusterIds } from "./server/peer-check.js";
import { isDurable, MemoryKvStateMachine, type StateMachine, TxnStoreStateMachine } from "./state-machine/index.js";
import { type KvBackend, memoryKvBackend, storeKvBackend } from "./server/kv-backend.js";
import { openStore } from "../storage/index.js";
import { GRPC_OPTIONS, GrpcTransport } from "./transport/index.js";

/** Bounds of startup and shutdown. */
const PEER_CHECK_DEADLINE_MS = 1000;
const JOIN_DISCOVERY_MS = 15_000;
const SHUTDOWN_TIMEOUT_MS = 5000;
const SERVER_GRACE_MS = 500;
const EXIT_GRACE_MS = 200;
/** Raft flow-control settings. */
const MAX_SIZE_PER_MSG = 1024 * 1024;
const MAX_INFLIGHT_MSGS = 256;

export async function main(argv: string[]): Promise<number> {
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
    return await runNode(flags, logger);
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

async function runNode(flags: NodeFlags, logger: Logger): Promise<number> {
  const fs = nodeFileSystem;
  fs.mkdirp(flags.dataDir);
  const lock = fs.lock(join(flags.dataDir, "LOCK"));
  try {
    const { clusterId, bootstrap } = await resolveClusterId(flags, logger);
    const wal = await openWal(fs, join(flags.dataDir, "log"), { logger: logger.child({ component: "log" }) });
    const snapshots = new SnapshotStore(fs, flags.dataDir);
    if (bootstrap) {
      // The initial membership as a snapshot at index 1, term 1 (etcd-style bootstrap): nodes
      // added later receive it like any snapshot, so they learn the founding voters too.
      const conf = { voters: [...flags.peers.keys()].sort((a, b) => a - b), learners: [] };
      // The store engine starts empty: its bootstrap image carries peers only.
      const state = flags.engine === "memory" ? new MemoryKvStateMachine().snapshot() : new Uint8Array(0);
      const snap = { metadata: { index: 1, term: 1, conf }, data: encodeRuntimeImage(flags.peers, state) };
      await snapshots.save(snap);
      await wal.applySnapshot(snap);
      await wal.save({ term: 1, vote: 0, commit: 1 }, []);
      await writeIdentity(fs, flags.dataDir, { clusterId, nodeId: flags.id });
      logger.info({ clusterId, voters: conf.voters }, "bootstrapped a new cluster");
    } else if (readIdentity(fs, flags.dataDir) === undefined) {
      await writeIdentity(fs, flags.dataDir, { clusterId, nodeId: flags.id });
    }
    return await serve(flags, logger, clusterId, wal, snapshots);
  } finally {
    lock.release();
  }
}

async function serve(
  flags: NodeFlags,
  logger: Logger,
  clusterId: string,
  wal: Awaited<ReturnType<typeof openWal>>,
  snapshots: SnapshotStore,
): Promise<number> {
  const snap = snapshots.load();
  let stateMachine: StateMachine;
  let makeKv: (rt: NodeRuntime) => KvBackend;
  let closeEngine = async (_applied: number): Promise<void> => {};
  if (flags.engine === "memory") {
    const kv = new MemoryKvStateMachine();
    stateMachine = kv;
    makeKv = (rt) => memoryKvBackend(rt, kv);
  } else {
    const store = await openStore(nodeFileSystem, join(flags.dataDir, "store"), { cacheBytes: flags.cacheMb * 1024 * 1024 });
    const sm = new TxnStoreStateMachine(store);
    stateMachine = sm;
    makeKv = (rt) => storeKvBackend(rt, store);
    // A clean shutdown checkpoints, so the next start replays nothing.
    closeEngine = async (applied) => {
      try {
        if (applied > sm.durableIndex()) await sm.checkpoint(applied);
      } finally {
        store.close();
      }
    };
  }
  // A durable state machine at or past the snapshot file's index only needs the peers from it;
  // the log is replayed from its own checkpoint. (An image with no state is a bootstrap or
  // checkpoint marker: peers only, too.)
  const durableIndex = isDurable(stateMachine) ? stateMachine.durableIndex() : -1;
  const snapIndex = snap?.metadata.index ?? 0;
  const peersOnly = isDurable(stateMachine) && (durableIndex >= snapIndex || runtimeImageIsEmpty(snap?.data));
  const applied = peersOnly ? Math.max(durableIndex, snapIndex) : snapIndex;
  const appliedTerm = applied === snapIndex ? (snap?.metadata.term ?? 0) : wal.storage.term(applied);
  let runtimeRef: NodeRuntime | undefined;
  const live = isDurable(stateMachine)
    ? { appliedIndex: () => runtimeRef?.appliedIndex() ?? applied, build: () => (runtimeRef as NodeRuntime).currentSnapshot() }
    : undefined;
  const storage = storageWithSnapshots(wal.storage, snapshots, live);
  let fatal: ((e: unknown) => void) | undefined;
  const runtime = new NodeRuntime({
    id: flags.id,
    clusterId,
    clock: systemClock,
    random: systemRandom,
    logger,
    wal,
    snapshots,
    stateMachine,
    createRawNode: (applied) =>
      new RawNode({
        id: flags.id,
        electionTicks: flags.electionTicks,
        heartbeatTicks: flags.heartbeatTicks,
        storage,
        applied,
        maxSizePerMsg: MAX_SIZE_PER_MSG,
        maxInflightMsgs: MAX_INFLIGHT_MSGS,
        maxInflightBytes: 0,
        preVote: true,
        checkQuorum: true,
        leaseReads: false,
        random: systemRandom,
      }),
    decodeConfChange,
    applied,
    appliedTerm,
    peers: new Map(flags.peers),
    tickIntervalMs: flags.tickMs,
    snapshotEveryEntries: flags.snapshotEntries,
    snapshotCatchupEntries: flags.snapshotCatchupEntries,
    requestTimeoutMs: flags.requestTimeoutMs,
    onFatal: (e) => fatal?.(e),
  });
  runtimeRef = runtime;
  if (snap !== undefined) await runtime.restoreImage(snap.data, { peersOnly });
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
  server.addService(NodeKvService, kvServiceImpl(runtime, makeKv(runtime)));
  server.addService(HealthService, health.impl());
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
    fatal = (e) => {
      logger.error({ err: String(e) }, "fatal error; shutting down");
      resolve(70);
    };
  });
  health.set(false);
  const forced = systemClock.setTimeout(() => {
    logger.error({}, `shutdown took longer than ${SHUTDOWN_TIMEOUT_MS} ms; exiting`);
    process.exit(exitCode === 0 ? 1 : exitCode);
  }, SHUTDOWN_TIMEOUT_MS);
  await runtime.stop();
  await closeEngine(runtime.appliedIndex()).catch((e: unknown) =>
    logger.error({ err: String(e) }, "final checkpoint failed; the log replays on restart"),
  );
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

function runtimeImageIsEmpty(data: Uint8Array | undefined): boolean {
  return data === undefined || RuntimeSnapshot.decode(data).state.byteLength === 0;
}
