import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bytes, Cluster } from "./harness.js";

describe("raft leadership transfer", () => {
  it("transferring to an up-to-date follower sends MsgTimeoutNow and the follower wins the next term", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    c.propose(1, "a");
    c.get(1).node.transferLeader(2);
    c.stabilize();
    assert.equal(c.leader(), 2);
    assert.equal(c.get(2).node.status().term, 3);
    assert.ok(c.delivered.some((m) => m.type === "MsgTimeoutNow" && m.to === 2));
  });

  it("a lagging transferee is caught up first, then gets MsgTimeoutNow", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    c.isolate(3);
    c.propose(1, "a");
    c.propose(1, "b");
    c.heal();
    c.get(1).node.transferLeader(3);
    c.stabilize();
    assert.equal(c.leader(), 3);
    assert.deepEqual(c.appliedData(3), ["a", "b"]);
  });

  it("proposals are refused while a transfer is in progress", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    c.filter = (m) => m.type !== "MsgTimeoutNow";
    c.get(1).node.transferLeader(2);
    c.stabilize();
    assert.equal(c.get(1).node.status().leadTransferee, 2);
    assert.throws(() => c.get(1).node.propose(bytes("x")), /leadership transfer/);
  });

  it("a transfer that does not finish within an election timeout is abandoned", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    c.filter = (m) => m.type !== "MsgTimeoutNow";
    c.get(1).node.transferLeader(2);
    c.stabilize();
    c.tickAll(10);
    assert.equal(c.get(1).node.status().leadTransferee, 0);
    assert.equal(c.leader(), 1);
    c.propose(1, "after");
    assert.deepEqual(c.appliedData(2), ["after"]);
  });

  it("a transfer to a learner, to itself or to an unknown node is ignored", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    c.confChange(1, { type: "addLearner", nodeId: 4 });
    c.addNode(4);
    c.tickAll(2);
    for (const to of [4, 1, 9]) {
      c.get(1).node.transferLeader(to);
      c.stabilize();
      assert.equal(c.get(1).node.status().leadTransferee, 0);
    }
    assert.equal(c.leader(), 1);
  });

  it("a transfer forced through MsgTimeoutNow wins even inside the followers' leader lease", () => {
    const c = new Cluster([1, 2, 3], { checkQuorum: true, preVote: true });
    c.campaign(1);
    c.tickAll(1);
    c.get(1).node.transferLeader(3);
    c.stabilize();
    assert.equal(c.leader(), 3);
  });
});
