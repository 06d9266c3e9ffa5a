import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { FakeSqlEngine } from "../../coordinator/pgwire/dev/fake-sql-engine.js";
import { PgWireServer } from "../../coordinator/pgwire/index.js";

async function startServer(auth?: ConstructorParameters<typeof PgWireServer>[0]["auth"]): Promise<{ server: PgWireServer; port: number }> {
  const server = new PgWireServer({ engine: new FakeSqlEngine(), ...(auth !== undefined ? { auth } : {}) });
  const { port } = await server.listen("127.0.0.1", 0);
  return { server, port };
}

describe("node-postgres against the pgwire server (fake engine)", () => {
  let server: PgWireServer;
  let client: pg.Client;
  let port: number;
  before(async () => {
    ({ server, port } = await startServer());
    client = new pg.Client({ host: "127.0.0.1", port, user: "kodiak", database: "kodiak", connectionTimeoutMillis: 15_000 });
    await client.connect();
  });
  after(async () => {
    await client?.end();
    await server?.close();
  });

  it("simple queries return typed rows", async () => {
    const r = await client.query("SELECT 1 AS n, 'x' AS s, true AS b");
    assert.deepEqual(r.rows, [{ n: 1, s: "x", b: true }]);
    assert.equal(r.command, "SELECT");
    assert.equal(r.rowCount, 1);
  });

  it("parameterized and named prepared queries work and can be reused", async () => {
    const r = await client.query("SELECT $1::int4 + 1 AS n", [41]);
    assert.equal(r.rows[0].n, 42);
    for (const v of [1, 2, 3]) {
      const q = await client.query({ name: "inc", text: "SELECT $1::int8 * 2 AS n", values: [v] });
      assert.equal(q.rows[0].n, String(v * 2));
    }
  });

  it("errors carry SQLSTATE, message and position, and the connection stays usable", async () => {
    await assert.rejects(client.query("SELECT * FROM missing_table"), (e: pg.DatabaseError) => {
      assert.equal(e.code, "42P01");
      assert.equal(e.position, "15");
      assert.equal(e.severity, "ERROR");
      return true;
    });
    await assert.rejects(client.query("SELECT $1::int4", ["not a number"]), (e: pg.DatabaseError) => e.code === "22P02");
    assert.equal((await client.query("SELECT 3 AS n")).rows[0].n, 3);
  });

  it("transactions commit and roll back", async () => {
    await client.query("CREATE TABLE acct (id int, balance int)");
    await client.query("BEGIN");
    await client.query("INSERT INTO acct VALUES ($1, $2)", [1, 100]);
    await client.query("COMMIT");
    await client.query("BEGIN");
    await client.query("UPDATE acct SET balance = $1 WHERE id = $2", [0, 1]);
    await client.query("ROLLBACK");
    const r = await client.query("SELECT balance FROM acct WHERE id = $1", [1]);
    assert.deepEqual(r.rows, [{ balance: 100 }]);
    const ins = await client.query("INSERT INTO acct VALUES (2, 5), (3, 6)");
    assert.equal(ins.rowCount, 2);
    assert.equal(ins.command, "INSERT");
  });

  it("binary result format decodes int8, text, bool, float8, date and int4[] as node-postgres expects", async () => {
    // node-postgres decodes binary fields through a utf8 string (brianc/node-postgres#3495), so the
    // values below are chosen so that their binary encodings are valid utf8.
    const config = { host: "127.0.0.1", port, user: "kodiak", binary: true, connectionTimeoutMillis: 15_000 };
    const bin = new pg.Client(config as pg.ClientConfig);
    await bin.connect();
    try {
      const r = await bin.query(
        "SELECT 9007199254740993::int8 AS a, 'héllo'::text AS b, false AS c, 2.5::float8 AS d, '{1,2,3}'::int4[] AS f, $1::int4 AS g",
        [7],
      );
      assert.deepEqual(r.rows[0], { a: "9007199254740993", b: "héllo", c: false, d: 2.5, f: [1, 2, 3], g: 7 });
      const d = await bin.query("SELECT '2024-02-29'::date AS e");
      const e = d.rows[0].e as Date;
      assert.equal(e.getFullYear(), 2024);
      assert.equal(e.getMonth(), 1);
      assert.equal(e.getDate(), 29);
    } finally {
      await bin.end();
    }
  });

  it("a pool runs concurrent queries on several connections", async () => {
    const pool = new pg.Pool({ host: "127.0.0.1", port, user: "kodiak", max: 4, connectionTimeoutMillis: 15_000 });
    try {
      const results = await Promise.all(Array.from({ length: 16 }, (_, i) => pool.query("SELECT $1::int4 AS i", [i])));
      assert.deepEqual(
        results.map((r) => r.rows[0].i),
        Array.from({ length: 16 }, (_, i) => i),
      );
    } finally {
      await pool.end();
    }
  });
});

describe("node-postgres with SCRAM-SHA-256", () => {
  let server: PgWireServer;
  let port: number;
  before(async () => {
    ({ server, port } = await startServer({ users: { alice: "pencil" } }));
  });
  after(async () => {
    await server?.close();
  });

  it("authenticates with the right password and fails with 28P01 otherwise", async () => {
    const ok = new pg.Client({ host: "127.0.0.1", port, user: "alice", password: "pencil", connectionTimeoutMillis: 15_000 });
    await ok.connect();
    assert.equal((await ok.query("SELECT 1 AS n")).rows[0].n, 1);
    await ok.end();
    const bad = new pg.Client({ host: "127.0.0.1", port, user: "alice", password: "wrong", connectionTimeoutMillis: 15_000 });
    await assert.rejects(bad.connect(), (e: pg.DatabaseError) => e.code === "28P01");
    await bad.end().catch(() => {});
  });
});
