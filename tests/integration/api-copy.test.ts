// COPY over the gRPC API and the SDK (CopyIn / CopyOut) over the real SQL engine: rows and raw
// chunks in, text and CSV out, all-or-nothing on bad data, an aborted source or a cancel, the
// session stays usable, and only COPY ... FROM STDIN / TO STDOUT statements are accepted.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { connect, type KodiakClient, KodiakError } from "../../client/sdk/index.js";
import { type ApiServer, startApiServer } from "../../coordinator/grpc/index.js";
import { openEmbeddedEngine } from "../../sql/index.js";

async function text(chunks: AsyncIterable<Uint8Array>): Promise<string> {
  let out = "";
  for await (const c of chunks) out += Buffer.from(c).toString("utf8");
  return out;
}

async function* rows(n: number): AsyncIterable<unknown[]> {
  for (let i = 1; i <= n; i++) {
    yield [i, i % 3 === 0 ? null : `name\t${i}`, i * 1.5];
  }
}

describe("COPY over the gRPC API", () => {
  let server: ApiServer;
  let db: KodiakClient;

  before(async () => {
    server = await startApiServer(await openEmbeddedEngine({ dir: "unused-in-memory" }), { port: 0 });
    db = connect(`kodiak://127.0.0.1:${server.port}/`);
    await db.execute("CREATE TABLE items (id int PRIMARY KEY, name text, score numeric(8,2))");
  });

  after(async () => {
    await db.close();
    await server.close();
  });

  it("copies rows from an async iterable (text format, escapes and NULLs) and exports them", async () => {
    assert.equal(await db.copyFrom("COPY items FROM STDIN", rows(3000)), 3000);
    const r = await db.query("SELECT count(*) AS n, count(name) AS named FROM items");
    assert.deepEqual(r.rows, [{ n: 3000n, named: 2000n }]);
    assert.deepEqual((await db.query("SELECT name FROM items WHERE id = 1")).rows, [{ name: "name\t1" }]);
    const out = await text(db.copyTo("COPY (SELECT id, name, score FROM items WHERE id <= 3 ORDER BY id) TO STDOUT"));
    assert.equal(out, "1\tname\\t1\t1.50\n2\tname\\t2\t3.00\n3\t\\N\t4.50\n");
  });

  it("copies CSV chunks cut mid-row and exports CSV", async () => {
    await db.execute("CREATE TABLE csvt (a int, b text)");
    const chunks = ['1,"hello, ', 'world"\n2,', '\n3,"say ""hi"""\n'];
    assert.equal(await db.copyFrom("COPY csvt FROM STDIN WITH (FORMAT csv)", chunks), 3);
    const out = await text(db.copyTo("COPY (SELECT a, b FROM csvt ORDER BY a) TO STDOUT WITH (FORMAT csv)"));
    assert.equal(out, '1,"hello, world"\n2,\n3,"say ""hi"""\n');
    // Rows given as arrays are encoded as CSV for a CSV statement.
    assert.equal(
      await db.copyFrom("COPY csvt FROM STDIN WITH (FORMAT csv)", [
        [4, 'a "q", b'],
        [5, null],
      ]),
      2,
    );
    assert.deepEqual((await db.query("SELECT b FROM csvt WHERE a >= 4 ORDER BY a")).rows, [{ b: 'a "q", b' }, { b: null }]);
  });

  it("inserts nothing when the data is bad, the source fails, or the copy is aborted; the session stays usable", async () => {
    await db.execute("CREATE TABLE strict_t (a int NOT NULL)");
    await assert.rejects(
      db.copyFrom("COPY strict_t FROM STDIN", ["1\n2\nnot a number\n"]),
      (e: unknown) => e instanceof KodiakError && e.code === "22P02",
    );
    await assert.rejects(db.copyFrom("COPY strict_t FROM STDIN", failing()), /source broke/);
    const ac = new AbortController();
    const slow = (async function* () {
      yield ["1"];
      ac.abort();
      yield ["2"];
    })();
    await assert.rejects(
      db.copyFrom("COPY strict_t FROM STDIN", slow, { signal: ac.signal }),
      (e: unknown) => e instanceof KodiakError && e.code === "57014",
    );
    assert.deepEqual((await db.query("SELECT count(*) AS n FROM strict_t")).rows, [{ n: 0n }]);
  });

  it("accepts only COPY FROM STDIN / TO STDOUT", async () => {
    await assert.rejects(
      db.copyFrom("INSERT INTO items VALUES (99999, 'x', 1)", []),
      (e: unknown) => e instanceof KodiakError && e.code === "42601",
    );
    await assert.rejects(text(db.copyTo("SELECT 1")), (e: unknown) => e instanceof KodiakError && e.code === "42601");
    assert.deepEqual((await db.query("SELECT count(*) AS n FROM items WHERE id = 99999")).rows, [{ n: 0n }]);
  });
});

async function* failing(): AsyncIterable<unknown[]> {
  yield [1];
  throw new Error("source broke");
}
