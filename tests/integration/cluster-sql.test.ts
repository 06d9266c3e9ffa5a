// SQL over a real 3-node cluster: sessions run on the leader's SQL engine through the SqlHost
// stream (RemoteSqlEngine), writes replicate to every node, kill -9 of the leader loses no
// acknowledged row and idle sessions move to the new leader; psql talks to it through pgwire.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { connect } from "../../client/sdk/index.js";
import { startApiServer } from "../../coordinator/grpc/index.js";
import { RemoteSqlEngine } from "../../coordinator/sql-host/index.js";
import { PgWireServer } from "../../coordinator/pgwire/index.js";
import type { SqlSession, StatementResult } from "../../sql/index.js";
import { KodiakError, silentLogger } from "../../util/index.js";
import { TestCluster, waitFor } from "../support/cluster.js";

let cluster: TestCluster | undefined;
let engine: RemoteSqlEngine | undefined;
let pg: PgWireServer | undefined;
let pgPort = 0;

async function all(session: SqlSession, sql: string): Promise<StatementResult[]> {
  const out: StatementResult[] = [];
  for await (const r of session.run(sql)) out.push(r);
  return out;
}

async function rows(session: SqlSession, sql: string): Promise<unknown[][]> {
  const results = await all(session, sql);
  return (results[results.length - 1]?.rows ?? []) as unknown[][];
}

