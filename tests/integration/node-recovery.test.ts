// Restart safety: a node whose log tail was torn recovers and catches up; a data directory of
// another cluster or node is refused with a clear error; invalid flags are usage errors (exit 2).
import assert from "node:assert/strict";
import { readdirSync, statSync, truncateSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { freePort, runCli, TestCluster, waitFor } from "../support/cluster.js";

let c: TestCluster;
let other: TestCluster | undefined;

before(async () => {
  c = await TestCluster.start("recovery", 3);
});

after(async () => {
  await c?.close();
  await other?.close();
});

function newestSegment(dataDir: string): string {
  const dir = join(dataDir, "log");
  const segs = readdirSync(dir)
    .filter((f) => f.endsWith(".log"))
    .sort();
  assert.ok(segs.length > 0, "the node has log segments");
  return join(dir, segs[segs.length - 1] as string);
}

test("a node restarted with a truncated log tail recovers and catches up", { timeout: 60_000 }, async () => {
  const lead = await c.leader();
  const victim = [1, 2, 3].find((id) => id !== lead) as number;
  for (let i = 0; i < 30; i++) await c.put(lead, `t-${i}`, `${i}`);
  await waitFor("the victim to apply", 5000, async () => ((await c.valueAt(victim, "t-29", true)) === "29" ? true : undefined));
  await c.kill(victim, "SIGKILL");
  const seg = newestSegment(c.node(victim).dataDir);
  const size = statSync(seg).size;
  truncateSync(seg, size - 7); // a torn last record
  await c.put(lead, "t-after", "x");
  await c.startNode(victim);
  await waitFor("the victim to catch up after recovery", 15_000, async () =>
    (await c.valueAt(victim, "t-after", true)) === "x" ? true : undefined,
  );
  assert.equal(await c.valueAt(victim, "t-29", true), "29");
});

test("a data directory is refused when it belongs to another node id or another cluster id", { timeout: 30_000 }, async () => {
  const lead = await c.leader();
  const victim = [1, 2, 3].find((id) => id !== lead) as number;
  await c.kill(victim, "SIGKILL");
  const h = c.spawnNode(victim, ["--cluster-id", "some-other-cluster"]);
  assert.equal(await h.exited, 1);
  assert.match(c.logTail(victim, 4000), /belongs to cluster '[^']+', not cluster 'some-other-cluster'; refusing to start/);
  await c.startNode(victim); // unharmed: the right flags still work
});

test("a node started on a foreign cluster's data directory is refused by the peer check", { timeout: 60_000 }, async () => {
  other = await TestCluster.start("foreign", 1);
  const lead = await c.leader();
  const victim = [1, 2, 3].find((id) => id !== lead && id !== 1) as number;
  await c.kill(victim, "SIGKILL");
  // Node `victim` of cluster A, pointed at cluster B's node 1.
  const port = await freePort();
  const peers = `1=${other.node(1).address},${victim}=127.0.0.1:${port}`;
  const r = await runCli([
    "node",
    "--id",
    String(victim),
    "--data",
    c.node(victim).dataDir,
    "--listen",
    `127.0.0.1:${port}`,
    "--peers",
    peers,
  ]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /belongs to cluster '[^']+', but peer 1 at 127\.0\.0\.1:\d+ belongs to cluster '[^']+'; refusing to start/);
  // Cluster B is untouched and cluster A still serves.
  assert.equal(await other.leader(), 1);
  await c.put(await c.leader(), "still", "ok");
});

test("a second process on a data directory in use is refused", { timeout: 30_000 }, async () => {
  const id = c.running()[0] as number;
  const h = c.node(id);
  const port = await freePort();
  const r = await runCli(["node", "--id", String(id), "--data", h.dataDir, "--listen", `127.0.0.1:${port}`, "--peers", c.peersFlag()]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /data directory is in use by process \d+/);
  assert.equal((await c.status(id)).id, id); // the running node is unaffected
});

test("kodiak node with invalid flags prints usage and exits 2", { timeout: 30_000 }, async () => {
  for (const args of [
    ["node"],
    ["node", "--id", "x", "--data", "/tmp/x", "--listen", "127.0.0.1:1", "--peers", "1=127.0.0.1:1"],
    ["node", "--frob"],
  ]) {
    const r = await runCli(args);
    assert.equal(r.code, 2, args.join(" "));
    assert.match(r.stderr, /usage: kodiak node/);
  }
});
