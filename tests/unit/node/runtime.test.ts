import assert from "node:assert/strict";
import { test } from "node:test";
import { KvCommand, KvResult } from "../../../proto/gen/raft.js";
import type { Wal, WalStats } from "../../../node/log/index.js";
import {
  decodeConfChange,
  type Entry,
  type HardState,
  MemoryRaftStorage,
  type Message,
  RawNode,
  type Snapshot,
} from "../../../node/raft/index.js";
import { MAX_COMMAND_BYTES, NodeRuntime, SnapshotStore } from "../../../node/runtime/index.js";
import { MemoryKvStateMachine } from "../../../node/state-machine/index.js";
import type { RaftTransport } from "../../../node/transport/index.js";
import { KodiakError, ManualClock, SeededRandom, SimFileSystem, silentLogger } from "../../../util/index.js";

/** A Wal over MemoryRaftStorage whose save() can be made to fail like a full disk. */
class FakeWal implements Wal {
  readonly mem: MemoryRaftStorage;
  failSaves: KodiakError | undefined;
  saves = 0;

  constructor(voters: number[]) {
    this.mem = new MemoryRaftStorage({ voters, learners: [] });
  }

  get storage() {
    return this.mem;
  }

  async save(hs: HardState | undefined, entries: Entry[]): Promise<void> {
    await new Promise((r) => setImmediate(r));
    if (this.failSaves !== undefined) throw this.failSaves;
    this.saves++;
    if (entries.length > 0) this.mem.append(entries);
    if (hs !== undefined) this.mem.setHardState(hs);
  }

  async applySnapshot(s: Snapshot): Promise<void> {
    this.mem.applySnapshot(s);
  }

  async compact(): Promise<void> {}

  stats(): WalStats {
    return {
      firstIndex: this.mem.firstIndex(),
      lastIndex: this.mem.lastIndex(),
      segments: 0,
      bytes: 0,
      fsyncs: this.saves,
      cachedEntries: 0,
    };
  }

  async close(): Promise<void> {}
}

interface TestNode {
  runtime: NodeRuntime;
  wal: FakeWal;
  kv: MemoryKvStateMachine;
  sent: Message[];
}

/** Wires n runtimes with an in-memory transport; `violations` collects persist-before-send breaches. */
function cluster(n: number, opts: { maxPendingRequests?: number; unbatched?: boolean } = {}) {
  const clock = new ManualClock();
  const nodes = new Map<number, TestNode>();
  const cut = new Set<number>();
  const violations: string[] = [];
  const voters = Array.from({ length: n }, (_, i) => i + 1);
  for (const id of voters) {
    const wal = new FakeWal(voters);
    const kv = new MemoryKvStateMachine();
    const sent: Message[] = [];
    const transport: RaftTransport = {
      send(msgs) {
        for (const m of msgs) {
          // A leader may send entries while it persists them (Ready.sendBeforePersist), but an
          // acknowledgement, or a commit index beyond what it has durable, only after.
          if (m.type === "MsgAppResp" && !m.reject && m.index > wal.mem.lastIndex()) {
            violations.push(`node ${id} acknowledged entry ${m.index} before persisting it (durable up to ${wal.mem.lastIndex()})`);
          }
          if (m.commit > wal.mem.lastIndex()) {
            violations.push(`node ${id} sent commit ${m.commit} beyond its durable log (up to ${wal.mem.lastIndex()})`);
          }
          sent.push(m);
          if (cut.has(m.to) || cut.has(id)) continue;
          setImmediate(() => nodes.get(m.to)?.runtime.step([m]));
        }
      },
      setPeer() {},
      removePeer() {},
      peerAddress: () => undefined,
      metrics: () => ({}),
      close() {},
    };
    const random = new SeededRandom(id);
    const runtime = new NodeRuntime({
      id,
      clusterId: "test",
      clock,
      random,
      logger: silentLogger,
      wal,
      snapshots: new SnapshotStore(new SimFileSystem(), "/snap"),
      // unbatched: a state machine that does not declare commandsPerEntry (one command per entry).
      stateMachine: opts.unbatched
        ? { apply: (cmd) => kv.apply(cmd), snapshot: () => kv.snapshot(), restore: (img) => kv.restore(img) }
        : kv,
      createRawNode: (applied) =>
        new RawNode({
          id,
          electionTicks: 10,
          heartbeatTicks: 1,
          storage: wal.mem,
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
      applied: 0,
      appliedTerm: 0,
      peers: new Map(voters.map((v) => [v, `127.0.0.1:${v}`])),
      tickIntervalMs: 100,
      snapshotEveryEntries: 1_000_000,
      snapshotCatchupEntries: 0,
      requestTimeoutMs: 5000,
      maxPendingRequests: opts.maxPendingRequests,
      onFatal: (e) => violations.push(`fatal: ${String(e)}`),
    });
    runtime.start(transport);
    nodes.set(id, { runtime, wal, kv, sent });
  }
  const node = (id: number): TestNode => nodes.get(id) as TestNode;
  return { clock, node, cut, violations, stop: () => Promise.all([...nodes.values()].map((x) => x.runtime.stop())) };
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !cond(); i++) await new Promise((r) => setImmediate(r));
  assert.ok(cond(), "condition reached");
}

const put = (k: string, v: string): Uint8Array => KvCommand.encode({ put: { key: Buffer.from(k), value: Buffer.from(v) } }).finish();

test("a proposal resolves with its result only after apply, and no node sends an entry it has not persisted", async () => {
  const c = cluster(3);
  try {
    c.node(1).runtime.campaign();
    await until(() => c.node(1).runtime.status().role === "leader");
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => c.node(1).runtime.propose(put(`k${i}`, `v${i}`))));
    for (const r of results) assert.equal(KvResult.decode(r).ok, true);
    // Resolution implies apply on the leader.
    assert.equal(Buffer.from(c.node(1).kv.get(Buffer.from("k19")) ?? []).toString(), "v19");
    await until(() => c.node(3).runtime.appliedIndex() === c.node(1).runtime.appliedIndex());
    assert.equal(Buffer.from(c.node(3).kv.get(Buffer.from("k7")) ?? []).toString(), "v7");
    assert.deepEqual(c.violations, []);
    assert.ok(c.node(1).sent.some((m) => m.type === "MsgApp" && m.entries.length > 0));
  } finally {
    await c.stop();
  }
});

