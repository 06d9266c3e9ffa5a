import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeConfChange, type Entry, MAX_UNCOMMITTED_ENTRIES, MemoryRaftStorage, RawNode } from "../../../node/raft/index.js";
import { bytes, Cluster, type ConfigOverrides, config, msg } from "./harness.js";

describe("raft log replication", () => {
  it("a proposal on the leader is committed and applied on every node in order", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    for (const v of ["a", "b", "c"]) c.propose(1, v);
    for (const id of [1, 2, 3]) assert.deepEqual(c.appliedData(id), ["a", "b", "c"]);
  });

  it("a proposal on a follower is forwarded to the leader", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    c.propose(3, "via-follower");
    assert.deepEqual(c.appliedData(1), ["via-follower"]);
    assert.ok(c.delivered.some((m) => m.type === "MsgProp" && m.from === 3 && m.to === 1));
  });

  it("a proposal with no known leader is refused with a retryable error", () => {
    const c = new Cluster([1, 2, 3]);
    assert.throws(
      () => c.get(2).node.propose(bytes("x")),
      (e: Error & { code?: string }) => e.code === "57P03",
    );
  });

  it("the leader pipelines entries without waiting for acks, up to maxInflightMsgs per follower", () => {
    const c = new Cluster([1, 2, 3], { maxInflightMsgs: 3 });
    c.campaign(1);
    c.isolate(2);
    c.cutLink(1, 3);
    c.heal();
    // Hold back every ack: the leader keeps sending until the window is full.
    c.filter = (m) => m.type !== "MsgAppResp";
    c.delivered.length = 0;
    for (let i = 0; i < 10; i++) c.propose(1, `e${i}`);
    const apps = c.delivered.filter((m) => m.type === "MsgApp" && m.to === 2 && m.entries.length > 0);
    assert.equal(apps.length, 3, "three MsgApp in flight, the rest wait");
    c.filter = undefined;
    c.tickAll(3);
    assert.deepEqual(
      c.appliedData(2),
      Array.from({ length: 10 }, (_, i) => `e${i}`),
    );
  });

  it("maxInflightBytes bounds the bytes in flight to a follower", () => {
    const c = new Cluster([1, 2], { maxInflightMsgs: 100, maxInflightBytes: 250, maxSizePerMsg: 1 });
    c.campaign(1);
    c.filter = (m) => m.type !== "MsgAppResp";
    c.delivered.length = 0;
    for (let i = 0; i < 10; i++) c.propose(1, "x".repeat(100));
    const apps = c.delivered.filter((m) => m.type === "MsgApp" && m.entries.length > 0);
    assert.equal(apps.length, 3, "100+100+100 bytes reaches the 250-byte window");
    c.filter = undefined;
    c.tickAll(5);
    assert.equal(c.appliedData(2).length, 10);
  });

  it("a MsgApp carries at most maxSizePerMsg bytes of entries (at least one entry)", () => {
    const c = new Cluster([1, 2], { maxSizePerMsg: 200 });
    c.campaign(1);
    c.isolate(2);
    for (let i = 0; i < 6; i++) c.propose(1, "y".repeat(80));
    c.heal();
    c.delivered.length = 0;
    c.tickAll(3);
    const sizes = c.delivered.filter((m) => m.type === "MsgApp" && m.entries.length > 0).map((m) => m.entries.length);
    assert.ok(sizes.length >= 3 && sizes.every((n) => n <= 2), `batches ${sizes}`);
    assert.equal(c.appliedData(2).length, 6);
  });

  it("a follower with a divergent suffix is repaired with one rejection per conflicting term (fast back-off)", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    // Leader 1 (term 2) appends 20 entries only it has, then 2 leads term 3 and writes 5 more.
    c.isolate(1);
    for (let i = 0; i < 20; i++) c.get(1).node.propose(bytes(`stale${i}`));
    c.stabilize();
    c.campaign(2);
    for (let i = 0; i < 5; i++) c.propose(2, `new${i}`);
    // A fresh leader probes at its last index, far past where node 1's log diverges.
    c.campaign(3);
    c.heal();
    c.delivered.length = 0;
    c.tickAll(3);
    const rejects = c.delivered.filter((m) => m.type === "MsgAppResp" && m.reject && m.from === 1);
    // One entry at a time this would take 6 rejections (indexes 10..5); the hint skips term 2.
    assert.equal(rejects.length, 1, `rejections: ${rejects.length}`);
    assert.deepEqual(c.appliedData(1), ["new0", "new1", "new2", "new3", "new4"]);
  });

  /** Node 1 of 5 holds X (term 2) uncommitted at index 4, wins term 3, and hears that 2 and 3 store X. */
  function figure8(knobs: ConfigOverrides): RawNode {
    const storage = MemoryRaftStorage.bootstrap([1, 2, 3, 4, 5]);
    storage.append([
      { term: 2, index: 6, type: "normal", data: new Uint8Array(0) },
      { term: 2, index: 7, type: "normal", data: bytes("X") },
    ]);
    storage.setHardState({ term: 2, vote: 1, commit: 6 });
    const n = new RawNode(config(1, storage, { ...knobs, applied: 0 }));
    const rd = n.ready();
    for (const e of rd.committedEntries) if (e.type === "confChange") n.applyConfChange(decodeConfChange(e.data));
    n.advance();
    n.campaign();
    for (const from of [2, 3]) n.step(msg({ type: "MsgVoteResp", from, to: 1, term: 3 }));
    assert.equal(n.status().role, "leader");
    // 2 and 3 acknowledge up to X (index 7) but not yet the term-3 entry at 8.
    for (const from of [2, 3]) n.step(msg({ type: "MsgAppResp", from, to: 1, term: 3, index: 7 }));
    return n;
  }

  it("a leader does not commit an entry of a previous term by counting replicas (Figure 8)", () => {
    const n = figure8({});
    assert.equal(n.status().commit, 6, "X is stored by a majority (1, 2, 3) but stays uncommitted");
    n.step(msg({ type: "MsgAppResp", from: 2, to: 1, term: 3, index: 8 }));
    n.step(msg({ type: "MsgAppResp", from: 3, to: 1, term: 3, index: 8 }));
    assert.equal(n.status().commit, 8, "committing the term-3 entry commits X with it");
  });

  it("with the Figure 8 testing knob the same situation commits the previous-term entry by counting", () => {
    const n = figure8({ testingKnobs: { commitPreviousTermByCounting: true } });
    assert.equal(n.status().commit, 7);
  });

  it("a follower that falls behind a compacted log receives a snapshot and catches up", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    c.isolate(3);
    for (let i = 0; i < 10; i++) c.propose(1, `s${i}`);
    const leader = c.get(1);
    const applied = leader.node.status().applied;
    leader.storage.createSnapshot(applied, leader.node.status().conf, bytes("image"));
    leader.storage.compact(applied);
    c.heal();
    c.delivered.length = 0;
    c.tickAll(2);
    const snaps = c.delivered.filter((m) => m.type === "MsgSnap");
    assert.equal(snaps.length, 1);
    assert.equal(c.get(3).storage.snapshot().metadata.index, applied);
    c.get(1).node.reportSnapshot(3, true);
    c.tickAll(3);
    c.propose(1, "after");
    assert.deepEqual(c.appliedData(3), ["after"], "entries after the snapshot arrive by log");
    assert.equal(c.get(1).node.status().progress?.get(3)?.state, "replicate");
  });

  it("a failed snapshot (reportSnapshot false) makes the leader probe and retry", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    c.isolate(2);
    for (let i = 0; i < 5; i++) c.propose(1, `s${i}`);
    const leader = c.get(1);
    const applied = leader.node.status().applied;
    leader.storage.createSnapshot(applied, leader.node.status().conf, bytes("image"));
    leader.storage.compact(applied);
    c.heal();
    c.filter = (m) => m.type !== "MsgSnap";
    c.tickAll(3);
    assert.equal(leader.node.status().progress?.get(2)?.state, "snapshot");
    leader.node.reportSnapshot(2, false);
    assert.equal(leader.node.status().progress?.get(2)?.state, "probe");
    c.filter = undefined;
    c.tickAll(3);
    assert.equal(c.get(2).storage.snapshot().metadata.index, applied);
  });

  it("Ready hands out entries to persist together with the messages that depend on them", () => {
    const s = MemoryRaftStorage.bootstrap([1]);
    const n = new RawNode(config(1, s));
    let rd = n.ready();
    s.append(rd.entries);
    if (rd.hardState) s.setHardState(rd.hardState);
    for (const e of rd.committedEntries) if (e.type === "confChange") n.applyConfChange({ type: "addVoter", nodeId: 1 });
    n.advance();
    n.campaign();
    rd = n.ready();
    assert.equal(rd.softState?.role, "leader");
    assert.ok(rd.mustSync);
    assert.equal(rd.hardState?.vote, 1);
    const last = rd.entries[rd.entries.length - 1] as Entry;
    assert.equal(last.term, rd.hardState?.term);
    s.append(rd.entries);
    n.advance();
    assert.throws(() => n.advance(), /advance\(\) without a Ready/);
    n.propose(bytes("z"));
    rd = n.ready();
    assert.throws(() => n.ready(), /before advance/);
    assert.equal(rd.committedEntries.map((e) => new TextDecoder().decode(e.data)).pop(), "z");
  });
});

