// A 3-node cluster end to end through real processes: election, replication, the `kodiak kv`
// CLI (redirects, cas, del, status, usage errors) and a clean SIGTERM shutdown.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import * as grpc from "@grpc/grpc-js";
import { HealthCheckResponse_ServingStatus, HealthClient } from "../../proto/gen/health.js";
import { runCli, TestCluster, waitFor } from "../support/cluster.js";

let c: TestCluster;

before(async () => {
  c = await TestCluster.start("cluster3", 3);
});

after(async () => {
  await c?.close();
});

test("a 3-node cluster elects exactly one leader that every node agrees on", { timeout: 20_000 }, async () => {
  const lead = await c.leader();
  const statuses = await Promise.all([1, 2, 3].map((id) => c.status(id)));
  assert.equal(statuses.filter((s) => s.role === "leader").length, 1);
  for (const s of statuses) {
    assert.equal(s.leader, lead);
    assert.equal(s.members.length, 3);
    assert.equal(s.clusterId, statuses[0]?.clusterId);
  }
});

test("writes acknowledged by the leader are replicated to every follower", { timeout: 20_000 }, async () => {
  const lead = await c.leader();
  for (let i = 0; i < 20; i++) await c.put(lead, `rep-${i}`, `v${i}`);
  for (const id of [1, 2, 3]) {
    await waitFor(`node ${id} to apply the writes`, 5000, async () => ((await c.valueAt(id, "rep-19", true)) === "v19" ? true : undefined));
    assert.equal(await c.valueAt(id, "rep-7", true), "v7");
  }
  assert.equal(await c.valueAt(lead, "rep-3"), "v3");
});

test("every node answers the standard gRPC health check with SERVING", { timeout: 20_000 }, async () => {
  for (const id of [1, 2, 3]) {
    const client = new HealthClient(c.node(id).address, grpc.credentials.createInsecure());
    try {
      const res = await new Promise<{ status: HealthCheckResponse_ServingStatus }>((resolve, reject) =>
        client.check({ service: "" }, new grpc.Metadata(), { deadline: new Date(Date.now() + 3000) }, (e, r) =>
          e ? reject(e) : resolve(r),
        ),
      );
      assert.equal(res.status, HealthCheckResponse_ServingStatus.SERVING);
    } finally {
      client.close();
    }
  }
});

test("an oversized value or an empty key is refused with a clear error and nothing is written", { timeout: 20_000 }, async () => {
  const lead = await c.leader();
  await assert.rejects(c.put(lead, "big", "x".repeat(1024 * 1024 + 1)), /value of 1048577 bytes exceeds 1048576/);
  await assert.rejects(c.put(lead, "", "v"), /key must not be empty/);
  assert.equal(await c.valueAt(lead, "big"), undefined);
});

test("a follower refuses linearizable requests with the leader's address", { timeout: 20_000 }, async () => {
  const lead = await c.leader();
  const follower = [1, 2, 3].find((id) => id !== lead) as number;
  await assert.rejects(c.put(follower, "x", "y"), (e: { details?: string; metadata?: { get(k: string): unknown[] } }) => {
    assert.match(e.details ?? "", /not the leader/);
    assert.equal(String(e.metadata?.get("kodiak-leader-address")[0]), c.node(lead).address);
    return true;
  });
});

test("kodiak kv put/get/cas/del/status work through any peer list and follow redirects", { timeout: 60_000 }, async () => {
  const lead = await c.leader();
  const follower = [1, 2, 3].find((id) => id !== lead) as number;
  // Only a follower listed: the CLI must follow the redirect to the leader.
  const viaFollower = c.peersFlag([follower]);
  let r = await c.cli(["put", "cli-k", "one"], viaFollower);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "OK\n");
  r = await c.cli(["get", "cli-k"], viaFollower);
  assert.equal(r.stdout, "one\n");
  r = await c.cli(["get", "cli-k", "--stale"]);
  assert.equal(r.code, 0);
  r = await c.cli(["cas", "cli-k", "wrong", "two"]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /cas failed: current value is 'one'/);
  r = await c.cli(["cas", "cli-k", "one", "two"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await c.cli(["get", "cli-k"])).stdout, "two\n");
  r = await c.cli(["cas", "cli-new", "--absent", "n"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await c.cli(["del", "cli-k"])).stdout, "1\n");
  assert.equal((await c.cli(["del", "cli-k"])).stdout, "0\n");
  r = await c.cli(["get", "cli-k"]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /not found/);
  for (const k of ["s-b", "s-a", "s-c", "t-z"]) assert.equal((await c.cli(["put", k, k.toUpperCase()])).code, 0);
  r = await c.cli(["scan", "s-", "s-z"]);
  assert.equal(r.stdout, "s-a S-A\ns-b S-B\ns-c S-C\n");
  // A stale read on a follower may lag by a heartbeat: wait for it rather than race it.
  r = await waitFor("the follower's stale scan", 5000, async () => {
    const s = await c.cli(["scan", "s-", "--limit", "2", "--stale"], viaFollower);
    return s.stdout === "s-a S-A\ns-b S-B\n" ? s : undefined;
  });
  assert.match(r.stderr, /more rows/);
  r = await c.cli(["status"]);
  assert.equal(r.code, 0);
  assert.match(r.stdout, new RegExp(`node ${lead} \\S+: role=leader term=\\d+ leader=${lead} commit=\\d+ applied=\\d+`));
  assert.match(r.stdout, /members: 1=127\.0\.0\.1:\d+ \(voter/);
});

test("kodiak kv rejects invalid usage with exit code 2", { timeout: 30_000 }, async () => {
  for (const args of [
    ["kv", "put", "k", "v"],
    ["kv", "--peers", "nonsense", "status"],
    ["kv", "--peers", "127.0.0.1:1", "frobnicate"],
    ["kv", "--peers", "127.0.0.1:1", "put", "k"],
  ]) {
    const r = await runCli(args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, /usage: kodiak kv/);
  }
});

test("kodiak kv against unreachable peers fails with a clear error within its timeout", { timeout: 20_000 }, async () => {
  const r = await runCli(["kv", "--peers", "127.0.0.1:1", "--timeout-ms", "1000", "put", "k", "v"]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /no leader answered/);
});

test("SIGTERM stops a node cleanly with exit code 0 and the rest keep serving", { timeout: 30_000 }, async () => {
  const lead = await c.leader();
  const victim = [1, 2, 3].find((id) => id !== lead) as number;
  assert.equal(await c.kill(victim, "SIGTERM"), 0);
  await c.put(lead, "after-term", "ok");
  assert.equal(await c.valueAt(lead, "after-term"), "ok");
});
