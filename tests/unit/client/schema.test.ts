// The REPL's .schema over the real SQL engine: tables and every PL-Grizzly definition (types,
// functions, triggers, cron jobs) as CREATE statements in replayable order; .schema NAME for a
// table (with its triggers) or one definition; the same rows through kodiak_definitions. Replaying
// the listing into a fresh engine recreates the same definitions.
import assert from "node:assert/strict";
import { PassThrough, Readable } from "node:stream";
import { describe, it } from "node:test";
import { EmbeddedBackend } from "../../../client/cli/backend.js";
import { runShell } from "../../../client/repl/shell.js";
import { KvSqlEngine } from "../../../sql/engine/engine.js";
import { MemoryKvStore } from "../../../sql/kv/index.js";

const SETUP = [
  "CREATE TYPE pt AS STRUCT(x: INT32, y: INT32);",
  "CREATE TYPE too_big AS EXCEPTION('too big');",
  "CREATE FUNCTION add1(n: INT32) RETURNS INT32 { n + 1 };",
  "CREATE TABLE it (id INT32, qty INT32);",
  "CREATE TRIGGER clamp BEFORE INSERT OR UPDATE ON it { IF NEW.qty < 0 { SET NEW.qty = 0 } };",
  "CREATE CRON JOB nightly SCHEDULE '0 3 * * *' TIMEZONE 'Europe/Paris' DO { DELETE FROM it };",
  "ALTER CRON JOB nightly PAUSE;",
].join("\n");

async function shell(engine: KvSqlEngine, input: string): Promise<{ out: string; err: string }> {
  const backend = await EmbeddedBackend.over(engine, "embedded test", async () => {});
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks = { out: "", err: "" };
  out.on("data", (d: Buffer) => {
    chunks.out += d.toString();
  });
  err.on("data", (d: Buffer) => {
    chunks.err += d.toString();
  });
  await runShell({ backend, input: Readable.from([input]), output: out, errorOutput: err, interactive: false, format: "csv" });
  await backend.close();
  return chunks;
}

const LISTING = `CREATE TABLE it (
  id integer,
  qty integer
);
CREATE TYPE pt AS STRUCT(x: INT32, y: INT32);
CREATE TYPE too_big AS EXCEPTION('too big');
CREATE FUNCTION add1(n: INT32) RETURNS INT32 { n + 1 };
CREATE TRIGGER clamp BEFORE INSERT OR UPDATE ON it { IF NEW.qty < 0 { SET NEW.qty = 0 } };
CREATE CRON JOB nightly SCHEDULE '0 3 * * *' TIMEZONE 'Europe/Paris' DO { DELETE FROM it };
ALTER CRON JOB nightly PAUSE;
`;

describe(".schema lists PL definitions", () => {
  it("lists tables, types, functions, triggers and cron jobs; NAME selects one", async () => {
    const engine = new KvSqlEngine(new MemoryKvStore());
    try {
      await shell(engine, SETUP);
      const all = await shell(engine, ".schema\n");
      assert.equal(all.out, LISTING);
      assert.equal(all.err, "");
      const table = await shell(engine, ".schema it\n");
      assert.equal(
        table.out,
        "CREATE TABLE it (\n  id integer,\n  qty integer\n);\nCREATE TRIGGER clamp BEFORE INSERT OR UPDATE ON it { IF NEW.qty < 0 { SET NEW.qty = 0 } };\n",
      );
      assert.equal((await shell(engine, ".schema add1\n")).out, "CREATE FUNCTION add1(n: INT32) RETURNS INT32 { n + 1 };\n");
      const missing = await shell(engine, ".schema nope\n");
      assert.match(missing.err, /42P01: relation "nope" does not exist/);
      // The same through SQL: kodiak_definitions and the per-kind tables.
      const sql = await shell(
        engine,
        "SELECT kind, name, table_name FROM kodiak_definitions;\nSELECT name, kind, source FROM kodiak_types WHERE name = 'pt';\n",
      );
      assert.equal(
        sql.out,
        'kind,name,table_name\ntype,pt,\ntype,too_big,\nfunction,add1,\ntrigger,clamp,it\ncron job,nightly,\nname,kind,source\npt,STRUCT,"CREATE TYPE pt AS STRUCT(x: INT32, y: INT32)"\n',
      );
    } finally {
      await engine.close();
    }
  });

  it("replaying the listing into a fresh engine recreates the same definitions", async () => {
    const first = new KvSqlEngine(new MemoryKvStore());
    const second = new KvSqlEngine(new MemoryKvStore());
    try {
      await shell(first, SETUP);
      const listing = (await shell(first, ".schema\n")).out;
      const replay = await shell(second, listing);
      assert.equal(replay.err, "");
      assert.equal((await shell(second, ".schema\n")).out, listing);
      assert.equal((await shell(second, "SELECT paused FROM kodiak_cron_jobs;\n")).out, "paused\nt\n");
    } finally {
      await first.close();
      await second.close();
    }
  });

  it("an engine without PL system tables still lists its tables", async () => {
    const { FakeEngine } = await import("../../integration/api-fake-engine.js");
    const backend = await EmbeddedBackend.over(new FakeEngine(), "fake");
    const out = new PassThrough();
    let text = "";
    out.on("data", (d: Buffer) => {
      text += d.toString();
    });
    const err = new PassThrough();
    await runShell({
      backend,
      input: Readable.from(["CREATE TABLE s (id int);\n.schema\n"]),
      output: out,
      errorOutput: err,
      interactive: false,
      format: "table",
    });
    await backend.close();
    assert.ok(text.endsWith("CREATE TABLE s (\n  id int4\n);\n"), text);
  });
});
