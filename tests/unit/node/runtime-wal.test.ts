// The runtime over the real WAL (node/log) on the simulated disk: bootstrap, restart from the
// log, and a full disk during append.
import assert from "node:assert/strict";
import { test } from "node:test";
import { KvCommand, KvResult } from "../../../proto/gen/raft.js";
import { openWal } from "../../../node/log/index.js";
import { decodeConfChange, RawNode } from "../../../node/raft/index.js";
import { encodeRuntimeImage, NodeRuntime, SnapshotStore, storageWithSnapshots } from "../../../node/runtime/index.js";
import { MemoryKvStateMachine } from "../../../node/state-machine/index.js";
import type { RaftTransport } from "../../../node/transport/index.js";
import { KodiakError, ManualClock, SeededRandom, SimFileSystem, silentLogger } from "../../../util/index.js";

const noTransport: RaftTransport = { send() {}, setPeer() {}, removePeer() {}, peerAddress: () => undefined, close() {} };
const put = (k: string, v: string): Uint8Array => KvCommand.encode({ put: { key: Buffer.from(k), value: Buffer.from(v) } }).finish();

async function openNode(fs: SimFileSystem, bootstrap: boolean) {
  fs.mkdirp("/data");
  const wal = await openWal(fs, "/data/log", { logger: silentLogger });
  const snapshots = new SnapshotStore(fs, "/data");
  const peers = new Map([[1, "127.0.0.1:1"]]);
  if (bootstrap) {
    const snap = {
      metadata: { index: 1, term: 1, conf: { voters: [1], learners: [] } },
      data: encodeRuntimeImage(peers, new Uint8Array(0)),
    };
    await snapshots.save(snap);
    await wal.applySnapshot(snap);
    await wal.save({ term: 1, vote: 0, commit: 1 }, []);
  }
  const snap = snapshots.load();
  const kv = new MemoryKvStateMachine();
  const random = new SeededRandom(7);
  const storage = storageWithSnapshots(wal.storage, snapshots);
  const runtime = new NodeRuntime({
    id: 1,
    clusterId: "t",
    clock: new ManualClock(),
    random,
    logger: silentLogger,
    wal,
    snapshots,
    stateMachine: kv,
    createRawNode: (applied) =>
      new RawNode({
        id: 1,
        electionTicks: 10,
        heartbeatTicks: 1,
        storage,
        applied,
        maxSizePerMsg: 1 << 20,
        maxInflightMsgs: 64,
        maxInflightBytes: 0,
        preVote: true,
        checkQuorum: false,
        leaseReads: false,
        random,
      }),
    decodeConfChange,
    applied: snap?.metadata.index ?? 0,
    appliedTerm: snap?.metadata.term ?? 0,
    peers,
    tickIntervalMs: 100,
    snapshotEveryEntries: 25,
    snapshotCatchupEntries: 5,
    requestTimeoutMs: 5000,
    onFatal: (e) => assert.fail(`fatal: ${String(e)}`),
  });
  if (snap !== undefined) runtime.restoreImage(snap.data);
  runtime.start(noTransport);
  return { runtime, kv, wal };
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 5000 && !cond(); i++) await new Promise((r) => setImmediate(r));
  assert.ok(cond(), "condition reached");
}

async function lead(n: { runtime: NodeRuntime }): Promise<void> {
  n.runtime.campaign();
  await until(() => n.runtime.status().role === "leader");
}

test("a node restarted from its log and snapshot file has every acknowledged write", async () => {
  const fs = new SimFileSystem(new SeededRandom(1));
  const a = await openNode(fs, true);
  await lead(a);
  for (let i = 0; i < 60; i++) await a.runtime.propose(put(`k${i}`, `v${i}`));
  assert.ok(a.wal.stats().firstIndex > 2, "the log was compacted after snapshots");
  await a.runtime.stop();
  fs.crash();
  const b = await openNode(fs, false);
  await lead(b);
  await until(() => b.runtime.appliedIndex() >= b.runtime.status().commit);
  for (let i = 0; i < 60; i++) assert.equal(Buffer.from(b.kv.get(Buffer.from(`k${i}`)) ?? []).toString(), `v${i}`);
  await b.runtime.stop();
});

test("with the real log, a full disk fails the write without acknowledging it and the node recovers when space returns", async () => {
  const fs = new SimFileSystem(new SeededRandom(2));
  const n = await openNode(fs, true);
  await lead(n);
  await n.runtime.propose(put("before", "1"));
  fs.faults.diskFullProbability = 1;
  await assert.rejects(n.runtime.propose(put("during", "2")), (e: unknown) => e instanceof KodiakError && e.code === "53100");
  assert.equal(n.kv.get(Buffer.from("during")), undefined);
  // Stale reads keep working.
  assert.equal(Buffer.from(n.kv.get(Buffer.from("before")) ?? []).toString(), "1");
  fs.faults.diskFullProbability = 0;
  await lead(n);
  assert.equal(KvResult.decode(await n.runtime.propose(put("after", "3"))).ok, true);
  await n.runtime.stop();
});
