// `kodiak coordinator` as a real process in front of a real 3-node cluster on 127.0.0.1:
// endpoints printed on stdout, SQL through the SDK on the leader, HTTP /healthz, /readyz and
// /metrics, ClusterStatus from the nodes (one leader, terms, indexes, an unreachable node after
// kill -9), `kodiak status`, a clean stop on SIGTERM; and a restart with --embedded.

import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { connect, KodiakError } from "../../client/sdk/index.js";
import { NodeRole } from "../../proto/gen/kodiak.js";
import { freePort, TestCluster, waitFor } from "../support/cluster.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const kodiak = join(root, "bin", "kodiak.js");
const WAIT_MS = 15_000;

async function get(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  return { status: res.status, body: await res.text() };
}

describe("kodiak coordinator over a 3-node cluster", { timeout: 60_000 }, () => {
  let cluster: TestCluster;
  let coord: ChildProcess;
  let exited: Promise<number | null>;
  let endpoints: { grpc: string; http: string };
  /** kill -9 without TestCluster.kill's 8 s race timer, which would hold the test process open. */
  const killNode = async (id: number) => {
    const h = cluster.node(id);
    if (h.proc === undefined) return;
    h.proc.kill("SIGKILL");
    await h.exited;
    h.proc = undefined;
  };

  before(async () => {
    cluster = await TestCluster.start("api-coord", 3);
    coord = spawn(process.execPath, [kodiak, "coordinator", "--grpc", "127.0.0.1:0", "--nodes", cluster.peersFlag(), "--id", "c1"], {
      stdio: ["ignore", "pipe", "ignore"],
    });
    exited = new Promise((resolve) => coord.once("exit", resolve));
    let out = "";
    coord.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
    });
    endpoints = await waitFor("coordinator endpoints", WAIT_MS, () =>
      out.includes("\n") ? (JSON.parse(out.split("\n")[0]!) as { grpc: string; http: string }) : undefined,
    );
  });

  after(async () => {
    if (coord.exitCode === null) coord.kill("SIGKILL");
    for (const id of cluster.nodes.keys()) await killNode(id);
    await cluster.close();
  });

  it("reports nodes, the leader, terms and indexes through ClusterStatus and kodiak status", async () => {
    const db = connect(`kodiak://${endpoints.grpc}/`);
    try {
      const st = await waitFor("a leader known to the coordinator", WAIT_MS, async () => {
        const s = await db.clusterStatus();
        return s.leaderId !== 0 ? s : undefined;
      });
      assert.equal(st.coordinatorId, "c1");
      assert.deepEqual(
        st.nodes.map((n) => n.id),
        [1, 2, 3],
      );
      assert.equal(st.nodes.filter((n) => n.role === NodeRole.NODE_ROLE_LEADER).length, 1);
      assert.equal(st.nodes.find((n) => n.role === NodeRole.NODE_ROLE_LEADER)?.id, st.leaderId);
      for (const n of st.nodes) {
        assert.equal(n.reachable, true);
        assert.equal(n.term, st.term);
        assert.ok(n.commitIndex >= 1, "the leader's first entry is committed");
      }
      // SQL runs on the leader through the coordinator; errors keep their SQLSTATE and position.
      await db.execute("CREATE TABLE coord_t (id int PRIMARY KEY, v text)");
      await db.query("INSERT INTO coord_t VALUES ($1, $2)", [1, "one"]);
      assert.deepEqual((await db.query("SELECT * FROM coord_t")).rows, [{ id: 1, v: "one" }]);
      await assert.rejects(
        db.query("SELECT * FROM nope"),
        (e: unknown) => e instanceof KodiakError && e.code === "42P01" && e.position === 15,
      );
      const status = spawnSync(process.execPath, [kodiak, "status", "--url", `kodiak://${endpoints.grpc}/`], {
        encoding: "utf8",
        timeout: WAIT_MS,
      });
      assert.equal(status.status, 0, status.stderr);
      assert.match(status.stdout, /coordinator c1 .*: ready, leader \d/);
      assert.match(status.stdout, / leader /);
      assert.match(status.stdout, /\(3 rows\)/);

      const follower = st.nodes.find((n) => n.role === NodeRole.NODE_ROLE_FOLLOWER)!;
      await killNode(follower.id);
      const after = await waitFor("the killed node to show as unreachable", WAIT_MS, async () => {
        const s = await db.clusterStatus();
        return s.nodes.find((n) => n.id === follower.id && !n.reachable) !== undefined ? s : undefined;
      });
      assert.equal(after.nodes.filter((n) => n.reachable).length, 2);
    } finally {
      await db.close();
    }
  });

  it("serves /healthz, /readyz and Prometheus /metrics over HTTP", async () => {
    assert.deepEqual(await get(`http://${endpoints.http}/healthz`), { status: 200, body: "ok\n" });
    const ready = await get(`http://${endpoints.http}/readyz`);
    assert.equal(ready.status, 200);
    assert.match(ready.body, /^ready: leader \d/);
    const m = await get(`http://${endpoints.http}/metrics`);
    assert.equal(m.status, 200);
    assert.match(m.body, /^# TYPE kodiak_coordinator_sessions_open gauge$/m);
    assert.match(m.body, /^kodiak_coordinator_statements_running_limit 64$/m);
    assert.match(m.body, /^kodiak_node_term\{node="1"\} \d+$/m);
    assert.match(m.body, /^kodiak_coordinator_calls_ok_total [1-9]\d*$/m);
    assert.match(m.body, /^kodiak_coordinator_calls_failed_total\{class="42"\} [1-9]\d*$/m);
    assert.equal((await get(`http://${endpoints.http}/nope`)).status, 404);
  });

  it("stops cleanly on SIGTERM", async () => {
    coord.kill("SIGTERM");
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([exited, new Promise((r) => (timer = setTimeout(() => r("timeout"), WAIT_MS)))]);
    clearTimeout(timer);
    assert.equal(code, 0);
  });
});

