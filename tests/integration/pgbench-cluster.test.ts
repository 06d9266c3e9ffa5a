// Real pgbench against a 3-node cluster: PgWireServer in this process over RemoteSqlEngine
// (sessions on the Raft leader). `pgbench -i -s 1`, then short select-only and TPC-B-like runs
// (simple and prepared protocol) with zero failed transactions, and TPC-B's balance invariant.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { PgWireServer } from "../../coordinator/pgwire/index.js";
import { RemoteSqlEngine } from "../../coordinator/sql-host/index.js";
import { KodiakError, silentLogger } from "../../util/index.js";
import { TestCluster, waitFor } from "../support/cluster.js";

/** pgbench -i moves 100k rows in one transaction: slow on a loaded machine, so bounded generously. */
const INIT_TIMEOUT_MS = 240_000;
const RUN_TIMEOUT_MS = 60_000;
/**
 * The leader's event loop is busy for seconds while it loads 100k rows in one statement; a long
 * election timeout keeps followers from deposing it meanwhile (ticks of 100 ms: 15-30 s).
 */
const NODE_ARGS = ["--election-ticks", "150", "--request-timeout-ms", "120000"];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let cluster: TestCluster | undefined;
let engine: RemoteSqlEngine | undefined;
let pg: PgWireServer | undefined;
let port = 0;

/** Asynchronous on purpose: the pgwire server runs in this process. */
function pgbench(args: string[], timeoutMs = RUN_TIMEOUT_MS): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      "/usr/bin/pgbench",
      ["-h", "127.0.0.1", "-p", String(port), "-U", "kodiak", ...args, "kodiak"],
      { encoding: "utf8", timeout: timeoutMs, env: { ...process.env, PGCONNECT_TIMEOUT: "20" }, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => resolve({ code: err === null ? 0 : typeof err.code === "number" ? err.code : -1, stdout, stderr }),
    );
  });
}

/** What pgbench printed about a run. */
function summary(r: Run): { processed: number; failed: number; retried: number } {
  const out = r.stdout;
  const processed = /number of transactions actually processed: (\d+)/.exec(out);
  const failed = /number of failed transactions: (\d+)/.exec(out);
  const retried = /number of transactions retried: (\d+)/.exec(out);
  assert.ok(processed !== null && failed !== null, `unexpected pgbench output:\n${out}\n${r.stderr}`);
  return { processed: Number(processed[1]), failed: Number(failed[1]), retried: retried === null ? 0 : Number(retried[1]) };
}

async function scalar(sql: string): Promise<unknown> {
  const s = await (engine as RemoteSqlEngine).openSession({ user: "t", database: "kodiak" });
  try {
    let last: unknown;
    for await (const r of s.run(sql)) last = r.rows?.[0]?.[0];
    return last;
  } finally {
    await s.close();
  }
}

describe("real pgbench against a 3-node cluster through pgwire", { timeout: 420_000 }, () => {
  before(async () => {
    cluster = await TestCluster.start("pgbench", 3, { nodeArgs: NODE_ARGS });
    const c = cluster;
    engine = new RemoteSqlEngine({ nodes: new Map([...c.nodes].map(([id, h]) => [id, h.address])), logger: silentLogger });
    pg = new PgWireServer({ engine, logger: silentLogger, maxConnections: 50 });
    port = (await pg.listen("127.0.0.1", 0)).port;
    await c.leader(30_000);
    await waitFor("a SQL session on the leader", 30_000, async () => {
      try {
        return (await scalar("SELECT 1")) === 1 ? true : undefined;
      } catch (e) {
        if (e instanceof KodiakError) return undefined;
        throw e;
      }
    });
  });

  after(async () => {
    await pg?.close();
    await engine?.close();
    await cluster?.close();
  });

  it("pgbench -i -s 1 creates and loads the four tables", async () => {
    const r = await pgbench(["-i", "-s", "1"], INIT_TIMEOUT_MS);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /done in [\d.]+ s/);
    assert.equal(await scalar("SELECT count(*) FROM pgbench_accounts"), 100_000n);
    assert.equal(await scalar("SELECT count(*) FROM pgbench_tellers"), 10n);
    assert.equal(await scalar("SELECT count(*) FROM pgbench_branches"), 1n);
  });

  it("select-only (-S), simple and prepared protocol, 2 clients: zero failed transactions", async () => {
    for (const mode of ["simple", "prepared"]) {
      const r = await pgbench(["-S", "-M", mode, "-c", "2", "-t", "50"]);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const s = summary(r);
      assert.equal(s.processed, 100, r.stdout);
      assert.equal(s.failed, 0, r.stdout);
    }
  });

  it("TPC-B-like default script, simple and prepared, retries serialization failures: zero failed, balances agree", async () => {
    let committed = 0;
    for (const mode of ["simple", "prepared"]) {
      // -n: no vacuum step, which would truncate pgbench_history between the two runs.
      const r = await pgbench(["-n", "-M", mode, "-c", "2", "-t", "15", "--max-tries", "20"]);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const s = summary(r);
      assert.equal(s.processed, 30, r.stdout);
      assert.equal(s.failed, 0, r.stdout);
      committed += s.processed;
    }
    // Every committed transaction added its delta to one account, teller and branch, and one history row.
    assert.equal(await scalar("SELECT count(*) FROM pgbench_history"), BigInt(committed));
    const accounts = await scalar("SELECT sum(abalance) FROM pgbench_accounts");
    assert.equal(await scalar("SELECT sum(tbalance) FROM pgbench_tellers"), accounts);
    assert.equal(await scalar("SELECT sum(bbalance) FROM pgbench_branches"), accounts);
    assert.equal(await scalar("SELECT sum(delta) FROM pgbench_history"), accounts);
  });
});