test("a follower refuses proposals and reads with the leader's id and address", async () => {
  const c = cluster(3);
  try {
    c.node(1).runtime.campaign();
    await until(() => c.node(2).runtime.status().leader === 1);
    await assert.rejects(c.node(2).runtime.propose(put("a", "b")), (e: unknown) => {
      assert.ok(e instanceof KodiakError);
      assert.equal(e.code, "57P03");
      assert.match(e.message, /leader is node 1 at 127\.0\.0\.1:1/);
      return true;
    });
    await assert.rejects(c.node(2).runtime.readBarrier(), /not the leader/);
  } finally {
    await c.stop();
  }
});

test("a ReadIndex read waits until the leader has applied everything committed before it", async () => {
  const c = cluster(3);
  try {
    c.node(1).runtime.campaign();
    await until(() => c.node(1).runtime.status().role === "leader");
    await c.node(1).runtime.propose(put("r", "1"));
    await c.node(1).runtime.readBarrier();
    assert.ok(c.node(1).runtime.appliedIndex() >= c.node(1).runtime.status().commit);
  } finally {
    await c.stop();
  }
});

test("pending requests are bounded: with no quorum the queue fills and further proposals get 53300", async () => {
  const c = cluster(3, { maxPendingRequests: 4 });
  try {
    c.node(1).runtime.campaign();
    await until(() => c.node(1).runtime.status().role === "leader");
    c.cut.add(2);
    c.cut.add(3);
    const waiting = Array.from({ length: 4 }, (_, i) => c.node(1).runtime.propose(put(`p${i}`, "x")));
    await assert.rejects(c.node(1).runtime.propose(put("p5", "x")), (e: unknown) => e instanceof KodiakError && e.code === "53300");
    c.clock.advance(5000); // the waiting ones time out: outcome unknown, never a false success
    for (const w of waiting) await assert.rejects(w, (e: unknown) => e instanceof KodiakError && e.code === "40003");
  } finally {
    await c.stop();
  }
});

test("a full disk during append fails the request, acknowledges nothing, and the node steps down but keeps serving", async () => {
  const c = cluster(1);
  try {
    const n = c.node(1);
    n.runtime.campaign();
    await until(() => n.runtime.status().role === "leader");
    await n.runtime.propose(put("kept", "1"));
    n.wal.failSaves = new KodiakError("53100", "write /data/log/seg: no space left on device");
    await assert.rejects(
      n.runtime.propose(put("lost", "2")),
      (e: unknown) => e instanceof KodiakError && e.code === "53100" && /not acknowledged/.test(e.message),
    );
    await until(() => n.runtime.status().role !== "leader");
    assert.equal(Buffer.from(n.kv.get(Buffer.from("kept")) ?? []).toString(), "1");
    assert.equal(n.kv.get(Buffer.from("lost")), undefined);
    // Space comes back: the node is elected again and serves writes.
    n.wal.failSaves = undefined;
    n.runtime.campaign();
    await until(() => n.runtime.status().role === "leader");
    assert.equal(KvResult.decode(await n.runtime.propose(put("later", "3"))).ok, true);
    assert.deepEqual(c.violations, []);
  } finally {
    await c.stop();
  }
});

