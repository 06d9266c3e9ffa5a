// Cron in the `kodiak sql --embedded DIR` shell: jobs run in-process while the shell is open, the
// lease is given up when it exits, and a -c one-shot run starts no scheduler. The schedule runs
// 30× faster than real time (KODIAK_CRON_TEST_CLOCK).

import assert from "node:assert/strict";
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { CRON_IDLE_CHECK_MS } from "../../coordinator/cron/cron-service.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const kodiak = join(root, "bin", "kodiak.js");
const WAIT_MS = 30_000;

/** A jsonl conversation with one `kodiak sql --embedded` process: one statement, one answer line. */
class Shell {
  private buf = "";
  private waiters: (() => void)[] = [];
  constructor(readonly proc: ChildProcessWithoutNullStreams) {
    proc.stdout.setEncoding("utf8");
    proc.stdout.on("data", (d: string) => {
      this.buf += d;
      for (const w of this.waiters.splice(0)) w();
    });
  }
  async ask(statement: string): Promise<Record<string, unknown>> {
    this.proc.stdin.write(`${statement};\n`);
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const i = this.buf.indexOf("\n");
      if (i >= 0) {
        const line = this.buf.slice(0, i);
        this.buf = this.buf.slice(i + 1);
        return JSON.parse(line) as Record<string, unknown>;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no answer to ${statement} within ${WAIT_MS} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }
  exited(): Promise<number | null> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error("kodiak sql did not exit in time")), WAIT_MS);
      this.proc.on("exit", (code) => {
        clearTimeout(t);
        resolve(code);
      });
    });
  }
}

const env = () => ({ ...process.env, KODIAK_CRON_TEST_CLOCK: `${Date.now()}:30` });

describe("cron in the kodiak sql --embedded shell", { timeout: 90_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "kodiak-cron-sql-"));
  const procs: ChildProcessWithoutNullStreams[] = [];
  after(() => {
    for (const p of procs) if (p.exitCode === null) p.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });

  it("runs jobs while the shell is open, releases the lease on exit; -c runs no scheduler", async () => {
    const proc = spawn(process.execPath, [kodiak, "sql", "--embedded", dir, "--format", "jsonl"], { env: env() });
    procs.push(proc);
    const shell = new Shell(proc);
    await shell.ask("CREATE TABLE hits (n INT)");
    await shell.ask("CREATE CRON JOB tick SCHEDULE '* * * * *' DO { INSERT INTO hits VALUES (1) }");
    const deadline = Date.now() + WAIT_MS;
    let runs = 0;
    while (runs === 0) {
      assert.ok(Date.now() < deadline, "no succeeded cron run within the bound");
      await new Promise((r) => setTimeout(r, 200));
      const r = await shell.ask("SELECT count(*) FROM kodiak_cron_runs WHERE job = 'tick' AND status = 'succeeded'");
      runs = Number((r.rows as unknown[][])[0]![0]);
    }
    const hits = await shell.ask("SELECT count(*) FROM hits");
    assert.ok(Number((hits.rows as unknown[][])[0]![0]) >= runs);
    const lease = await shell.ask("SELECT holder FROM kodiak.cron_lease");
    assert.deepEqual(lease.rows, [[`sql-embedded-${proc.pid}`]]);
    proc.stdin.end();
    assert.equal(await shell.exited(), 0);

    // The shell gave the lease up on exit (expiry 0). A one-shot run (-f - held open past the
    // first lease round, CRON_IDLE_CHECK_MS after start) never takes it; a scheduler would.
    const oneShot = spawn(process.execPath, [kodiak, "sql", "--embedded", dir, "--format", "csv", "-f", "-"], { env: env() });
    procs.push(oneShot);
    let out = "";
    oneShot.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    await new Promise((r) => setTimeout(r, CRON_IDLE_CHECK_MS + 1500));
    oneShot.stdin.end("SELECT holder, expires_ms FROM kodiak.cron_lease;\n");
    assert.equal(await new Shell(oneShot).exited(), 0);
    assert.equal(out.trim().split("\n").at(-1), `sql-embedded-${proc.pid},0`);
  });
});
