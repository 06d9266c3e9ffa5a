// End-to-end tests of the client gRPC API and the TypeScript SDK: a real gRPC server on
// 127.0.0.1 (ephemeral port) over the fake engine, driven through connect(). Covers typed rows,
// Arrow streaming, errors with SQLSTATE/position, 40001 retries, failover, timeouts and admission.

import assert from "node:assert/strict";
import { createServer } from "node:net";
import { after, before, describe, it } from "node:test";
import { credentials, Metadata, type ServiceError, status } from "@grpc/grpc-js";
import { type ApiServer, startApiServer } from "../../coordinator/grpc/index.js";
import { connect, KodiakError } from "../../client/sdk/index.js";
import { HealthCheckResponse_ServingStatus, HealthClient } from "../../proto/gen/health.js";
import { ErrorDetail, KodiakClient as RawClient } from "../../proto/gen/kodiak.js";
import { FakeEngine } from "./api-fake-engine.js";

/** A port nothing listens on (bound then released). */
async function deadPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
  const addr = srv.address();
  const port = typeof addr === "object" && addr !== null ? addr.port : 0;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

async function rejectsWith(p: Promise<unknown>, code: string): Promise<KodiakError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof KodiakError, `expected KodiakError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return e;
  }
  assert.fail(`expected an error with SQLSTATE ${code}`);
}

describe("gRPC API and SDK over a coordinator", () => {
  const engine = new FakeEngine();
  let server: ApiServer;
  let url: string;
  const clients: { close(): Promise<void> }[] = [];
  const client = (u = url) => {
    const c = connect(u);
    clients.push(c);
    return c;
  };

  before(async () => {
    server = await startApiServer(engine, { port: 0, admission: { maxRunning: 4, maxQueued: 4, queueTimeoutMs: 2000 } });
    url = `kodiak://127.0.0.1:${server.port}/`;
  });

  after(async () => {
    for (const c of clients) await c.close();
    await server.close();
  });

  it("runs DDL and DML and returns typed rows", async () => {
    const c = client();
    const out = await c.execute(
      "CREATE TABLE items (id int, big bigint, name text, price numeric); INSERT INTO items VALUES (1, 9007199254740993, 'a', 1.50), (2, 2, NULL, 3.25)",
    );
    assert.deepEqual(
      out.map((o) => [o.command, o.rowCount]),
      [
        ["CREATE TABLE", 0],
        ["INSERT", 2],
      ],
    );
    const r = await c.query<{ id: number; big: bigint; name: string | null; price: string }>("SELECT * FROM items");
    assert.equal(r.command, "SELECT");
    assert.equal(r.rowCount, 2);
    assert.deepEqual(
      r.columns.map((col) => `${col.name}:${col.type}`),
      ["id:int4", "big:int8", "name:text", "price:numeric"],
    );
    assert.deepEqual(r.rows[0], { id: 1, big: 9007199254740993n, name: "a", price: "1.50" });
    assert.equal(r.rows[1]?.name, null);
  });

  it("binds typed parameters", async () => {
    const c = client();
    const r = await c.query("SELECT $1 AS a, $2 AS b, $3 AS c", [1234567890123456789n, "hi", true]);
    assert.deepEqual(r.rows, [{ a: 1234567890123456789n, b: "hi", c: true }]);
    assert.deepEqual(
      r.columns.map((col) => col.type),
      ["int8", "text", "bool"],
    );
  });

  it("streams large results as Arrow record batches", async () => {
    const c = client();
    const table = await c.queryArrow("SELECT generate_series(1, 5000)", [], { batchRows: 1000 });
    assert.equal(table.numRows, 5000);
    assert.equal(table.batches.length, 5);
    assert.equal(table.schema.fields[0]?.name, "generate_series");
    assert.equal(table.getChildAt(0)?.get(4999), 5000);
    let seen = 0;
    for await (const batch of c.stream("SELECT generate_series(1, 3000)", [], { as: "batches", batchRows: 500 })) {
      seen += batch.numRows;
    }
    assert.equal(seen, 3000);
    let rows = 0;
    for await (const row of c.stream("SELECT generate_series(1, 100000)", [], { batchRows: 100 })) {
      rows++;
      if (row.generate_series === 250) break;
    }
    assert.equal(rows, 250);
  });

  it("reports errors with SQLSTATE and position, and the session stays usable", async () => {
    const c = client();
    const e = await rejectsWith(c.query("SELECT * FROM missing_table"), "42P01");
    assert.equal(e.position, 15);
    assert.match(e.message, /missing_table/);
    const r = await c.query("SELECT 1 AS one");
    assert.deepEqual(r.rows, [{ one: 1 }]);
  });

  it("sends ErrorDetail in trailing metadata with a matching gRPC status code", async () => {
    const raw = new RawClient(`127.0.0.1:${server.port}`, credentials.createInsecure());
    try {
      const err = await new Promise<ServiceError>((resolve, reject) => {
        raw.execute(
          { sessionId: "", sql: "SELECT 1/0", params: [], timeoutMs: 0, maxRows: 0 },
          new Metadata(),
          { deadline: Date.now() + 5000 },
          (e) => (e ? resolve(e) : reject(new Error("expected an error"))),
        );
      });
      assert.equal(err.code, status.INVALID_ARGUMENT);
      const bin = err.metadata.get("kodiak-error-bin")[0];
      assert.ok(bin instanceof Buffer);
      const d = ErrorDetail.decode(bin);
      assert.equal(d.code, "22012");
      assert.equal(d.position, 9);
    } finally {
      raw.close();
    }
  });

  it("retries a transaction after serialization failures and commits once", async () => {
    const c = client();
    await c.execute("CREATE TABLE acct (id int)");
    engine.commitConflicts = 2;
    engine.commitAttempts = 0;
    const attempts: number[] = [];
    const got = await c.transaction(async (tx) => {
      attempts.push(tx.attempt);
      await tx.execute("INSERT INTO acct VALUES (7)");
      return (await tx.query("SELECT * FROM acct")).rowCount;
    });
    assert.equal(got, 1);
    assert.deepEqual(attempts, [1, 2, 3]);
    assert.equal(engine.commitAttempts, 3);
    const r = await c.query("SELECT * FROM acct");
    assert.deepEqual(r.rows, [{ id: 7 }]);
  });

  it("gives up on 40001 after the allowed retries and does not retry other errors", async () => {
    const c = client();
    engine.commitConflicts = 10;
    let calls = 0;
    await rejectsWith(
      c.transaction(
        async (tx) => {
          calls++;
          await tx.execute("SELECT 1");
        },
        { retries: 1 },
      ),
      "40001",
    );
    assert.equal(calls, 2);
    engine.commitConflicts = 0;
    calls = 0;
    await rejectsWith(
      c.transaction(async (tx) => {
        calls++;
        await tx.execute("SELECT * FROM nowhere");
      }),
      "42P01",
    );
    assert.equal(calls, 1);
  });

  it("fails over from a coordinator that is down to the next one listed", async () => {
    const dead = await deadPort();
    const c = client(`kodiak://127.0.0.1:${dead},127.0.0.1:${server.port}/`);
    const r = await c.query("SELECT 42 AS answer");
    assert.deepEqual(r.rows, [{ answer: 42 }]);
    assert.equal(c.currentAddress, `127.0.0.1:${server.port}`);
  });

  it("moves to the next coordinator when the one in use stops", async () => {
    const first = await startApiServer(engine, { port: 0 });
    const c = client(`kodiak://127.0.0.1:${first.port},127.0.0.1:${server.port}/`);
    assert.deepEqual((await c.query("SELECT 1 AS n")).rows, [{ n: 1 }]);
    assert.equal(c.currentAddress, `127.0.0.1:${first.port}`);
    await first.close();
    assert.deepEqual((await c.query("SELECT 2 AS n")).rows, [{ n: 2 }]);
    assert.equal(c.currentAddress, `127.0.0.1:${server.port}`);
  });

  it("reports a clear connection error when no coordinator is up", async () => {
    const c = client(`kodiak://127.0.0.1:${await deadPort()}/`);
    const e = await rejectsWith(c.query("SELECT 1"), "08006");
    assert.match(e.message, /no coordinator reachable/);
  });

  it("stops a statement at its timeout and on cancel", async () => {
    const c = client();
    const t0 = Date.now();
    await rejectsWith(c.query("SELECT pg_sleep(5)", [], { timeoutMs: 150 }), "57014");
    assert.ok(Date.now() - t0 < 3000);
    const running = rejectsWith(c.query("SELECT pg_sleep(5)"), "57014");
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(await c.cancel(), true);
    const e = await running;
    assert.match(e.message, /user request/);
    const ac = new AbortController();
    const aborted = rejectsWith(c.query("SELECT pg_sleep(5)", [], { signal: ac.signal }), "57014");
    setTimeout(() => ac.abort(), 100);
    await aborted;
  });

  it("refuses statements beyond the running limit and the wait queue with 53300", async () => {
    const small = await startApiServer(engine, { port: 0, admission: { maxRunning: 1, maxQueued: 1, queueTimeoutMs: 5000 } });
    try {
      const cs = [0, 1, 2].map(() => client(`kodiak://127.0.0.1:${small.port}/`));
      const first = cs[0]!.query("SELECT pg_sleep(0.4)");
      await new Promise((r) => setTimeout(r, 100));
      const second = cs[1]!.query("SELECT pg_sleep(0.1)");
      first.catch(() => {});
      second.catch(() => {});
      await new Promise((r) => setTimeout(r, 50));
      await rejectsWith(cs[2]!.query("SELECT 1"), "53300");
      await first;
      await second;
    } finally {
      await small.close();
    }
  });

  it("reports an unknown session as 08003 and the SDK opens a new one", async () => {
    const c = client();
    await c.query("SELECT 1");
    await server.service.sessions.closeAll();
    const r = await c.query("SELECT 2 AS two");
    assert.deepEqual(r.rows, [{ two: 2 }]);
  });

  it("answers grpc.health.v1 Check and ClusterStatus", async () => {
    const h = new HealthClient(`127.0.0.1:${server.port}`, credentials.createInsecure());
    try {
      const res = await new Promise<HealthCheckResponse_ServingStatus>((resolve, reject) =>
        h.check({ service: "" }, new Metadata(), { deadline: Date.now() + 5000 }, (e, r) => (e ? reject(e) : resolve(r.status))),
      );
      assert.equal(res, HealthCheckResponse_ServingStatus.SERVING);
    } finally {
      h.close();
    }
    const st = await client().clusterStatus();
    assert.equal(st.ready, true);
    assert.ok(st.openSessions >= 1);
  });
});
