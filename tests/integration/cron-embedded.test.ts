// Cron in embedded mode: `kodiak coordinator --embedded DIR` runs the scheduler in-process (a job
// runs and its run is recorded), SIGTERM stops it and gives the lease up, and the run history and
// the job survive a restart on the same directory. The schedule runs 30× faster than real time.

import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { connect, type KodiakClient } from "../../client/sdk/index.js";
import { waitFor } from "../support/cluster.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const kodiak = join(root, "bin", "kodiak.js");
const WAIT_MS = 30_000;

async function start(dir: string): Promise<{ proc: ChildProcess; db: KodiakClient }> {
  const proc = spawn(process.execPath, [kodiak, "coordinator", "--grpc", "127.0.0.1:0", "--embedded", dir, "--id", "solo"], {
    stdio: ["ignore", "pipe", "ignore"],
    env: { ...process.env, KODIAK_CRON_TEST_CLOCK: `${Date.now()}:30` },
  });
  let out = "";
  proc.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  const grpc = await waitFor("coordinator endpoints", WAIT_MS, () =>
    out.includes("\n") ? (JSON.parse(out.split("\n")[0]!) as { grpc: string }).grpc : undefined,
  );
  return { proc, db: connect(`kodiak://${grpc}/`) };
}

async function count(db: KodiakClient, sql: string): Promise<number> {
  return Number((await db.query(sql)).rows[0]!.c);
}

describe("cron in an embedded coordinator", { timeout: 90_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "kodiak-cron-embedded-"));
  const procs: ChildProcess[] = [];
  after(() => {
    for (const p of procs) if (p.exitCode === null) p.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });

  it("runs jobs in-process, releases the lease on SIGTERM, keeps history across a restart", async () => {
    const first = await start(dir);
    procs.push(first.proc);
    await first.db.query("CREATE TABLE hits (n INT)");
    await first.db.query("CREATE CRON JOB tick SCHEDULE '* * * * *' DO { INSERT INTO hits VALUES (1) }");
    await waitFor("a succeeded run", WAIT_MS, async () =>
      (await count(first.db, "SELECT count(*) AS c FROM kodiak_cron_runs WHERE job = 'tick' AND status = 'succeeded'")) > 0
        ? true
        : undefined,
    );
    assert.ok((await count(first.db, "SELECT count(*) AS c FROM hits")) > 0);
    assert.deepEqual((await first.db.query("SELECT holder FROM kodiak.cron_lease")).rows, [{ holder: "solo" }]);
    await first.db.close();
    const exited = new Promise<number | null>((r) => first.proc.once("exit", (code) => r(code)));
    first.proc.kill("SIGTERM");
    assert.equal(await exited, 0);

    const second = await start(dir);
    procs.push(second.proc);
    try {
      // Released at shutdown (expiry 0), unless the restarted coordinator already took it again.
      const lease = (await second.db.query("SELECT holder, expires_ms FROM kodiak.cron_lease")).rows[0]!;
      assert.equal(lease.holder, "solo");
      assert.ok(Number(lease.expires_ms) === 0 || Number(lease.expires_ms) > Date.now(), String(lease.expires_ms));
      assert.ok((await count(second.db, "SELECT count(*) AS c FROM kodiak_cron_runs WHERE status = 'succeeded'")) > 0);
      assert.deepEqual((await second.db.query("SELECT name, paused FROM kodiak_cron_jobs")).rows, [{ name: "tick", paused: false }]);
    } finally {
      await second.db.close();
      second.proc.kill("SIGTERM");
    }
  });
});