describe("raft Ready.sendBeforePersist", () => {
  /** A 3-voter node driven by hand: its Readies are persisted in MemoryRaftStorage. */
  function persist(n: RawNode, s: MemoryRaftStorage) {
    const rd = n.ready();
    s.append(rd.entries);
    if (rd.hardState) s.setHardState(rd.hardState);
    for (const e of rd.committedEntries) if (e.type === "confChange") n.applyConfChange(decodeConfChange(e.data));
    n.advance();
    return rd;
  }

  it("only a leader with unchanged term and vote may send before persisting; followers never", () => {
    const s1 = MemoryRaftStorage.bootstrap([1, 2, 3]);
    const leader = new RawNode(config(1, s1));
    persist(leader, s1);
    leader.campaign();
    const vote = persist(leader, s1);
    assert.equal(vote.sendBeforePersist, false, "vote requests wait for the new term and vote to be durable");
    leader.step(msg({ type: "MsgVoteResp", from: 2, to: 1, term: vote.hardState?.term ?? 0 }));
    const first = persist(leader, s1);
    assert.equal(first.softState?.role, "leader");
    assert.ok(first.entries.length > 0 && first.messages.some((m) => m.type === "MsgApp"));
    assert.equal(first.sendBeforePersist, true, "replication overlaps the leader's own fsync");
    assert.equal(first.mustSync, true, "the entries are still fsynced before the next Ready");

    const s2 = MemoryRaftStorage.bootstrap([1, 2, 3]);
    const follower = new RawNode(config(2, s2));
    persist(follower, s2);
    for (const m of first.messages.filter((x) => x.to === 2)) follower.step(m);
    const ack = persist(follower, s2);
    assert.ok(ack.messages.some((m) => m.type === "MsgAppResp" && !m.reject));
    assert.equal(ack.sendBeforePersist, false, "an acknowledgement promises the entries are durable");
  });
});

