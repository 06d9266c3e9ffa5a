// The SDK through a coordinator process while the Raft leader is killed (-9) mid-workload:
// every acknowledged autocommit insert is present afterwards, the client saw only retryable
// errors, and writes resume within 3 s of the kill.

import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { connect, type KodiakClient, KodiakError } from "../../client/sdk/index.js";
import { NodeRole } from "../../proto/gen/kodiak.js";
import { TestCluster, waitFor } from "../support/cluster.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const kodiak = join(root, "bin", "kodiak.js");
const WAIT_MS = 20_000;
/** Bound on the whole workload. */
const WORKLOAD_MS = 15_000;
/** SQLSTATEs a client may see while leadership moves and simply retry. */
const RETRYABLE = new Set(["40001", "57P03", "57P01", "08006", "08003"]);

describe("SDK writes through a coordinator across a leader kill -9", { timeout: 90_000 }, () => {
  let cluster: TestCluster;
  let coord: ChildProcess;
  let db: KodiakClient;

  before(async () => {
    cluster = await TestCluster.start("api-failover", 3);
    coord = spawn(process.execPath, [kodiak, "coordinator", "--grpc", "127.0.0.1:0", "--nodes", cluster.peersFlag()], {
      stdio: ["ignore", "pipe", "ignore"],
    });
    let out = "";
    coord.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
    });
    const grpc = await waitFor("coordinator endpoints", WAIT_MS, () =>
      out.includes("\n") ? (JSON.parse(out.split("\n")[0]!) as { grpc: string }).grpc : undefined,
    );
    db = connect(`kodiak://${grpc}/`);
  });

  after(async () => {
    await db?.close();
    if (coord.exitCode === null) coord.kill("SIGKILL");
    for (const h of cluster.nodes.values()) {
      if (h.proc === undefined) continue;
      h.proc.kill("SIGKILL");
      await h.exited;
      h.proc = undefined;
    }
    await cluster.close();
  });

  it("loses no acknowledged insert and resumes within 3 s", async (t) => {
    await waitFor("a leader", WAIT_MS, async () => ((await db.clusterStatus()).leaderId !== 0 ? true : undefined));
    await waitFor("the SQL engine", WAIT_MS, () => db.execute("CREATE TABLE acked (id int PRIMARY KEY)").then(() => true));
    const acked: number[] = [];
    const errors: string[] = [];
    let killedAt = 0;
    let firstAckAfterKill = 0;
    const deadline = Date.now() + WORKLOAD_MS;
    for (let id = 1; Date.now() < deadline; id++) {
      if (id === 40) {
        const st = await db.clusterStatus();
        const leader = st.nodes.find((n) => n.role === NodeRole.NODE_ROLE_LEADER)!;
        const h = cluster.node(leader.id);
        h.proc?.kill("SIGKILL");
        await h.exited;
        h.proc = undefined;
        killedAt = Date.now();
      }
      try {
        await db.query("INSERT INTO acked VALUES ($1)", [id], { timeoutMs: 5000 });
        acked.push(id);
        if (killedAt !== 0 && firstAckAfterKill === 0) firstAckAfterKill = Date.now();
        if (firstAckAfterKill !== 0 && acked.length >= 60) break;
      } catch (e) {
        errors.push(e instanceof KodiakError ? e.code : String(e));
        if (errors.length === 1 || errors.length === 10)
          t.diagnostic(`error ${errors.length}: ${String(e)} ${e instanceof KodiakError ? (e.hint ?? "") : ""}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    t.diagnostic(
      `${acked.length} inserts acknowledged; writes resumed ${firstAckAfterKill - killedAt} ms after kill -9; errors: ${errors.join(",") || "none"}`,
    );
    assert.ok(killedAt > 0 && firstAckAfterKill > 0, `writes resumed after the kill (errors: ${errors.join(",")})`);
    assert.ok(firstAckAfterKill - killedAt <= 3000, `writes resumed ${firstAckAfterKill - killedAt} ms after the kill`);
    for (const code of errors) assert.ok(RETRYABLE.has(code), `only retryable errors, saw ${code} (all: ${errors.join(",")})`);
    const present = new Set((await db.query<{ id: number }>("SELECT id FROM acked")).rows.map((r) => r.id));
    for (const id of acked) assert.ok(present.has(id), `acknowledged insert ${id} is present`);
  });
});