test("a leader whose append fails after it sent the entries to followers answers 'outcome unknown', never 'failed'", async () => {
  const c = cluster(3);
  try {
    const n = c.node(1);
    n.runtime.campaign();
    await until(() => n.runtime.status().role === "leader");
    await n.runtime.propose(put("kept", "1"));
    n.wal.failSaves = new KodiakError("53100", "write /data/log/seg: no space left on device");
    // The followers got the entry while the leader was writing it: a later leader may commit it.
    await assert.rejects(
      n.runtime.propose(put("maybe", "2")),
      (e: unknown) => e instanceof KodiakError && e.code === "40003" && /sent to followers/.test(e.message),
    );
    n.wal.failSaves = undefined;
    assert.deepEqual(c.violations, []);
  } finally {
    await c.stop();
  }
});

test("commands proposed together go out in one append and one MsgApp per follower, each with its own result, in order", async () => {
  const c = cluster(3);
  try {
    const n = c.node(1);
    n.runtime.campaign();
    await until(() => n.runtime.status().role === "leader");
    // The leader's empty entry of its term is in before we count.
    await until(() => n.runtime.appliedIndex() > 0 && n.runtime.appliedIndex() === n.wal.mem.lastIndex());
    const before = n.wal.mem.lastIndex();
    const cas = (expected: string, value: string): Uint8Array =>
      KvCommand.encode({
        cas: { key: Buffer.from("c"), expected: Buffer.from(expected), expectAbsent: expected === "", value: Buffer.from(value) },
      }).finish();
    // A chain of cas commands: each succeeds only if the one before it was applied first.
    const results = await Promise.all(["", "1", "2", "9", "3"].map((exp, i) => n.runtime.propose(cas(exp, String(i + 1)))));
    assert.deepEqual(
      results.map((r) => KvResult.decode(r).ok),
      [true, true, true, false, true],
    );
    // Commands share entries where the state machine allows it (this fixture does; the storage
    // engine gives each command its own commit timestamp), and one MsgApp per follower carried them.
    const appended = n.wal.mem.lastIndex() - before;
    assert.ok(appended >= 1 && appended <= 5, `appended ${appended} entries for five commands`);
    const apps = n.sent.filter((m) => m.type === "MsgApp" && m.to === 2 && m.entries.some((e) => e.index > before));
    assert.equal(apps[0]?.entries.at(-1)?.index, n.wal.mem.lastIndex(), "the first MsgApp to a follower carried every new entry");
    assert.equal(Buffer.from(n.kv.get(Buffer.from("c")) ?? []).toString(), "5");
  } finally {
    await c.stop();
  }
});

test("a state machine that does not allow batching gets one command per entry, each at its own index", async () => {
  const c = cluster(3, { unbatched: true });
  try {
    const n = c.node(1);
    n.runtime.campaign();
    await until(() => n.runtime.status().role === "leader");
    const before = n.wal.mem.lastIndex();
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => n.runtime.propose(put(`u${i}`, "x"))));
    const indexes = results.map((r) => KvResult.decode(r).index);
    assert.equal(new Set(indexes).size, 6, `distinct indexes: ${indexes.join(",")}`);
    assert.ok(n.wal.mem.lastIndex() - before >= 6);
  } finally {
    await c.stop();
  }
});

test("a command larger than one entry's batch travels in an entry of its own", async () => {
  const c = cluster(3);
  try {
    const n = c.node(1);
    n.runtime.campaign();
    await until(() => n.runtime.status().role === "leader");
    const big = put("big", "x".repeat(700 * 1024));
    const results = await Promise.all([n.runtime.propose(put("a", "1")), n.runtime.propose(big), n.runtime.propose(put("b", "2"))]);
    const idx = results.map((r) => KvResult.decode(r).index);
    assert.ok(idx.every((i, k) => KvResult.decode(results[k] as Uint8Array).ok && i > 0));
    assert.notEqual(idx[1], idx[0]);
    assert.notEqual(idx[1], idx[2]);
    await assert.rejects(n.runtime.propose(new Uint8Array(MAX_COMMAND_BYTES + 1)), new RegExp(`exceeds ${MAX_COMMAND_BYTES}`));
  } finally {
    await c.stop();
  }
});