describe("raft bad input", () => {
  it("a malformed message from a peer is refused with a protocol error and changes nothing", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    const n = c.get(2).node;
    const before = n.status();
    const bad = [
      msg({ type: "MsgApp", from: 1, to: 2, term: 2 ** 53, index: 4, logTerm: 2 }),
      msg({
        type: "MsgApp",
        from: 1,
        to: 2,
        term: 2,
        index: 4,
        logTerm: 2,
        entries: [{ term: 2, index: 9, type: "normal", data: bytes("gap") }],
      }),
      msg({
        type: "MsgApp",
        from: 1,
        to: 2,
        term: 2,
        index: 4,
        logTerm: 2,
        entries: [{ term: 7, index: 5, type: "normal", data: bytes("future") }],
      }),
      msg({ type: "MsgHeartbeat", from: -1, to: 2, term: 2 }),
      msg({ type: "MsgHeartbeat", from: 1, to: 2, term: 2, commit: 1.5 }),
    ];
    for (const m of bad)
      assert.throws(
        () => n.step(m),
        (e: Error & { code?: string }) => e.code === "08P01",
      );
    assert.deepEqual(n.status(), before);
  });

  it("messages from unknown nodes and local-only message types from the network are ignored", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    const n = c.get(1).node;
    n.step(msg({ type: "MsgAppResp", from: 42, to: 1, term: 2, index: 100 }));
    n.step(msg({ type: "MsgHup", from: 2, to: 1, term: 0 }));
    n.step(msg({ type: "MsgCheckQuorum", from: 2, to: 1, term: 0 }));
    assert.equal(n.status().role, "leader");
    assert.equal(n.status().progress?.has(42), false);
  });
});

describe("raft bounds", () => {
  it("a leader refuses proposals once MAX_UNCOMMITTED_ENTRIES are appended but not committed", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    c.isolate(1);
    const n = c.get(1).node;
    let accepted = 0;
    let refused: unknown;
    for (let i = 0; i <= MAX_UNCOMMITTED_ENTRIES && refused === undefined; i++) {
      try {
        n.propose(bytes(`u${i}`));
        accepted++;
      } catch (e) {
        refused = e;
      }
    }
    assert.equal(accepted, MAX_UNCOMMITTED_ENTRIES);
    assert.match(String(refused), /too many uncommitted entries/);
    // Once the followers catch up and commit, proposals are accepted again.
    c.stabilize();
    c.heal();
    c.tickAll(3);
    c.propose(1, "again");
    assert.equal(c.appliedData(2).at(-1), "again");
  });
});
