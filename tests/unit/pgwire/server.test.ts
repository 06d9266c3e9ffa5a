import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { AdmissionController } from "../../../coordinator/grpc/index.js";
import { systemClock } from "../../../util/index.js";
import { startServer, type TestServer, eventually } from "./fixture.js";
import { commandTag, dataRowValues, errorFieldsOf, fe, type BackendMessage, WireClient } from "./wire-client.js";

const codes = (ms: BackendMessage[]): string => ms.map((m) => m.code).join("");
const text = (v: Buffer | null | undefined): string | null => (v === null || v === undefined ? null : v.toString("utf8"));
const rowsOf = (ms: BackendMessage[]): (string | null)[][] => ms.filter((m) => m.code === "D").map((m) => dataRowValues(m).map(text));
const tagsOf = (ms: BackendMessage[]): string[] => ms.filter((m) => m.code === "C").map(commandTag);
const errorOf = (ms: BackendMessage[]): Record<string, string> => errorFieldsOf(ms.find((m) => m.code === "E")!);

function parameterStatus(ms: BackendMessage[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of ms.filter((x) => x.code === "S")) {
    const [k, v] = m.body.toString("utf8").split("\0");
    out[k!] = v!;
  }
  return out;
}

describe("pgwire server over the fake engine", () => {
  let s: TestServer;
  const clients: WireClient[] = [];
  const client = async (): Promise<WireClient> => {
    const c = await WireClient.connect(s.port);
    clients.push(c);
    return c;
  };
  before(async () => {
    s = await startServer();
  });
  after(async () => {
    for (const c of clients) c.end();
    await s.server.close();
  });

  it("startup reports parameters, a backend key and ReadyForQuery idle", async () => {
    const c = await client();
    const ms = await c.start({ user: "u", database: "d", application_name: "unit" });
    assert.equal(ms[0]!.code, "R");
    assert.equal(ms[0]!.body.readInt32BE(0), 0, "AuthenticationOk");
    const ps = parameterStatus(ms);
    assert.match(ps.server_version!, /^15\.0/);
    assert.equal(ps.server_encoding, "UTF8");
    assert.equal(ps.client_encoding, "UTF8");
    assert.equal(ps.DateStyle, "ISO, MDY");
    assert.equal(ps.integer_datetimes, "on");
    assert.equal(ps.standard_conforming_strings, "on");
    assert.equal(ps.application_name, "unit");
    assert.ok(ms.some((m) => m.code === "K" && m.body.length === 8));
    assert.equal(ms.at(-1)!.body.toString(), "I");
  });

  it("a SET of a reported setting sends ParameterStatus before ReadyForQuery", async () => {
    const c = await client();
    await c.start({ user: "u", application_name: "before" });
    c.write(fe.query("SET application_name = 'after'"));
    const ms = await c.until("Z");
    assert.equal(ms.map((m) => m.code).join(""), "CSZ");
    assert.deepEqual(parameterStatus(ms), { application_name: "after" });
    c.write(fe.query("SELECT 1"));
    assert.equal(parameterStatus(await c.until("Z")).application_name, undefined, "reported once");
  });

  it("simple query runs several statements with PostgreSQL command tags and column types", async () => {
    const c = await client();
    await c.start();
    c.write(
      fe.query(
        "CREATE TABLE t1 (a int, b text); INSERT INTO t1 VALUES (1, 'x'), (2, NULL); SELECT * FROM t1 ORDER BY a; UPDATE t1 SET b = 'y' WHERE a = 1; DELETE FROM t1 WHERE a = 2",
      ),
    );
    const ms = await c.until("Z");
    assert.deepEqual(tagsOf(ms), ["CREATE TABLE", "INSERT 0 2", "SELECT 2", "UPDATE 1", "DELETE 1"]);
    assert.deepEqual(rowsOf(ms), [
      ["1", "x"],
      ["2", null],
    ]);
    const rd = ms.find((m) => m.code === "T")!;
    assert.equal(rd.body.readInt16BE(0), 2);
    assert.equal(rd.body.readInt32BE(2 + 2 + 4 + 2), 23, "first column is int4");
  });

  it("an empty query gets EmptyQueryResponse", async () => {
    const c = await client();
    await c.start();
    c.write(fe.query("  ;  "));
    assert.equal(codes(await c.until("Z")), "IZ");
  });

  it("an error carries severity, SQLSTATE, message and position, and the session stays usable", async () => {
    const c = await client();
    await c.start();
    c.write(fe.query("SELECT 1; SELECT * FROM missing_table"));
    const ms = await c.until("Z");
    assert.deepEqual(rowsOf(ms), [["1"]]);
    const err = errorOf(ms);
    assert.equal(err.S, "ERROR");
    assert.equal(err.V, "ERROR");
    assert.equal(err.C, "42P01");
    assert.match(err.M!, /missing_table/);
    assert.equal(err.P, String("SELECT 1; SELECT * FROM ".length + 1));
    c.write(fe.query("SELECT 2"));
    assert.deepEqual(rowsOf(await c.until("Z")), [["2"]]);
  });

  it("ReadyForQuery reports in-transaction and failed-transaction status", async () => {
    const c = await client();
    await c.start();
    const status = async (sql: string): Promise<string> => {
      c.write(fe.query(sql));
      return (await c.until("Z")).at(-1)!.body.toString();
    };
    assert.equal(await status("BEGIN"), "T");
    assert.equal(await status("SELECT 1/0"), "E");
    c.write(fe.query("SELECT 1"));
    const ms = await c.until("Z");
    assert.equal(errorOf(ms).C, "25P02");
    assert.equal(ms.at(-1)!.body.toString(), "E");
    assert.equal(await status("ROLLBACK"), "I");
  });

  it("extended query: parse, bind with text params, describe, execute with a row limit and PortalSuspended", async () => {
    const c = await client();
    await c.start();
    c.write(fe.query("CREATE TABLE t2 (a int); INSERT INTO t2 VALUES (1), (2), (3)"));
    await c.until("Z");
    c.write(
      Buffer.concat([
        fe.parse("s", "SELECT * FROM t2 WHERE a >= $1 ORDER BY a"),
        fe.describe("S", "s"),
        fe.bind("p", "s", [Buffer.from("2")]),
        fe.describe("P", "p"),
        fe.execute("p", 1),
        fe.execute("p", 1),
        fe.execute("p", 1),
        fe.sync(),
      ]),
    );
    const ms = await c.until("Z");
    // As PostgreSQL: a run that fills its limit suspends; the third Execute completes with SELECT 0.
    assert.equal(codes(ms), "1tT2TDsDsCZ");
    assert.deepEqual(rowsOf(ms), [["2"], ["3"]]);
    const t = ms.find((m) => m.code === "t")!;
    assert.equal(t.body.readInt16BE(0), 1);
    assert.equal(t.body.readInt32BE(2), 23, "parameter type inferred from the compared column");
    assert.deepEqual(tagsOf(ms), ["SELECT 0"]);
  });

  it("after an error in an extended message everything is discarded until Sync", async () => {
    const c = await client();
    await c.start();
    c.write(Buffer.concat([fe.parse("", "SELECT * FROM nope"), fe.bind("", "", []), fe.execute(""), fe.query("SELECT 9"), fe.sync()]));
    const ms = await c.until("Z");
    assert.equal(codes(ms), "EZ", "even a simple Query is dropped until Sync");
    assert.equal(errorOf(ms).C, "42P01");
    c.write(Buffer.concat([fe.parse("", "SELECT 5"), fe.bind("", "", []), fe.execute(""), fe.sync()]));
    assert.deepEqual(rowsOf(await c.until("Z")), [["5"]]);
  });

  it("named statements are reusable until closed; unknown names are 26000 and 34000", async () => {
    const c = await client();
    await c.start();
    c.write(Buffer.concat([fe.parse("named", "SELECT $1::int4 + 1"), fe.sync()]));
    assert.equal(codes(await c.until("Z")), "1Z");
    for (const v of ["1", "41"]) {
      c.write(Buffer.concat([fe.bind("", "named", [Buffer.from(v)]), fe.execute(""), fe.sync()]));
      assert.deepEqual(rowsOf(await c.until("Z")), [[String(Number(v) + 1)]]);
    }
    c.write(Buffer.concat([fe.close("S", "named"), fe.bind("", "named", [Buffer.from("1")]), fe.sync()]));
    const ms = await c.until("Z");
    assert.equal(codes(ms), "3EZ");
    assert.equal(errorOf(ms).C, "26000");
    c.write(Buffer.concat([fe.execute("nope"), fe.sync()]));
    assert.equal(errorOf(await c.until("Z")).C, "34000");
  });

  it("binary parameters and binary results use PostgreSQL's encodings", async () => {
    const c = await client();
    await c.start();
    const param = Buffer.alloc(8);
    param.writeBigInt64BE(1n << 40n);
    c.write(
      Buffer.concat([
        fe.parse("", "SELECT $1::int8 + 1, 'x'", [20]),
        fe.bind("", "", [param], [1], [1, 0]),
        fe.describe("P", ""),
        fe.execute(""),
        fe.sync(),
      ]),
    );
    const ms = await c.until("Z");
    const [v, x] = dataRowValues(ms.find((m) => m.code === "D")!);
    assert.equal(v!.readBigInt64BE(0), (1n << 40n) + 1n);
    assert.equal(text(x), "x");
    const rd = ms.find((m) => m.code === "T")!;
    const firstFormatAt = 2 + "?column?".length + 1 + 4 + 2 + 4 + 2 + 4;
    assert.equal(rd.body.readInt16BE(firstFormatAt), 1, "first column described as binary");
  });

  it("a Bind with the wrong number of parameters is an error, not a crash", async () => {
    const c = await client();
    await c.start();
    c.write(Buffer.concat([fe.parse("", "SELECT $1::int4"), fe.bind("", "", []), fe.sync()]));
    const ms = await c.until("Z");
    assert.match(errorOf(ms).M!, /supplies 0 parameters/);
  });

  it("COPY FROM STDIN loads rows, COPY TO STDOUT sends them, CopyFail aborts", async () => {
    const c = await client();
    await c.start();
    c.write(fe.query("CREATE TABLE t3 (a int, b text); COPY t3 FROM STDIN"));
    let ms = await c.until("G");
    assert.equal(ms.at(-1)!.body[0], 0, "text format");
    c.write(Buffer.concat([fe.copyData("1\tone\n2\t"), fe.copyData("\\N\n"), fe.copyDone()]));
    ms = await c.until("Z");
    assert.deepEqual(tagsOf(ms), ["COPY 2"]);
    c.write(fe.query("COPY t3 TO STDOUT"));
    ms = await c.until("Z");
    assert.equal(codes(ms), "HddcCZ");
    assert.equal(
      ms
        .filter((m) => m.code === "d")
        .map((m) => m.body.toString())
        .join(""),
      "1\tone\n2\t\\N\n",
    );
    c.write(fe.query("COPY t3 FROM STDIN"));
    await c.until("G");
    c.write(Buffer.concat([fe.copyData("3\tthree\n"), fe.copyFail("client gave up")]));
    ms = await c.until("Z");
    assert.equal(errorOf(ms).C, "57014");
    c.write(fe.query("SELECT count(*) FROM t3"));
    assert.deepEqual(rowsOf(await c.until("Z")), [["2"]]);
  });

  it("a CancelRequest with the right key cancels the running statement (57014); a wrong key does not", async () => {
    const c = await client();
    const ms = await c.start();
    const key = ms.find((m) => m.code === "K")!;
    const pid = key.body.readInt32BE(0);
    const secret = key.body.readInt32BE(4);
    c.write(fe.query("SELECT pg_sleep(20)"));
    await new Promise((r) => setTimeout(r, 50));
    const wrong = await client();
    wrong.write(fe.cancel(pid, secret ^ 1));
    await wrong.closedAfter();
    const canceller = await client();
    const started = Date.now();
    canceller.write(fe.cancel(pid, secret));
    const out = await c.until("Z", 15_000);
    assert.equal(errorOf(out).C, "57014");
    assert.match(errorOf(out).M!, /user request/);
    assert.ok(Date.now() - started < 15_000, "well before the 20 s sleep would end");
  });

  it("statement_timeout cancels a long statement", async () => {
    const c = await client();
    await c.start();
    c.write(fe.query("SET statement_timeout = 50"));
    await c.until("Z");
    c.write(fe.query("SELECT pg_sleep(20)"));
    const ms = await c.until("Z", 15_000);
    assert.equal(errorOf(ms).C, "57014");
    assert.match(errorOf(ms).M!, /statement timeout/);
  });

  it("idle_in_transaction_session_timeout ends an idle transaction with FATAL 25P03 and rolls it back", async () => {
    const c = await client();
    await c.start();
    c.write(fe.query("CREATE TABLE t5 (a int); SET idle_in_transaction_session_timeout = 100; BEGIN; INSERT INTO t5 VALUES (1)"));
    await c.until("Z");
    const err = errorOf(await c.closedAfter(10_000));
    assert.equal(err.C, "25P03");
    assert.equal(err.S, "FATAL");
    const d = await client();
    await d.start();
    d.write(fe.query("SELECT count(*) FROM t5"));
    assert.deepEqual(rowsOf(await d.until("Z")), [["0"]]);
  });

  it("a client that disconnects mid-transaction gets its session closed and its writes rolled back", async () => {
    const setup = await client();
    await setup.start();
    setup.write(fe.query("CREATE TABLE t4 (a int)"));
    await setup.until("Z");
    const sessionsBefore = s.engine.sessions.size;
    const c = await client();
    await c.start();
    c.write(fe.query("BEGIN; INSERT INTO t4 VALUES (1)"));
    assert.equal((await c.until("Z")).at(-1)!.body.toString(), "T");
    c.end();
    await eventually(() => s.engine.sessions.size === sessionsBefore, 10_000, "session close");
    setup.write(fe.query("SELECT count(*) FROM t4"));
    assert.deepEqual(rowsOf(await setup.until("Z")), [["0"]]);
  });

  it("SSLRequest and GSSENCRequest are answered 'N' and startup continues in clear", async () => {
    const c = await client();
    c.expectRawByte();
    c.expectRawByte();
    c.write(fe.sslRequest());
    c.write(fe.gssEncRequest());
    const ms = await c.start();
    assert.deepEqual(c.rawBytes, ["N", "N"]);
    assert.equal(ms.at(-1)!.code, "Z");
  });

  it("a 3.x startup gets NegotiateProtocolVersion for 3.0 and unknown _pq_ options", async () => {
    const c = await client();
    c.write(fe.startup({ user: "u", "_pq_.x": "1" }, (3 << 16) | 2));
    const ms = await c.until("Z");
    const v = ms.find((m) => m.code === "v")!;
    assert.equal(v.body.readInt32BE(0), 0);
    assert.equal(v.body.readInt32BE(4), 1);
  });

  it("a large query (3 MiB literal) and a large result (20 000 rows) cross the socket intact", async () => {
    const c = await client();
    await c.start();
    const big = "x".repeat(3 * 1024 * 1024);
    c.write(fe.query(`CREATE TABLE big (a int, b text); INSERT INTO big VALUES (0, '${big}'); SELECT b FROM big`));
    const ms = await c.until("Z", 20_000);
    assert.equal(rowsOf(ms)[0]![0]!.length, big.length);
    c.write(fe.query("COPY big FROM STDIN"));
    await c.until("G");
    const lines = Array.from({ length: 20_000 }, (_, i) => `${i + 1}\tv${i}\n`).join("");
    c.write(Buffer.concat([fe.copyData(lines), fe.copyDone()]));
    assert.deepEqual(tagsOf(await c.until("Z", 20_000)), ["COPY 20000"]);
    c.write(fe.query("SELECT a FROM big WHERE a > 0"));
    const rows = rowsOf(await c.until("Z", 20_000));
    assert.equal(rows.length, 20_000);
    assert.deepEqual(rows.at(-1), ["20000"]);
  });

  it("a whole conversation sent one byte per write is served the same", async () => {
    const c = await client();
    const bytes = Buffer.concat([
      fe.startup({ user: "u" }),
      fe.query("SELECT 7"),
      fe.parse("", "SELECT 8"),
      fe.bind("", "", []),
      fe.execute(""),
      fe.sync(),
    ]);
    for (const b of bytes) {
      await new Promise<void>((r) => c.socket.write(Buffer.from([b]), () => r()));
    }
    await c.until("Z");
    const a = await c.until("Z");
    const b = await c.until("Z");
    assert.deepEqual(rowsOf(a), [["7"]]);
    assert.deepEqual(rowsOf(b), [["8"]]);
  });
});