describe("kodiak coordinator restart", { timeout: 60_000 }, () => {
  const procs: ChildProcess[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), "kodiak-coord-"));
  after(() => {
    for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
    rmSync(dataDir, { recursive: true, force: true });
  });

  const start = async (port: number): Promise<ChildProcess> => {
    const p = spawn(process.execPath, [kodiak, "coordinator", "--embedded", dataDir, "--grpc", `127.0.0.1:${port}`], {
      stdio: ["ignore", "pipe", "ignore"],
    });
    procs.push(p);
    let out = "";
    p.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
    });
    await waitFor("coordinator endpoints", WAIT_MS, () => (out.includes("\n") ? true : undefined));
    return p;
  };

  it("an SDK client keeps working after the coordinator is killed and restarted, and embedded data survives", async () => {
    const port = await freePort();
    const first = await start(port);
    const db = connect(`kodiak://127.0.0.1:${port}/`);
    try {
      await db.execute("CREATE TABLE kept (a int); INSERT INTO kept VALUES (1)");
      const gone = new Promise((r) => first.once("exit", r));
      first.kill("SIGKILL");
      await gone;
      await assert.rejects(db.query("SELECT 2 AS a"), (e: unknown) => e instanceof KodiakError && e.code === "08006");
      await start(port);
      // The old session died with the process: the SDK opens a new one by itself.
      assert.deepEqual((await db.query("SELECT a FROM kept")).rows, [{ a: 1 }]);
    } finally {
      await db.close();
    }
  });
});

describe("kodiak coordinator started before its nodes", { timeout: 90_000 }, () => {
  let cluster: TestCluster;
  let coord: ChildProcess | undefined;
  const stopNodes = async () => {
    for (const h of cluster.nodes.values()) {
      if (h.proc === undefined) continue;
      h.proc.kill("SIGKILL");
      await h.exited;
      h.proc = undefined;
    }
  };

  before(async () => {
    cluster = await TestCluster.start("api-coord-late", 1);
    await stopNodes();
  });

  after(async () => {
    if (coord !== undefined && coord.exitCode === null) coord.kill("SIGKILL");
    await stopNodes();
    await cluster.close();
  });

  it("starts, reports not ready, and becomes ready and serves SQL once the nodes are up", async () => {
    coord = spawn(process.execPath, [kodiak, "coordinator", "--grpc", "127.0.0.1:0", "--nodes", cluster.peersFlag()], {
      stdio: ["ignore", "pipe", "ignore"],
    });
    let out = "";
    coord.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
    });
    const ep = await waitFor("coordinator endpoints", WAIT_MS, () =>
      out.includes("\n") ? (JSON.parse(out.split("\n")[0]!) as { grpc: string; http: string }) : undefined,
    );
    const down = await get(`http://${ep.http}/readyz`);
    assert.equal(down.status, 503);
    assert.match(down.body, /not ready: no leader known/);
    await Promise.all([...cluster.nodes.keys()].map((id) => cluster.startNode(id)));
    await waitFor("/readyz to say ready", WAIT_MS, async () => ((await get(`http://${ep.http}/readyz`)).status === 200 ? true : undefined));
    const db = connect(`kodiak://${ep.grpc}/`);
    try {
      assert.deepEqual((await db.query("SELECT 1 + 1 AS two")).rows, [{ two: 2 }]);
    } finally {
      await db.close();
    }
  });
});