describe("SQL over a 3-node cluster", { timeout: 120_000 }, () => {
  before(async () => {
    cluster = await TestCluster.start("sql", 3);
    const c = cluster;
    engine = new RemoteSqlEngine({ nodes: new Map([...c.nodes].map(([id, h]) => [id, h.address])), logger: silentLogger });
  });

  after(async () => {
    await pg?.close();
    await engine?.close();
    await cluster?.close();
  });

  it("runs DDL, DML and queries on the leader and replicates them to every node", async () => {
    const s = await (engine as RemoteSqlEngine).openSession({ user: "t", database: "kodiak" });
    await all(s, "CREATE TABLE accounts (id INT PRIMARY KEY, owner TEXT NOT NULL, balance NUMERIC(12,2) NOT NULL)");
    await all(s, "INSERT INTO accounts VALUES (1, 'ann', 100.50), (2, 'bob', 20), (3, 'cy', 0)");
    await all(s, "BEGIN");
    await all(s, "UPDATE accounts SET balance = balance - 10 WHERE id = 1");
    await all(s, "UPDATE accounts SET balance = balance + 10 WHERE id = 2");
    assert.equal(s.transactionStatus(), "inTransaction");
    await all(s, "COMMIT");
    assert.deepEqual(await rows(s, "SELECT id, owner, balance FROM accounts ORDER BY id"), [
      [1, "ann", "90.50"],
      [2, "bob", "30.00"],
      [3, "cy", "0.00"],
    ]);
    await assert.rejects(
      all(s, "SELECT nope FROM accounts"),
      (e: unknown) => e instanceof KodiakError && e.code === "42703" && e.position === 8,
    );
    await assert.rejects(
      all(s, "INSERT INTO accounts VALUES (1, 'dup', 1)"),
      (e: unknown) => e instanceof KodiakError && e.code === "23505",
    );
    // Every node applied the same entries: their applied indexes converge.
    const c = cluster as TestCluster;
    const leader = await c.leader();
    const target = (await c.status(leader)).commit;
    for (const id of [1, 2, 3]) {
      await waitFor(`node ${id} to apply index ${target}`, 10_000, async () => ((await c.status(id)).applied >= target ? true : undefined));
    }
    await s.close();
  });

  it("prepared statements with parameters work through the stream", async () => {
    const s = await (engine as RemoteSqlEngine).openSession({ user: "t", database: "kodiak" });
    const p = await s.prepare("SELECT owner FROM accounts WHERE id = $1", [0]);
    assert.equal(p.paramTypes.length, 1);
    assert.deepEqual(
      p.columns?.map((c) => c.name),
      ["owner"],
    );
    const r = await s.execute(p, [2]);
    assert.deepEqual(r.rows, [["bob"]]);
    await s.close();
  });

  it("psql works against pgwire over the cluster engine", async () => {
    pg = new PgWireServer({ engine: engine as RemoteSqlEngine, logger: silentLogger });
    const { port } = await pg.listen("127.0.0.1", 0);
    pgPort = port;
    // Asynchronous: the pgwire server runs in this process, so a blocking spawn would deadlock.
    const psql = (sql: string) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        const args = [
          "-h",
          "127.0.0.1",
          "-p",
          String(port),
          "-U",
          "kodiak",
          "-d",
          "kodiak",
          "-X",
          "-A",
          "-t",
          "-v",
          "ON_ERROR_STOP=1",
          "-v",
          "VERBOSITY=verbose",
          "-c",
          sql,
        ];
        execFile("psql", args, { encoding: "utf8", timeout: 20_000 }, (err, stdout, stderr) => {
          resolve({ code: err === null ? 0 : typeof err.code === "number" ? err.code : -1, stdout, stderr });
        });
      });
    const ok = await psql("SELECT owner, balance FROM accounts WHERE id = 1");
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout.trim(), "ann|90.50");
    const bad = await psql("SELECT * FROM missing_table");
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /42P01/);
    assert.match(bad.stderr, /missing_table/);
    // psql's catalog meta-commands go through pg_catalog queries.
    const dt = await psql("\\dt");
    assert.equal(dt.code, 0, dt.stderr);
    assert.match(dt.stdout, /public\|accounts\|table\|/);
    const dn = await psql("\\dn");
    assert.equal(dn.code, 0, dn.stderr);
    assert.match(dn.stdout, /public\|/);
  });

  it("psql \\d TABLE, \\d INDEX and \\di describe tables over the cluster (psql 15's catalog queries)", async () => {
    const port = pgPort;
    const psql = (...commands: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        const args = [
          "-h",
          "127.0.0.1",
          "-p",
          String(port),
          "-U",
          "kodiak",
          "-d",
          "kodiak",
          "-X",
          "-P",
          "pager=off",
          "-v",
          "ON_ERROR_STOP=1",
        ];
        for (const c of commands) args.push("-c", c);
        execFile("psql", args, { encoding: "utf8", timeout: 20_000 }, (err, stdout, stderr) => {
          resolve({ code: err === null ? 0 : typeof err.code === "number" ? err.code : -1, stdout, stderr });
        });
      });
    const setup = await psql(
      "CREATE TABLE widgets (id INT PRIMARY KEY, name VARCHAR(40) NOT NULL DEFAULT 'unnamed', price NUMERIC(10,2), CHECK (price >= 0))",
      "CREATE INDEX widgets_name ON widgets (name)",
    );
    assert.equal(setup.code, 0, setup.stderr);
    const d = await psql("\\d widgets");
    assert.equal(d.code, 0, d.stderr);
    const lines = d.stdout.split("\n").map((l) => l.trimEnd());
    assert.match(lines[0] ?? "", /Table "public\.widgets"/);
    assert.match(lines[1] ?? "", /Column \| +Type +\| Collation \| Nullable \| +Default/);
    const row = (col: string) =>
      lines
        .find((l) => l.trimStart().startsWith(`${col} `))
        ?.split("|")
        .map((x) => x.trim());
    assert.deepEqual(row("id"), ["id", "integer", "", "not null", ""]);
    assert.deepEqual(row("name"), ["name", "character varying(40)", "", "not null", "'unnamed'"]);
    assert.deepEqual(row("price"), ["price", "numeric(10,2)", "", "", ""]);
    const footer = lines.slice(lines.indexOf("Indexes:"));
    assert.deepEqual(footer.slice(0, 3), ["Indexes:", '    "widgets_pkey" PRIMARY KEY, btree (id)', '    "widgets_name" btree (name)']);
    assert.equal(footer[3], "Check constraints:");
    assert.match(footer[4] ?? "", /^ {4}"\w+" CHECK \(price >= 0(::numeric)?\)$/);

    const ix = await psql("\\d widgets_name");
    assert.equal(ix.code, 0, ix.stderr);
    assert.match(ix.stdout, /Index "public\.widgets_name"/);
    assert.match(ix.stdout, /name +\| character varying\(40\) \| yes +\| name/);
    assert.match(ix.stdout, /btree, for table "public\.widgets"/);

    const di = await psql("\\di");
    assert.equal(di.code, 0, di.stderr);
    assert.match(di.stdout, /public \| widgets_name +\| index \| kodiak \| widgets/);
    assert.match(di.stdout, /public \| widgets_pkey +\| index \| kodiak \| widgets/);

    const missing = await psql("\\d no_such_table");
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /Did not find any relation named "no_such_table"/);
  });

  it("COPY in and out through the gRPC API and the SDK runs on the leader's engine", async () => {
    const api = await startApiServer(engine as RemoteSqlEngine, { port: 0 });
    const db = connect(`kodiak://127.0.0.1:${api.port}/`);
    try {
      await db.execute("CREATE TABLE bulk (id INT PRIMARY KEY, label TEXT)");
      const source = (async function* () {
        for (let i = 1; i <= 500; i++) yield [i, i % 2 === 0 ? null : `row ${i}`];
      })();
      assert.equal(await db.copyFrom("COPY bulk FROM STDIN", source), 500);
      assert.deepEqual((await db.query("SELECT count(*) AS n, count(label) AS labelled FROM bulk")).rows, [{ n: 500n, labelled: 250n }]);
      let out = "";
      for await (const chunk of db.copyTo("COPY (SELECT id, label FROM bulk WHERE id <= 2 ORDER BY id) TO STDOUT WITH (FORMAT csv)")) {
        out += Buffer.from(chunk).toString("utf8");
      }
      assert.equal(out, "1,row 1\n2,\n");
    } finally {
      await db.close();
      await api.close();
    }
  });

  it("after kill -9 of the leader, every acknowledged row is there and idle sessions move to the new leader", async () => {
    const c = cluster as TestCluster;
    const s = await (engine as RemoteSqlEngine).openSession({ user: "t", database: "kodiak" });
    await all(s, "CREATE TABLE acked (id INT PRIMARY KEY)");
    let acked = 0;
    for (let i = 1; i <= 30; i++) {
      await all(s, `INSERT INTO acked VALUES (${i})`);
      acked = i;
    }
    const oldLeader = await c.leader();
    await c.kill(oldLeader, "SIGKILL");
    const newLeader = await c.leader(10_000, c.running());
    assert.notEqual(newLeader, oldLeader);
    // The session's node may be gone: the next statement reconnects to the new leader.
    const ids = await waitFor("a statement to succeed on the new leader", 15_000, async () => {
      try {
        return (await rows(s, "SELECT id FROM acked ORDER BY id")).map((r) => Number(r[0]));
      } catch (e) {
        if (e instanceof KodiakError && ["57P03", "08006"].includes(e.code)) return undefined;
        throw e;
      }
    });
    assert.deepEqual(
      ids,
      Array.from({ length: acked }, (_, i) => i + 1),
    );
    await all(s, "INSERT INTO acked VALUES (1000)");
    assert.deepEqual(await rows(s, "SELECT count(*) FROM acked"), [[BigInt(acked + 1)]]);
    await s.close();
  });
});