describe("pgwire limits, auth and shutdown", () => {
  it("beyond maxConnections a client gets FATAL 53300 and the others keep working", async () => {
    const s = await startServer({ maxConnections: 2 });
    const [a, b] = [await WireClient.connect(s.port), await WireClient.connect(s.port)];
    try {
      await a.start();
      await b.start();
      const c = await WireClient.connect(s.port);
      c.write(fe.startup({ user: "u" }));
      const ms = await c.closedAfter();
      const err = errorOf(ms);
      assert.equal(err.C, "53300");
      assert.equal(err.S, "FATAL");
      assert.equal(s.server.stats().rejectedConnectionsTotal, 1);
      a.write(fe.query("SELECT 1"));
      assert.deepEqual(rowsOf(await a.until("Z")), [["1"]]);
      a.write(fe.terminate());
      await a.closedAfter();
      await eventually(() => s.server.connectionCount === 1, 10_000, "connection count to drop");
      const d = await WireClient.connect(s.port);
      assert.equal((await d.start()).at(-1)!.code, "Z");
      d.end();
    } finally {
      a.end();
      b.end();
      await s.server.close();
    }
  });

  it("with shared admission limits a statement beyond them gets 53300 and the session stays usable", async () => {
    const admission = new AdmissionController({ maxRunning: 1, maxQueued: 0, queueTimeoutMs: 1000 }, systemClock);
    const s = await startServer({ admission });
    const [a, b] = [await WireClient.connect(s.port), await WireClient.connect(s.port)];
    try {
      await a.start();
      await b.start();
      a.write(fe.query("SELECT pg_sleep(0.3)"));
      await eventually(() => admission.runningCount === 1, 10_000, "first statement to be admitted");
      b.write(fe.query("SELECT 1"));
      const err = errorOf(await b.until("Z"));
      assert.equal(err.C, "53300");
      assert.equal(err.S, "ERROR");
      await a.until("Z");
      b.write(fe.query("SELECT 2"));
      assert.deepEqual(rowsOf(await b.until("Z")), [["2"]]);
      assert.equal(admission.runningCount, 0);
    } finally {
      a.end();
      b.end();
      await s.server.close();
    }
  });

  it("cleartext password auth accepts the right password and rejects a wrong one with 28P01", async () => {
    const s = await startServer({ auth: { users: { alice: "secret" }, method: "password" } });
    try {
      const good = await WireClient.connect(s.port);
      good.write(fe.startup({ user: "alice" }));
      const r = (await good.until("R"))[0]!;
      assert.equal(r.body.readInt32BE(0), 3, "AuthenticationCleartextPassword");
      good.write(fe.password("secret"));
      assert.equal((await good.until("Z")).at(-1)!.code, "Z");
      good.end();
      const bad = await WireClient.connect(s.port);
      bad.write(fe.startup({ user: "alice" }));
      await bad.until("R");
      bad.write(fe.password("wrong"));
      const err = errorOf(await bad.closedAfter());
      assert.equal(err.C, "28P01");
      assert.equal(err.S, "FATAL");
    } finally {
      await s.server.close();
    }
  });

  it("close() tells connected clients 57P01, closes them and stops listening", async () => {
    const s = await startServer();
    const c = await WireClient.connect(s.port);
    await c.start();
    await s.server.close();
    const ms = await c.closedAfter();
    assert.equal(errorOf(ms).C, "57P01");
    await assert.rejects(WireClient.connect(s.port));
  });
});
