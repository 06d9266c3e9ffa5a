// One Raft replica on local disk without any network: the log (WAL), the snapshot file, the state
// machine (storage engine or the in-memory fixture) and the runtime that drives them. Shared by
// `kodiak node` (which adds the gRPC transport and services) and embedded mode (one voter, no
// transport). Picks no clock, files or randomness itself: the caller passes them in.

import { join } from "node:path";
import { RuntimeSnapshot } from "../proto/gen/raft.js";
import { openStore, type Store } from "../storage/index.js";
import type { Clock, FileSystem, Logger, Random } from "../util/index.js";
import { openWal } from "./log/index.js";
import { decodeConfChange, RawNode } from "./raft/index.js";
import { encodeRuntimeImage, NodeRuntime, reconcileSnapshot, SnapshotStore, storageWithSnapshots } from "./runtime/index.js";
import { type KvBackend, memoryKvBackend, storeKvBackend } from "./server/kv-backend.js";
import { type GcPolicy, isDurable, MemoryKvStateMachine, type StateMachine, TxnStoreStateMachine } from "./state-machine/index.js";

/** Raft flow-control settings. */
const MAX_SIZE_PER_MSG = 1024 * 1024;
const MAX_INFLIGHT_MSGS = 256;

export interface ReplicaOptions {
  fs: FileSystem;
  clock: Clock;
  random: Random;
  logger: Logger;
  dataDir: string;
  id: number;
  clusterId: string;
  peers: Map<number, string>;
  /** Write the founding membership (a new cluster) before starting. */
  bootstrap: boolean;
  engine: "store" | "memory";
  cacheBytes: number;
  tickMs: number;
  electionTicks: number;
  heartbeatTicks: number;
  snapshotEntries: number;
  snapshotCatchupEntries: number;
  requestTimeoutMs: number;
  /** Serve linearizable reads from the leader lease (default false; see kodiak node --help). */
  leaseReads?: boolean;
  /** MVCC GC policy of the store engine (default gc-policy.ts); every replica of a group must agree. */
  gc?: Partial<GcPolicy>;
  onFatal: (e: unknown) => void;
}

export interface Replica {
  readonly runtime: NodeRuntime;
  /** The storage engine, when engine = "store". */
  readonly store: Store | undefined;
  /** What the node KV API reads and writes through. */
  readonly kv: KvBackend;
  /** Stops the runtime, checkpoints a durable state machine and closes the engine. */
  close(): Promise<void>;
}

export async function openReplica(o: ReplicaOptions): Promise<Replica> {
  const wal = await openWal(o.fs, join(o.dataDir, "log"), { logger: o.logger.child({ component: "log" }) });
  const snapshots = new SnapshotStore(o.fs, o.dataDir);
  if (o.bootstrap) {
    // The initial membership as a snapshot at index 1, term 1 (etcd-style bootstrap): nodes
    // added later receive it like any snapshot, so they learn the founding voters too. The
    // store engine starts empty, so its bootstrap image carries peers only.
    const conf = { voters: [...o.peers.keys()].sort((a, b) => a - b), learners: [] };
    const state = o.engine === "memory" ? new MemoryKvStateMachine().snapshot() : new Uint8Array(0);
    const snap = { metadata: { index: 1, term: 1, conf }, data: encodeRuntimeImage(o.peers, state) };
    await snapshots.save(snap);
    await wal.applySnapshot(snap);
    await wal.save({ term: 1, vote: 0, commit: 1 }, []);
  }
  const snap = snapshots.load();
  // A snapshot install cut short by a crash leaves the file ahead of the log: finish it.
  await reconcileSnapshot(wal, snap, o.logger);

  let stateMachine: StateMachine;
  let store: Store | undefined;
  let makeKv: (rt: NodeRuntime) => KvBackend;
  if (o.engine === "memory") {
    const kv = new MemoryKvStateMachine();
    stateMachine = kv;
    makeKv = (rt) => memoryKvBackend(rt, kv);
  } else {
    const opened = await openStore(o.fs, join(o.dataDir, "store"), { cacheBytes: o.cacheBytes });
    store = opened;
    stateMachine = new TxnStoreStateMachine(opened, { gc: o.gc });
    makeKv = (rt) => storeKvBackend(rt, opened);
  }

  // A durable state machine at or past the snapshot file's index only needs the peers from it;
  // the log is replayed from its own checkpoint. (An image with no state is a bootstrap or
  // checkpoint marker: peers only, too.)
  const durableIndex = isDurable(stateMachine) ? stateMachine.durableIndex() : -1;
  const snapIndex = snap?.metadata.index ?? 0;
  const peersOnly = isDurable(stateMachine) && (durableIndex >= snapIndex || imageIsEmpty(snap?.data));
  const applied = peersOnly ? Math.max(durableIndex, snapIndex) : snapIndex;
  const appliedTerm = applied === snapIndex ? (snap?.metadata.term ?? 0) : wal.storage.term(applied);
  let runtimeRef: NodeRuntime | undefined;
  const live = isDurable(stateMachine)
    ? { appliedIndex: () => runtimeRef?.appliedIndex() ?? applied, build: () => (runtimeRef as NodeRuntime).currentSnapshot() }
    : undefined;
  const storage = storageWithSnapshots(wal.storage, snapshots, live);
  const runtime = new NodeRuntime({
    id: o.id,
    clusterId: o.clusterId,
    clock: o.clock,
    random: o.random,
    logger: o.logger,
    wal,
    snapshots,
    stateMachine,
    createRawNode: (from) =>
      new RawNode({
        id: o.id,
        electionTicks: o.electionTicks,
        heartbeatTicks: o.heartbeatTicks,
        storage,
        applied: from,
        maxSizePerMsg: MAX_SIZE_PER_MSG,
        maxInflightMsgs: MAX_INFLIGHT_MSGS,
        maxInflightBytes: 0,
        preVote: true,
        checkQuorum: true,
        leaseReads: o.leaseReads ?? false,
        random: o.random,
      }),
    decodeConfChange,
    applied,
    appliedTerm,
    peers: new Map(o.peers),
    tickIntervalMs: o.tickMs,
    snapshotEveryEntries: o.snapshotEntries,
    snapshotCatchupEntries: o.snapshotCatchupEntries,
    requestTimeoutMs: o.requestTimeoutMs,
    onFatal: o.onFatal,
  });
  runtimeRef = runtime;
  if (snap !== undefined) await runtime.restoreImage(snap.data, { peersOnly });

  return {
    runtime,
    store,
    kv: makeKv(runtime),
    async close() {
      await runtime.stop();
      if (store === undefined || !isDurable(stateMachine)) return;
      // A clean shutdown checkpoints, so the next start replays nothing.
      try {
        if (runtime.appliedIndex() > stateMachine.durableIndex()) await stateMachine.checkpoint(runtime.appliedIndex());
      } catch (e) {
        o.logger.error({ err: String(e) }, "final checkpoint failed; the log replays on restart");
      } finally {
        store.close();
      }
    },
  };
}

function imageIsEmpty(data: Uint8Array | undefined): boolean {
  return data === undefined || RuntimeSnapshot.decode(data).state.byteLength === 0;
}
