import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type DevServer, run, startDevServer } from "./pgwire-support.js";

/** What pgbench printed about the run: processed transactions and failures. */
function summary(out: string): { processed: number; failed: number } {
  const processed = /number of transactions actually processed: (\d+)/.exec(out);
  const failed = /number of failed transactions: (\d+)/.exec(out);
  assert.ok(processed !== null && failed !== null, `unexpected pgbench output:\n${out}`);
  return { processed: Number(processed[1]), failed: Number(failed[1]) };
}

describe("real pgbench with a custom script against the pgwire dev server (fake engine)", () => {
  let server: DevServer;
  let dir: string;
  before(async () => {
    server = await startDevServer(["--engine", "fake"]);
    dir = mkdtempSync(join(tmpdir(), "pgwire-pgbench-"));
    writeFileSync(join(dir, "script.sql"), "\\set x random(1, 1000)\nSELECT :x::int4 + 1;\nSELECT count(*) FROM bench;\n");
    const setup = await run("/usr/bin/psql", [
      "-X",
      "-h",
      "127.0.0.1",
      "-p",
      String(server.port),
      "-U",
      "kodiak",
      "-c",
      "CREATE TABLE bench (a int)",
    ]);
    assert.equal(setup.code, 0, setup.stderr);
  });
  after(async () => {
    await server?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  for (const mode of ["simple", "extended", "prepared"]) {
    it(`runs with the ${mode} query protocol, 2 clients, zero failed transactions`, async () => {
      const r = await run("/usr/bin/pgbench", [
        "-h",
        "127.0.0.1",
        "-p",
        String(server.port),
        "-U",
        "kodiak",
        "-n",
        "-M",
        mode,
        "-c",
        "2",
        "-t",
        "100",
        "-f",
        join(dir, "script.sql"),
      ]);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      assert.deepEqual(summary(r.stdout), { processed: 200, failed: 0 });
    });
  }
});
