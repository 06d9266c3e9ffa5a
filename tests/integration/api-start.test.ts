// `kodiak start` as a real process: starts a node and a coordinator, prints the endpoints, runs a
// piped REPL session (.cluster) and stops everything when stdin ends; a second start on the same
// data directory reopens the same cluster on the same ports; --no-repl stops on SIGTERM.

import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const kodiak = join(root, "bin", "kodiak.js");
const WAIT_MS = 30_000;

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: "127.0.0.1", port });
    s.setTimeout(1000);
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
    s.once("timeout", () => {
      s.destroy();
      resolve(false);
    });
  });
}

describe("kodiak start", { timeout: 90_000 }, () => {
  const data = mkdtempSync(join(tmpdir(), "kodiak-start-"));
  after(() => rmSync(data, { recursive: true, force: true }));

  it("starts a cluster, serves a piped REPL session, stops when stdin ends, and reopens the same data", () => {
    // SQL runs on the nodes' Raft leader through the coordinator, so the rows outlive the processes.
    const run = (input: string) =>
      spawnSync(process.execPath, [kodiak, "start", "--nodes", "1", "--data", data], { input, encoding: "utf8", timeout: WAIT_MS });
    const first = run(".cluster\nCREATE TABLE st (a int);\nINSERT INTO st VALUES (5);\nSELECT *\nFROM st;\n");
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stderr, /gRPC {3}kodiak:\/\/127\.0\.0\.1:\d+\//);
    assert.match(first.stderr, /psql "host=127\.0\.0\.1 port=\d+ user=kodiak dbname=kodiak"/);
    assert.match(first.stdout, / {2}1 \| 127\.0\.0\.1:\d+ \| leader /);
    assert.ok(first.stdout.includes("CREATE TABLE\nINSERT 0 1\n a\n---\n 5\n(1 row)\n"), first.stdout);
    const layout = JSON.parse(readFileSync(join(data, "cluster.json"), "utf8")) as { grpcPort: number };
    const second = run(".cluster\nSELECT a FROM st;\n");
    assert.equal(second.status, 0, second.stderr);
    assert.ok(second.stderr.includes(`kodiak://127.0.0.1:${layout.grpcPort}/`), "same ports on the second start");
    assert.match(second.stdout, / leader /);
    assert.ok(second.stdout.includes(" a\n---\n 5\n(1 row)\n"), `the data written by the first start is there:\n${second.stdout}`);
  });

  it("keeps the cluster in the foreground with --no-repl until SIGTERM", async () => {
    const p = spawn(process.execPath, [kodiak, "start", "--nodes", "1", "--data", data, "--no-repl"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = new Promise<number | null>((resolve) => p.once("exit", resolve));
    let out = "";
    p.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    const deadline = Date.now() + WAIT_MS;
    while (!out.includes("logs ") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const port = Number(/kodiak:\/\/127\.0\.0\.1:(\d+)\//.exec(out)?.[1]);
    assert.ok(port > 0, out);
    assert.equal(await portOpen(port), true);
    const pgPort = Number(/port=(\d+) user=kodiak/.exec(out)?.[1]);
    if (spawnSync("psql", ["--version"]).status === 0) {
      const psql = spawnSync("psql", [`host=127.0.0.1 port=${pgPort} user=kodiak dbname=kodiak`, "-A", "-t", "-c", "SELECT 40 + 2"], {
        encoding: "utf8",
        timeout: WAIT_MS,
      });
      assert.equal(psql.stdout.trim(), "42", psql.stderr);
    }
    p.kill("SIGTERM");
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([exited, new Promise((r) => (timer = setTimeout(() => r("timeout"), WAIT_MS)))]);
    clearTimeout(timer);
    assert.equal(code, 0);
    assert.equal(await portOpen(port), false, "the coordinator stopped with it");
  });
});
