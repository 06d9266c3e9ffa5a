import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startServer, type TestServer } from "./fixture.js";
import { commandTag, errorFieldsOf, fe, WireClient } from "./wire-client.js";

/**
 * Conversations replayed on one connection, with what PostgreSQL 15.18 answered (recorded once with
 * a raw client): message codes per ReadyForQuery ("|"), command tags and transaction status ("Z"+status),
 * and the SQLSTATEs of errors and notices. The fake engine gives the same answers for these statements,
 * so any difference is the protocol layer's.
 */
const TRANSCRIPTS: [string, Buffer[], number, string, string, string][] = [
  [
    "simple query with several statements",
    [
      fe.query(
        "CREATE TABLE cmp (a int, b text); INSERT INTO cmp VALUES (1,'x'),(2,NULL); SELECT * FROM cmp; UPDATE cmp SET b = 'y' WHERE a = 1; DELETE FROM cmp WHERE a = 2",
      ),
    ],
    1,
    "CCTDDCCCZ|",
    "CREATE TABLE,INSERT 0 2,SELECT 2,UPDATE 1,DELETE 1,ZI",
    "",
  ],
  ["empty query", [fe.query(" ; ")], 1, "IZ|", "ZI", ""],
  ["error in the middle of a script", [fe.query("SELECT 1; SELECT * FROM nope; SELECT 2")], 1, "TDCEZ|", "SELECT 1,ZI", "42P01"],
  [
    "extended error skips to Sync (even a Query)",
    [fe.parse("", "SELECT * FROM nope"), fe.bind("", "", []), fe.execute(""), fe.query("SELECT 9"), fe.sync()],
    1,
    "EZ|",
    "ZI",
    "42P01",
  ],
  [
    "extended describe and execute",
    [
      fe.parse("s", "SELECT a FROM cmp WHERE a >= $1"),
      fe.describe("S", "s"),
      fe.bind("p", "s", [Buffer.from("0")]),
      fe.describe("P", "p"),
      fe.execute("p", 0),
      fe.sync(),
    ],
    1,
    "1tT2TDCZ|",
    "SELECT 1,ZI",
    "",
  ],
  [
    "row limits suspend the portal",
    [
      fe.query("INSERT INTO cmp VALUES (2, 'z'), (3, 'w')"),
      fe.parse("", "SELECT a FROM cmp"),
      fe.bind("q", "", []),
      ...[1, 2, 3, 4].map(() => fe.execute("q", 1)),
      fe.sync(),
    ],
    2,
    "CZ|12DsDsDsCZ|",
    "INSERT 0 2,ZI,SELECT 0,ZI",
    "",
  ],
  [
    "extended insert",
    [
      fe.parse("", "INSERT INTO cmp VALUES ($1, 'q')"),
      fe.bind("", "", [Buffer.from("9")]),
      fe.describe("P", ""),
      fe.execute(""),
      fe.sync(),
    ],
    1,
    "12nCZ|",
    "INSERT 0 1,ZI",
    "",
  ],
  ["extended empty query", [fe.parse("", ""), fe.bind("", "", []), fe.describe("P", ""), fe.execute(""), fe.sync()], 1, "12nIZ|", "ZI", ""],
  ["closing what does not exist", [fe.close("S", "nonexistent"), fe.close("P", "x"), fe.sync()], 1, "33Z|", "ZI", ""],
  ["duplicate statement name", [fe.parse("s", "SELECT 1"), fe.sync()], 1, "EZ|", "ZI", "42P05"],
  ["wrong parameter count", [fe.parse("", "SELECT $1::int4"), fe.bind("", "", []), fe.sync()], 1, "1EZ|", "ZI", "08P01"],
  ["COPY FROM STDIN", [fe.query("COPY cmp FROM STDIN"), fe.copyData("5\tv\n"), fe.copyDone()], 1, "GCZ|", "COPY 1,ZI", ""],
  ["COPY FROM STDIN aborted", [fe.query("COPY cmp FROM STDIN"), fe.copyData("6\tv\n"), fe.copyFail("nah")], 1, "GEZ|", "ZI", "57014"],
  ["COPY TO STDOUT", [fe.query("COPY cmp TO STDOUT")], 1, "HdddddcCZ|", "COPY 5,ZI", ""],
  [
    "failed transaction block",
    [fe.query("BEGIN"), fe.query("SELECT 1/0"), fe.query("SELECT 1"), fe.query("COMMIT")],
    4,
    "CZ|EZ|EZ|CZ|",
    "BEGIN,ZT,ZE,ZE,ROLLBACK,ZI",
    "22012,25P02",
  ],
  ["notice", [fe.query("DROP TABLE IF EXISTS nope_tbl")], 1, "NCZ|", "DROP TABLE,ZI", "00000"],
];

describe("protocol transcripts recorded from PostgreSQL 15", () => {
  let s: TestServer;
  let c: WireClient;
  before(async () => {
    s = await startServer();
    c = await WireClient.connect(s.port);
    await c.start();
  });
  after(async () => {
    c.end();
    await s.server.close();
  });

  for (const [name, messages, readyCount, codes, tags, states] of TRANSCRIPTS) {
    it(`${name}: same messages as PostgreSQL`, async () => {
      for (const m of messages) c.write(m);
      let gotCodes = "";
      const gotTags: string[] = [];
      const gotStates: string[] = [];
      for (let i = 0; i < readyCount; i++) {
        const ms = await c.until("Z");
        gotCodes += `${ms.map((m) => m.code).join("")}|`;
        for (const m of ms) {
          if (m.code === "C") gotTags.push(commandTag(m));
          if (m.code === "Z") gotTags.push(`Z${m.body.toString()}`);
          if (m.code === "E" || m.code === "N") gotStates.push(errorFieldsOf(m).C!);
        }
      }
      assert.deepEqual([gotCodes, gotTags.join(","), gotStates.join(",")], [codes, tags, states]);
    });
  }
});
