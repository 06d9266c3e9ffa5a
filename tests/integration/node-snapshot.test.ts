// Catch-up by snapshot: with frequent snapshots and no catch-up tail kept, a follower that was
// down while the log was compacted restarts and receives the state as a chunked snapshot.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, test } from "node:test";
import { TestCluster, waitFor } from "../support/cluster.js";

let c: TestCluster | undefined;

after(async () => {
  await c?.close();
});

test("a follower restarted after log compaction catches up by snapshot", { timeout: 60_000 }, async () => {
  c = await TestCluster.start("snapshot", 3, { nodeArgs: ["--snapshot-entries", "20", "--snapshot-catchup-entries", "0"] });
  const cluster = c;
  const lead = await cluster.leader();
  const follower = [1, 2, 3].find((id) => id !== lead) as number;
  await cluster.put(lead, "before", "1");
  await cluster.kill(follower, "SIGKILL");
  // Values large enough that the image spans several snapshot chunks (256 KiB each), yet within
  // the storage engine's value limit at the default page size (no overflow pages yet).
  const big = "x".repeat(4 * 1024);
  // Rounds of 5 concurrent puts: commands arriving together share an entry, so this makes >= 30 entries.
  for (let round = 0; round < 30; round++) {
    await Promise.all(Array.from({ length: 5 }, (_, j) => cluster.put(lead, `snap-${round * 5 + j}`, `${round * 5 + j}-${big}`, 10_000)));
  }
  const leaderStatus = await cluster.status(lead);
  assert.ok(leaderStatus.firstIndex > 2, `leader compacted its log (first index ${leaderStatus.firstIndex})`);

  await cluster.startNode(follower);
  await waitFor("the follower to catch up", 20_000, async () =>
    (await cluster.status(follower)).applied >= leaderStatus.commit ? true : undefined,
  );
  assert.equal(await cluster.valueAt(follower, "snap-149", true), `149-${big}`);
  assert.equal(await cluster.valueAt(follower, "before", true), "1");
  assert.match(readFileSync(cluster.node(follower).logFile, "utf8"), /installed snapshot from leader/);
  // It keeps following: a new write reaches it.
  await cluster.put(lead, "after", "2");
  await waitFor("the follower to apply a new write", 5000, async () =>
    (await cluster.valueAt(follower, "after", true)) === "2" ? true : undefined,
  );
});
