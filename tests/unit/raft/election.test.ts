import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MemoryRaftStorage } from "../../../node/raft/index.js";
import { Cluster } from "./harness.js";

describe("raft election", () => {
  it("a 3-node election reads as a transcript: votes, then the leader's empty entry, then commit", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    assert.deepEqual(c.trace(["MsgVote", "MsgVoteResp", "MsgApp", "MsgAppResp"]), [
      "1->2 MsgVote term=2",
      "1->3 MsgVote term=2",
      "2->1 MsgVoteResp term=2",
      "3->1 MsgVoteResp term=2",
      "1->2 MsgApp term=2 prev=3/1 ents=1 commit=3",
      "1->3 MsgApp term=2 prev=3/1 ents=1 commit=3",
      "2->1 MsgAppResp term=2 index=4",
      "3->1 MsgAppResp term=2 index=4",
      "1->2 MsgApp term=2 prev=4/2 ents=0 commit=4",
      "1->3 MsgApp term=2 prev=4/2 ents=0 commit=4",
      "2->1 MsgAppResp term=2 index=4",
      "3->1 MsgAppResp term=2 index=4",
    ]);
  });

  it("a node that campaigns in a healthy 3-node cluster becomes leader and commits an empty entry of its term", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    assert.equal(c.leader(), 1);
    const s = c.get(1).node.status();
    assert.equal(s.term, 2);
    // 3 bootstrap conf entries + the leader's empty entry, committed everywhere.
    for (const id of [1, 2, 3]) assert.equal(c.get(id).node.status().commit, 4);
    assert.equal(c.get(2).node.status().lead, 1);
  });

  it("a follower that stops hearing from the leader campaigns after its randomized timeout", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    c.isolate(1);
    for (let i = 0; i < 25; i++) {
      c.tick(2);
      c.tick(3);
      c.stabilize();
    }
    const lead = c.get(2).node.status().lead;
    assert.ok(lead === 2 || lead === 3, `new leader among 2,3 (got ${lead})`);
    assert.ok(c.get(lead).node.status().term > 2);
  });

  it("a follower with a longer log but an older term does not win the election", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    // Leader 1 appends two entries nobody else sees, then 2 wins term 3 with a shorter log.
    c.isolate(1);
    c.get(1).node.propose(new TextEncoder().encode("x1"));
    c.get(1).node.propose(new TextEncoder().encode("x2"));
    c.stabilize();
    c.campaign(2);
    assert.equal(c.get(2).node.status().role, "leader");
    assert.equal(c.get(2).storage.lastIndex(), 5);
    assert.equal(c.get(1).storage.lastIndex(), 6);
    // Node 1 restarts as a follower with its longer, older log and campaigns twice.
    c.addNode(1, c.get(1).storage);
    c.stabilize(); // applies the bootstrap membership entries again
    c.heal();
    c.filter = (m) => !(m.from === 2 && (m.type === "MsgApp" || m.type === "MsgHeartbeat"));
    c.delivered.length = 0;
    c.campaign(1);
    c.campaign(1);
    assert.notEqual(c.get(1).node.status().role, "leader");
    assert.ok(c.get(1).node.status().term >= 4);
    assert.ok(
      c.trace(["MsgVoteResp"]).every((l) => l.endsWith("reject")),
      "every vote for 1 was refused",
    );
    c.filter = undefined;
    for (let i = 0; i < 40 && c.leader() === 0; i++) c.tickAll();
    assert.notEqual(c.leader(), 1);
    c.propose(c.leader(), "z");
    assert.deepEqual(c.appliedData(1), ["z"], "node 1's uncommitted x1, x2 were overwritten");
  });

  it("with PreVote a partitioned node does not bump its term, and does not disrupt the leader on return", () => {
    const c = new Cluster([1, 2, 3], { preVote: true });
    c.campaign(1);
    c.isolate(3);
    for (let i = 0; i < 50; i++) {
      c.tick(3);
      c.stabilize();
    }
    assert.equal(c.get(3).node.status().term, 2, "pre-candidate keeps its term");
    assert.equal(c.get(3).node.status().role, "preCandidate");
    c.heal();
    c.tickAll(3);
    assert.equal(c.leader(), 1);
    assert.equal(c.get(1).node.status().term, 2);
  });

  it("without PreVote a returning partitioned node forces a new term", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    c.isolate(3);
    for (let i = 0; i < 50; i++) {
      c.tick(3);
      c.stabilize();
    }
    assert.ok(c.get(3).node.status().term > 2);
    c.heal();
    c.tickAll(25);
    assert.ok(c.get(1).node.status().term > 2, "the old leader saw the higher term");
  });

  it("with CheckQuorum a leader that cannot reach a majority steps down", () => {
    const c = new Cluster([1, 2, 3], { checkQuorum: true });
    c.campaign(1);
    c.isolate(1);
    // The first check (tick 10) still sees the election's answers; the second (tick 20) fails.
    for (let i = 0; i < 21; i++) {
      c.tick(1);
      c.stabilize();
    }
    assert.equal(c.get(1).node.status().role, "follower");
    assert.equal(c.get(1).node.status().term, 2, "stepping down does not change the term");
  });

  it("with CheckQuorum followers in a leader's lease ignore a disruptive candidate", () => {
    const c = new Cluster([1, 2, 3], { checkQuorum: true });
    c.tickAll(11); // leave the boot lease
    c.campaign(1);
    assert.equal(c.leader(), 1);
    c.get(3).node.campaign();
    c.stabilize();
    assert.equal(c.get(1).node.status().role, "leader");
    assert.equal(c.get(2).node.status().term, c.get(1).node.status().term);
  });

  it("a node restarted from storage keeps its term and vote and will not vote twice in a term", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    const st = c.get(2).storage;
    assert.equal(st.hardState.vote, 1);
    const restarted = c.addNode(2, st);
    assert.equal(restarted.node.status().term, 2);
    assert.equal(restarted.node.status().vote, 1);
    restarted.node.step({
      type: "MsgVote",
      from: 3,
      to: 2,
      term: 2,
      logTerm: 2,
      index: 100,
      entries: [],
      commit: 0,
      reject: false,
      rejectHint: 0,
    });
    const rd = restarted.node.ready();
    const resp = rd.messages.find((m) => m.type === "MsgVoteResp");
    assert.ok(resp?.reject, "vote for 3 in term 2 rejected");
  });

  it("randomized election timeouts differ between nodes", () => {
    const seen = new Set<number>();
    for (const id of [1, 2, 3, 4, 5]) {
      const c = new Cluster([id]);
      const n = c.addNode(10 + id, MemoryRaftStorage.bootstrap([10 + id]));
      c.stabilize();
      let t = 0;
      while (n.node.status().role !== "leader" && t < 100) {
        n.node.tick();
        c.stabilize();
        t++;
      }
      assert.ok(t >= 10 && t < 20, `timeout ${t} in [e, 2e)`);
      seen.add(t);
    }
    assert.ok(seen.size > 1);
  });
});
