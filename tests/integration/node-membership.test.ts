// Membership through `kodiak kv`: add a learner (a node started with --join), promote it,
// remove a node, and transfer leadership — on a live 3-node cluster.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { TestCluster, waitFor } from "../support/cluster.js";

let c: TestCluster;

before(async () => {
  c = await TestCluster.start("membership", 3);
});

after(async () => {
  await c?.close();
});

async function roles(): Promise<Map<number, string>> {
  const s = await c.status(await c.leader());
  return new Map(s.members.map((m) => [m.id, m.role]));
}

test("a node started with --join is added as a learner, catches up, and is promoted to voter", { timeout: 60_000 }, async () => {
  const lead = await c.leader();
  for (let i = 0; i < 10; i++) await c.put(lead, `m-${i}`, `${i}`);
  const n4 = await c.define(4);
  await c.startNode(4, ["--join"], c.peersFlag([1, 2, 3, 4]));
  let r = await c.cli(["member", "add-learner", `4=${n4.address}`]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /4=127\.0\.0\.1:\d+ \(learner/);
  assert.equal((await roles()).get(4), "learner");
  await waitFor("the learner to catch up", 15_000, async () => ((await c.valueAt(4, "m-9", true)) === "9" ? true : undefined));
  const s4 = await c.status(4);
  assert.equal(s4.clusterId, (await c.status(lead)).clusterId);
  assert.equal(s4.role, "follower");

  r = await c.cli(["member", "promote", "4"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await roles()).get(4), "voter");
  r = await c.cli(["member", "promote", "4"]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /not a learner/);
});

test("a removed node leaves the membership and the cluster keeps serving", { timeout: 60_000 }, async () => {
  const lead = await c.leader();
  const victim = [1, 2, 3].find((id) => id !== lead) as number;
  const r = await c.cli(["member", "remove", String(victim)]);
  assert.equal(r.code, 0, r.stderr);
  const m = await roles();
  assert.equal(m.has(victim), false);
  assert.equal(m.size, 3);
  await c.kill(victim, "SIGKILL");
  await c.put(await c.leader(), "after-remove", "ok");
  assert.equal(await c.valueAt(await c.leader(), "after-remove"), "ok");
});

test("leadership moves to the requested voter with kodiak kv transfer", { timeout: 60_000 }, async () => {
  const lead = await c.leader();
  const voters = [...(await roles())].filter(([, role]) => role === "voter").map(([id]) => id);
  const target = voters.find((id) => id !== lead) as number;
  const r = await c.cli(["transfer", String(target)]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(await c.leader(), target);
  await c.put(target, "after-transfer", "ok");
  assert.equal(await c.valueAt(target, "after-transfer"), "ok");
});
