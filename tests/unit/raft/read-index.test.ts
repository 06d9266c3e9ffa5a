import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bytes, Cluster, text } from "./harness.js";

describe("raft ReadIndex and lease reads", () => {
  it("a read on the leader is released only after a heartbeat round confirms leadership", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    c.propose(1, "w");
    const commit = c.get(1).node.status().commit;
    c.delivered.length = 0;
    c.get(1).node.readIndex(bytes("r1"));
    c.stabilize();
    assert.deepEqual(
      c.get(1).readStates.map((r) => [r.index, text(r.context)]),
      [[commit, "r1"]],
    );
    const hb = c.delivered.filter((m) => m.type === "MsgHeartbeat" && m.context !== undefined);
    assert.equal(hb.length, 2, "the read sent a heartbeat round carrying its context");
  });

  it("a partitioned leader cannot serve a ReadIndex read", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    c.isolate(1);
    c.get(1).node.readIndex(bytes("r1"));
    c.stabilize();
    c.tickAll(3);
    assert.deepEqual(c.get(1).readStates, []);
  });

  it("a read on a follower is forwarded to the leader and answered with the leader's commit index", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    c.propose(1, "w");
    c.get(3).node.readIndex(bytes("f1"));
    c.stabilize();
    assert.deepEqual(
      c.get(3).readStates.map((r) => [r.index, text(r.context)]),
      [[c.get(1).node.status().commit, "f1"]],
    );
    assert.deepEqual(c.get(1).readStates, [], "the leader answered the follower, not itself");
  });

  it("a new leader holds reads until it has committed an entry of its own term", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    // Hold back every append so the no-op of term 2 cannot commit.
    c.filter = (m) => m.type !== "MsgAppResp";
    c.campaign(2);
    assert.equal(c.get(2).node.status().role, "leader");
    c.get(2).node.readIndex(bytes("early"));
    c.stabilize();
    assert.deepEqual(c.get(2).readStates, []);
    c.filter = undefined;
    c.tickAll(2);
    assert.deepEqual(
      c.get(2).readStates.map((r) => text(r.context)),
      ["early"],
    );
    assert.ok((c.get(2).readStates[0]?.index ?? 0) >= 5, "read index covers the new term's entry");
  });

  it("with lease reads a leader with a fresh quorum lease answers without a heartbeat round", () => {
    const c = new Cluster([1, 2, 3], { checkQuorum: true, leaseReads: true });
    c.tickAll(10); // leave the boot-time lease every node starts with
    c.campaign(1);
    c.tickAll(1); // a heartbeat round establishes the lease
    c.delivered.length = 0;
    c.get(1).node.readIndex(bytes("lease"));
    assert.equal(c.get(1).node.ready().readStates.length, 1, "answered in the same step");
    c.get(1).node.advance();
    assert.equal(c.delivered.length, 0);
  });

  it("a leader whose lease expired (no acks for longer than the lease) falls back to ReadIndex", () => {
    const c = new Cluster([1, 2, 3], { checkQuorum: true, leaseReads: true });
    c.tickAll(10);
    c.campaign(1);
    c.tickAll(1);
    c.isolate(1);
    for (let i = 0; i < 9; i++) c.tick(1);
    c.stabilize();
    assert.equal(c.get(1).node.status().role, "leader", "still leader before CheckQuorum runs");
    c.get(1).node.readIndex(bytes("late"));
    c.stabilize();
    assert.deepEqual(c.get(1).readStates, [], "no lease, no quorum: no answer");
  });

  it("a leader that started a leadership transfer stops serving lease reads", () => {
    const c = new Cluster([1, 2, 3], { checkQuorum: true, leaseReads: true });
    c.tickAll(10);
    c.campaign(1);
    c.tickAll(1);
    c.filter = (m) => m.type !== "MsgTimeoutNow";
    c.get(1).node.transferLeader(2);
    c.stabilize();
    c.get(1).node.readIndex(bytes("during-transfer"));
    const rd = c.get(1).node.ready();
    assert.equal(rd.readStates.length, 0, "not answered from the lease");
    c.get(1).node.advance();
  });

  it("followers inside a leader lease ignore vote requests that do not come from a transfer", () => {
    const c = new Cluster([1, 2, 3], { checkQuorum: true, leaseReads: true, preVote: true });
    c.tickAll(10);
    c.campaign(1);
    c.tickAll(1);
    c.get(3).node.campaign();
    c.stabilize();
    assert.equal(c.leader(), 1);
  });

  it("a restarted follower keeps the lease promise: it ignores votes for an election timeout after boot", () => {
    const c = new Cluster([1, 2, 3], { checkQuorum: true, leaseReads: true });
    c.tickAll(10);
    c.campaign(1);
    c.tickAll(1);
    const restarted = c.addNode(2, c.get(2).storage);
    c.stabilize();
    c.isolate(1);
    c.get(3).node.campaign();
    c.stabilize();
    assert.notEqual(c.get(3).node.status().role, "leader", "2 refused within its boot lease");
    assert.equal(restarted.node.status().vote, 1);
  });

  it("the lease is shorter than the election timeout by the documented clock drift margin", () => {
    const c = new Cluster([1, 2, 3], { checkQuorum: true, leaseReads: true, maxClockDriftPercent: 10 });
    // (10 - 1) * 0.9 / 1.1 = 7.36 -> 7 ticks.
    assert.equal(c.get(1).node.raft.leaseTicks(), 7);
  });
});

describe("raft lease reads and clock drift", () => {
  /** Runs an isolated old leader (node 1) and the rest at given tick rates; returns stale lease reads seen. */
  function staleLeaseReads(leaderRate: number, followerRate: number): { stale: number; newLeader: boolean } {
    const c = new Cluster([1, 2, 3], { checkQuorum: true, leaseReads: true, preVote: true });
    c.tickAll(10);
    c.campaign(1);
    c.tickAll(1);
    c.propose(1, "before");
    c.isolate(1);
    const clock = new Map([
      [1, 0],
      [2, 0],
      [3, 0],
    ]);
    let stale = 0;
    let newLeader = false;
    for (let step = 0; step < 400; step++) {
      // Real time advances 0.1 nominal ticks per step; each node ticks at its own rate.
      for (const [id, acc] of clock) {
        const next = acc + 0.1 * (id === 1 ? leaderRate : followerRate);
        if (Math.floor(next) > Math.floor(acc)) c.tick(id);
        clock.set(id, next);
      }
      c.stabilize();
      const newCommit = Math.max(c.get(2).node.status().commit, c.get(3).node.status().commit);
      newLeader ||= c.get(2).node.status().role === "leader" || c.get(3).node.status().role === "leader";
      c.get(1).node.readIndex(bytes(`r${step}`));
      c.stabilize();
      for (const rs of c.get(1).readStates.splice(0)) if (rs.index < newCommit) stale++;
    }
    return { stale, newLeader };
  }

  it("within the documented drift bound (10%) an isolated leader's lease expires before a new leader can commit", () => {
    const r = staleLeaseReads(0.9, 1.1);
    assert.ok(r.newLeader, "the majority elected a new leader");
    assert.equal(r.stale, 0);
  });

  it("beyond the drift bound (a leader clock 5x slower) lease reads can be stale: the bound is a real assumption", () => {
    const r = staleLeaseReads(0.2, 1.0);
    assert.ok(r.newLeader);
    assert.ok(r.stale > 0, "stale reads observed");
  });
});
