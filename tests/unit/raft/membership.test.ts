import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bytes, Cluster } from "./harness.js";

describe("raft membership changes", () => {
  it("adding a voter replicates the log to it and makes it count for the quorum", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    c.propose(1, "before");
    c.addNode(4);
    c.confChange(1, { type: "addVoter", nodeId: 4 });
    c.tickAll(2);
    assert.deepEqual(c.get(1).node.status().conf.voters, [1, 2, 3, 4]);
    assert.deepEqual(c.appliedData(4), ["before"]);
    // 4 voters: a majority is 3, so with 2 and 3 down nothing commits.
    c.isolate(2);
    c.isolate(3);
    c.get(1).node.propose(bytes("needs-3"));
    c.stabilize();
    assert.deepEqual(c.appliedData(4), ["before"]);
  });

  it("a learner receives the log but never counts for the quorum and never campaigns", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    c.addNode(4);
    c.confChange(1, { type: "addLearner", nodeId: 4 });
    c.propose(1, "x");
    assert.deepEqual(c.appliedData(4), ["x"]);
    assert.deepEqual(c.get(1).node.status().conf, { voters: [1, 2, 3], learners: [4] });
    // With 2 and 3 cut off, leader + learner are not a quorum.
    c.isolate(2);
    c.isolate(3);
    c.get(1).node.propose(bytes("y"));
    c.stabilize();
    assert.deepEqual(c.appliedData(1), ["x"]);
    // A learner's election timer never starts an election.
    for (let i = 0; i < 50; i++) c.tick(4);
    c.stabilize();
    assert.equal(c.get(4).node.status().role, "follower");
    assert.equal(c.get(4).node.status().term, 2);
  });

  it("a learner's vote is not counted by a candidate", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    c.addNode(4);
    c.confChange(1, { type: "addLearner", nodeId: 4 });
    c.tickAll(2);
    c.isolate(2);
    c.isolate(1);
    c.cutLink(3, 4);
    // Reconnect 3 with 4 only: 3 gets 4's answer, still short of a quorum of {1,2,3}.
    c.heal();
    c.filter = (m) => (m.from === 3 || m.to === 3 ? m.from === 4 || m.to === 4 : true);
    c.campaign(3);
    assert.notEqual(c.get(3).node.status().role, "leader");
  });

  it("promoting a learner (addVoter of an existing learner) makes it a voter", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    c.addNode(4);
    c.confChange(1, { type: "addLearner", nodeId: 4 });
    c.confChange(1, { type: "addVoter", nodeId: 4 });
    assert.deepEqual(c.get(1).node.status().conf, { voters: [1, 2, 3, 4], learners: [] });
    assert.deepEqual(c.get(4).node.status().conf, { voters: [1, 2, 3, 4], learners: [] });
  });

  it("only one membership change may be pending at a time", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    c.addNode(4);
    c.addNode(5);
    c.filter = (m) => m.type !== "MsgAppResp"; // keep the first change uncommitted
    c.confChange(1, { type: "addLearner", nodeId: 4 });
    assert.throws(() => c.get(1).node.proposeConfChange({ type: "addLearner", nodeId: 5 }), /membership change is already in progress/);
    c.filter = undefined;
    c.tickAll(2);
    c.confChange(1, { type: "addLearner", nodeId: 5 });
    assert.deepEqual(c.get(1).node.status().conf.learners, [4, 5]);
  });

  it("a removed follower no longer receives entries and the rest keep committing", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    c.confChange(1, { type: "removeNode", nodeId: 3 });
    c.tickAll(1);
    c.propose(1, "after-removal");
    assert.deepEqual(c.appliedData(2), ["after-removal"]);
    assert.deepEqual(c.appliedData(3), []);
    assert.deepEqual(c.get(1).node.status().conf.voters, [1, 2]);
  });

  it("a leader that removes itself steps down once the change is applied, and the others elect a leader", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    c.confChange(1, { type: "removeNode", nodeId: 1 });
    assert.equal(c.get(1).node.status().role, "follower");
    c.nodes.delete(1); // its runtime shuts it down
    for (let i = 0; i < 30 && c.leader() === 0; i++) c.tickAll();
    const lead = c.leader();
    assert.ok(lead === 2 || lead === 3);
    c.propose(lead, "z");
    assert.deepEqual(c.appliedData(2), ["z"]);
  });

  it("a new leader may not propose a membership change before it commits an entry of its term", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    c.filter = (m) => m.type !== "MsgAppResp";
    c.campaign(2);
    assert.equal(c.get(2).node.status().role, "leader");
    assert.throws(() => c.get(2).node.proposeConfChange({ type: "addLearner", nodeId: 4 }), /membership change|not committed/);
  });

  it("a node with a committed but unapplied membership change does not campaign", () => {
    const c = new Cluster([1, 2, 3]);
    // Fresh restart of 2 from storage: the bootstrap changes are committed but not yet applied.
    const n = c.addNode(2, c.get(2).storage);
    n.node.campaign();
    assert.equal(n.node.status().role, "follower");
  });
});
