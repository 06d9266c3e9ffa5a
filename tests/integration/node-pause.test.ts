// A leader frozen with SIGSTOP (a long GC pause or a partition, seen from outside) is replaced;
// when it resumes it must not serve a stale linearizable read or acknowledge a write: ReadIndex
// needs a quorum round, which tells it about the newer term.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { TestCluster, waitFor } from "../support/cluster.js";

let c: TestCluster | undefined;

after(async () => {
  if (c !== undefined) for (const h of c.nodes.values()) h.proc?.kill("SIGCONT");
  await c?.close();
});

test("a paused old leader that resumes never serves a stale read and does not acknowledge writes", { timeout: 60_000 }, async () => {
  c = await TestCluster.start("pause", 3);
  const cluster = c;
  const old = await cluster.leader();
  await cluster.put(old, "k", "old");
  cluster.node(old).proc?.kill("SIGSTOP");
  const others = [1, 2, 3].filter((id) => id !== old);
  const next = await cluster.leader(10_000, others);
  await cluster.put(next, "k", "new");
  cluster.node(old).proc?.kill("SIGCONT");
  // Ask the resumed node immediately, before it has necessarily heard of the new term.
  const outcome = await cluster.get(old, "k").then(
    (r) => ({ value: Buffer.from(r.value).toString() }),
    (e: { details?: string }) => ({ error: e.details ?? String(e) }),
  );
  if ("value" in outcome) assert.equal(outcome.value, "new", "a linearizable read must see the newer write");
  else assert.match(outcome.error, /not the leader|leadership/);
  const write = await cluster.put(old, "k", "from-old").then(
    () => "acknowledged",
    (e: { details?: string }) => e.details ?? String(e),
  );
  assert.notEqual(write, "acknowledged");
  await waitFor("the resumed node to follow the new leader", 5000, async () =>
    (await cluster.status(old)).leader === next ? true : undefined,
  );
  assert.equal(await cluster.valueAt(next, "k"), "new");
});
