// Embedded mode: the SQL engine over a single-voter Raft group on local disk, in this process.
// The same log (WAL), storage engine and transactional state machine as a cluster node; no
// network. Reopening the directory recovers every acknowledged write.

import { join } from "node:path";
import type { GcPolicy } from "../../node/state-machine/index.js";
import { type NodeRuntime, openReplica, type RaftTransport, readIdentity, writeIdentity } from "../../node/index.js";
import { KvSqlEngine, type SqlEngine } from "../../sql/index.js";
import {
  type Clock,
  type FileSystem,
  KodiakError,
  type Logger,
  nodeFileSystem,
  type Random,
  SqlState,
  silentLogger,
  systemClock,
  systemRandom,
} from "../../util/index.js";
import { LinearizableEngine } from "./linearizable-engine.js";
import { ReplicatedKvStore } from "./replicated-kv.js";

/** Bound on waiting for the single voter to elect itself at open. */
const LEADER_WAIT_MS = 10_000;
const LOCAL_NODE_ID = 1;

export interface EmbeddedOptions {
  dir: string;
  fs?: FileSystem;
  clock?: Clock;
  random?: Random;
  logger?: Logger;
  /** Storage engine page cache bound (default 64 MiB). */
  cacheBytes?: number;
  /**
   * MVCC GC policy (node/state-machine/gc-policy.ts). Tests make retention small to reach
   * "snapshot too old" quickly; keep it the same across reopens of one directory.
   */
  gc?: Partial<GcPolicy>;
}

export interface EmbeddedDatabase {
  readonly engine: SqlEngine;
  readonly runtime: NodeRuntime;
  close(): Promise<void>;
}

/** A transport for a group with no peers: nothing is ever sent. */
const noPeers: RaftTransport = {
  send: () => {},
  setPeer: () => {},
  removePeer: () => {},
  peerAddress: () => undefined,
  close: () => {},
};

/**
 * The ReadIndex barrier of a single-voter group is needed only once: after it, the applied state
 * includes everything committed so far (including entries of earlier terms replayed at open), the
 * only voter stays leader while the database is open (no peer can win an election), and every
 * later write is acknowledged only after it is applied. So a snapshot at the applied index always
 * includes every acknowledged write, and later statements skip the round through the Raft loop.
 */
function onceBarrier(barrier: () => Promise<void>): () => Promise<void> {
  let passed = false;
  return async () => {
    if (passed) return;
    await barrier();
    passed = true;
  };
}

export async function openEmbeddedDatabase(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const fs = options.fs ?? nodeFileSystem;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? systemRandom;
  const logger = options.logger ?? silentLogger;
  fs.mkdirp(options.dir);
  const lock = fs.lock(join(options.dir, "LOCK"));
  try {
    const found = readIdentity(fs, options.dir);
    if (found !== undefined && found.nodeId !== LOCAL_NODE_ID) {
      throw new KodiakError(
        SqlState.configFileError,
        `${options.dir} is a data directory of cluster node ${found.nodeId}, not an embedded database`,
      );
    }
    const clusterId = found?.clusterId ?? `embedded-${random.int(0x7fffffff).toString(16)}`;
    let fatal: unknown;
    const replica = await openReplica({
      fs,
      clock,
      random,
      logger,
      dataDir: options.dir,
      id: LOCAL_NODE_ID,
      clusterId,
      peers: new Map([[LOCAL_NODE_ID, "embedded"]]),
      bootstrap: found === undefined,
      engine: "store",
      cacheBytes: options.cacheBytes ?? 64 * 1024 * 1024,
      tickMs: 100,
      electionTicks: 10,
      heartbeatTicks: 1,
      snapshotEntries: 10_000,
      snapshotCatchupEntries: 0,
      requestTimeoutMs: 30_000,
      gc: options.gc,
      onFatal: (e) => {
        fatal = e;
        logger.error({ err: String(e) }, "embedded replica failed");
      },
    });
    if (found === undefined) await writeIdentity(fs, options.dir, { clusterId, nodeId: LOCAL_NODE_ID });
    const runtime = replica.runtime;
    runtime.start(noPeers);
    runtime.campaign();
    const deadline = clock.monotonicMs() + LEADER_WAIT_MS;
    while (runtime.status().role !== "leader") {
      if (fatal !== undefined) throw fatal;
      if (clock.monotonicMs() > deadline) {
        await replica.close();
        throw new KodiakError(SqlState.cannotConnectNow, `the embedded database did not become ready within ${LEADER_WAIT_MS} ms`);
      }
      await new Promise<void>((r) => clock.setTimeout(r, 5));
    }
    const store = replica.store;
    if (store === undefined) throw new KodiakError(SqlState.internalError, "embedded replica has no storage engine");
    const kv = new ReplicatedKvStore(runtime, store);
    const engine = new LinearizableEngine(
      new KvSqlEngine(kv),
      onceBarrier(() => kv.barrier()),
    );
    let closed = false;
    return {
      engine,
      runtime,
      async close() {
        if (closed) return;
        closed = true;
        await engine.close();
        await replica.close();
        lock.release();
      },
    };
  } catch (e) {
    lock.release();
    throw e;
  }
}
