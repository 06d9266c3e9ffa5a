// The gRPC API and SDK over the real SQL engine (embedded, in memory): typed parameters of each
// kind, typed rows, Arrow tables, errors with positions, transactions and multi-statement Execute.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type ApiServer, startApiServer } from "../../coordinator/grpc/index.js";
import { connect, type KodiakClient, KodiakError } from "../../client/sdk/index.js";
import { openEmbeddedEngine } from "../../sql/index.js";

describe("SDK over the real SQL engine", () => {
  let server: ApiServer;
  let db: KodiakClient;

  before(async () => {
    server = await startApiServer(await openEmbeddedEngine({ dir: "unused-in-memory" }), { port: 0 });
    db = connect(`kodiak://127.0.0.1:${server.port}/`);
    await db.execute(
      "CREATE TABLE acc (id int PRIMARY KEY, owner text, bal bigint, price numeric(10,2), ok boolean, born date, data bytea)",
    );
  });

  after(async () => {
    await db.close();
    await server.close();
  });

  it("binds parameters of every kind and returns typed rows", async () => {
    await db.query("INSERT INTO acc VALUES ($1, $2, $3, $4, $5, $6, $7)", [
      1,
      "ada",
      9007199254740993n,
      "12.50",
      true,
      { type: "date", text: "2024-01-31" },
      new Uint8Array([1, 2]),
    ]);
    await db.query("INSERT INTO acc VALUES ($1, $2, $3, $4, $5, $6, $7)", [2, null, 5, 1.25, false, null, null]);
    const r = await db.query("SELECT * FROM acc ORDER BY id");
    assert.deepEqual(r.rows[0], {
      id: 1,
      owner: "ada",
      bal: 9007199254740993n,
      price: "12.50",
      ok: true,
      born: "2024-01-31",
      data: new Uint8Array([1, 2]),
    });
    assert.deepEqual(r.rows[1], { id: 2, owner: null, bal: 5n, price: "1.25", ok: false, born: null, data: null });
    assert.deepEqual((await db.query("SELECT id FROM acc WHERE bal > $1 AND owner = $2", [10, "ada"])).rows, [{ id: 1 }]);
    assert.deepEqual((await db.query("SELECT $1::int[] AS a", [[1, 2, null]])).rows, [{ a: "{1,2,NULL}" }]);
  });

  it("returns Arrow tables with native column types", async () => {
    const t = await db.queryArrow("SELECT id, bal, ok FROM acc ORDER BY id");
    assert.equal(t.numRows, 2);
    assert.deepEqual(
      t.schema.fields.map((f) => `${f.name}:${String(f.type)}`),
      ["id:Int32", "bal:Int64", "ok:Bool"],
    );
    assert.equal(t.getChild("bal")?.get(0), 9007199254740993n);
  });

  it("reports the engine's errors with SQLSTATE and position", async () => {
    await assert.rejects(
      db.query("SELECT nope FROM acc"),
      (e: unknown) => e instanceof KodiakError && e.code === "42703" && e.position === 8,
    );
    await assert.rejects(db.query("INSERT INTO acc (id) VALUES (1)"), (e: unknown) => e instanceof KodiakError && e.code === "23505");
  });

  it("runs scripts and transactions", async () => {
    const out = await db.execute("BEGIN; UPDATE acc SET bal = bal + 1 WHERE id = 2; COMMIT");
    assert.deepEqual(
      out.map((o) => `${o.command} ${o.rowCount}`),
      ["BEGIN 0", "UPDATE 1", "COMMIT 0"],
    );
    const bal = await db.transaction(async (tx) => {
      await tx.execute("UPDATE acc SET bal = bal * 2 WHERE id = 2");
      return (await tx.query<{ bal: bigint }>("SELECT bal FROM acc WHERE id = 2")).rows[0]?.bal;
    });
    assert.equal(bal, 12n);
    await assert.rejects(
      db.transaction(async (tx) => {
        await tx.execute("UPDATE acc SET bal = 0 WHERE id = 2");
        await tx.execute("SELECT 1/0");
      }),
      (e: unknown) => e instanceof KodiakError && e.code === "22012",
    );
    assert.deepEqual((await db.query("SELECT bal FROM acc WHERE id = 2")).rows, [{ bal: 12n }], "the failed transaction was rolled back");
  });
});
