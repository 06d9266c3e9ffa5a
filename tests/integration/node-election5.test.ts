// A 5-node cluster: one leader; with two nodes (the leader among them) killed, the remaining
// majority elects a new leader that serves, and the killed nodes rejoin.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { TestCluster, waitFor } from "../support/cluster.js";

let c: TestCluster | undefined;

after(async () => {
  await c?.close();
});

test("a 5-node cluster elects one leader and survives losing two nodes including the leader", { timeout: 60_000 }, async () => {
  c = await TestCluster.start("election5", 5);
  const cluster = c;
  const lead = await cluster.leader();
  const statuses = await Promise.all([1, 2, 3, 4, 5].map((id) => cluster.status(id)));
  assert.equal(statuses.filter((s) => s.role === "leader").length, 1);
  await cluster.put(lead, "five", "1");
  const other = [1, 2, 3, 4, 5].find((id) => id !== lead) as number;
  await Promise.all([cluster.kill(lead, "SIGKILL"), cluster.kill(other, "SIGKILL")]);
  const killedAt = Date.now();
  const next = await cluster.leader(10_000);
  assert.ok(![lead, other].includes(next));
  await cluster.put(next, "five", "2");
  assert.ok(Date.now() - killedAt < 5000, "the majority elected a leader promptly");
  assert.equal(await cluster.valueAt(next, "five"), "2");
  await Promise.all([cluster.startNode(lead), cluster.startNode(other)]);
  for (const id of [lead, other]) {
    await waitFor(`node ${id} to catch up`, 15_000, async () => ((await cluster.valueAt(id, "five", true)) === "2" ? true : undefined));
  }
  assert.equal((await cluster.status(lead)).leader, next);
});
