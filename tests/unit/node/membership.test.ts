import assert from "node:assert/strict";
import { test } from "node:test";
import { LeaderWaiters, MAX_TRANSFER_WAITERS, planConfChange, TRANSFER_TIMEOUT_MS } from "../../../node/runtime/index.js";
import { KodiakError, ManualClock } from "../../../util/index.js";

const conf = { voters: [1, 2, 3], learners: [4] };

test("membership requests map to one-at-a-time changes and invalid ones are refused clearly", () => {
  assert.deepEqual(planConfChange("add-learner", 5, "127.0.0.1:5", conf, undefined), { type: "addLearner", address: "127.0.0.1:5" });
  assert.deepEqual(planConfChange("promote", 4, "", conf, "127.0.0.1:4"), { type: "addVoter", address: "127.0.0.1:4" });
  assert.deepEqual(planConfChange("remove", 2, "", conf, undefined), { type: "removeNode", address: "" });
  const refused: Array<[string, number, string, RegExp]> = [
    ["demote", 2, "", /unknown membership action 'demote'/],
    ["promote", 2, "", /node 2 is not a learner/],
    ["remove", 9, "", /node 9 is not a member/],
    ["add-learner", 3, "127.0.0.1:3", /node 3 is already a member/],
    ["add-voter", 6, "", /an address is needed to add node 6/],
    ["add-voter", 0, "127.0.0.1:1", /invalid node id 0/],
  ];
  for (const [action, id, addr, re] of refused) {
    assert.throws(
      () => planConfChange(action, id, addr, conf, undefined),
      (e: unknown) => e instanceof KodiakError && re.test(e.message),
    );
  }
});

test("transfer waiters resolve when the leader changes, time out otherwise, and are bounded", async () => {
  const clock = new ManualClock();
  const w = new LeaderWaiters(clock);
  const ok = w.wait(3);
  const late = w.wait(2);
  w.leaderChanged(3);
  await ok;
  clock.advance(TRANSFER_TIMEOUT_MS);
  await assert.rejects(late, /did not move to node 2/);
  const many = Array.from({ length: MAX_TRANSFER_WAITERS }, () => w.wait(5));
  assert.throws(() => w.wait(5), /too many leadership transfers/);
  w.leaderChanged(5);
  await Promise.all(many);
});
