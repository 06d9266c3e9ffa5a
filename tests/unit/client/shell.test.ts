// The statement loop over an in-process engine (the --embedded path, on the fake engine): jsonl
// output, dot commands (.schema, .read, .mode, .timer, .help), and errors that do not stop it.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { describe, it } from "node:test";
import { EmbeddedBackend } from "../../../client/cli/backend.js";
import type { OutputFormat } from "../../../client/cli/format.js";
import { runShell } from "../../../client/repl/shell.js";
import { FakeEngine } from "../../integration/api-fake-engine.js";

async function shell(input: string, format: OutputFormat): Promise<{ out: string; err: string; errors: number }> {
  const backend = await EmbeddedBackend.over(new FakeEngine(), "embedded test");
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks = { out: "", err: "" };
  out.on("data", (d: Buffer) => {
    chunks.out += d.toString();
  });
  err.on("data", (d: Buffer) => {
    chunks.err += d.toString();
  });
  const errors = await runShell({ backend, input: Readable.from([input]), output: out, errorOutput: err, interactive: false, format });
  await backend.close();
  return { ...chunks, errors };
}

describe("the kodiak sql statement loop over an embedded engine", () => {
  it("prints one jsonl line per statement and goes on after errors", async () => {
    const r = await shell("CREATE TABLE t (a int);\nINSERT INTO t VALUES (1);\nSELECT * FROM nope;\nSELECT *\nFROM t;\n.tables\n", "jsonl");
    assert.deepEqual(r.out.trimEnd().split("\n"), [
      '{"command":"CREATE TABLE","rows_affected":0}',
      '{"command":"INSERT","rows_affected":1}',
      '{"error":{"code":"42P01","message":"relation \\"nope\\" does not exist","position":15}}',
      '{"columns":["a"],"types":["int4"],"rows":[[1]]}',
      '{"error":{"code":"42601","message":"syntax error at or near \\".tables\\"","position":1}}',
    ]);
    assert.equal(r.errors, 2);
    assert.equal(r.err, "");
  });

  it("runs dot commands: .schema, .mode, .timer, .read, .help, and stops at .exit", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kodiak-shell-"));
    try {
      const file = join(dir, "more.sql");
      writeFileSync(file, "INSERT INTO s VALUES (2, 'two');\nSELECT * FROM s;\n");
      const r = await shell(
        `CREATE TABLE s (id int, name text);\n.schema s\n.mode csv\n.read ${file}\n.timer on\nSELECT 1 AS x;\n.timer off\n.read ${join(dir, "missing.sql")}\n.help\n.exit\nSELECT 'not run';\n`,
        "table",
      );
      assert.ok(r.out.startsWith("CREATE TABLE\nCREATE TABLE s (\n  id int4,\n  name text\n);\n"), r.out);
      assert.ok(r.out.includes("id,name\n2,two\n"), r.out);
      assert.ok(r.out.includes("x\n1\n"), r.out);
      assert.ok(r.out.includes(".read FILE"), "help lists .read");
      assert.ok(!r.out.includes("not run"));
      assert.match(r.err, /^Time: \d+\.\d{3} ms$/m);
      assert.match(r.err, /ERROR: {2}58030: could not read/);
      assert.equal(r.errors, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
