// `kodiak sql --format arrow` writes a query's result as an Arrow IPC stream on stdout: exact Arrow
// types for booleans, integers, floats and bytea, text for the rest, the PostgreSQL type of every
// column in its `kodiak.type` metadata, and NULLs as Arrow nulls.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { tableFromIPC } from "apache-arrow";

const kodiak = resolve(import.meta.dirname, "..", "..", "..", "bin", "kodiak.js");

test("kodiak sql --format arrow: one IPC stream with typed columns and nulls", { timeout: 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "kodiak-arrow-cli-"));
  try {
    const sql = "SELECT 1::int4 AS a, 'x' AS b, true AS c, NULL::int8 AS d, 2.50::numeric AS e, '\\x0102'::bytea AS f, 1.5::float8 AS g";
    const r = spawnSync(process.execPath, [kodiak, "sql", "--embedded", join(dir, "db"), "--format", "arrow", "-c", sql], {
      maxBuffer: 16 * 1024 * 1024,
      timeout: 50_000,
    });
    assert.equal(r.status, 0, r.stderr.toString());
    const table = tableFromIPC(r.stdout);
    assert.deepEqual(
      table.schema.fields.map((f) => [f.name, String(f.type), f.metadata.get("kodiak.type")]),
      [
        ["a", "Int32", "int4"],
        ["b", "Utf8", "text"],
        ["c", "Bool", "bool"],
        ["d", "Int64", "int8"],
        ["e", "Utf8", "numeric"],
        ["f", "Binary", "bytea"],
        ["g", "Float64", "float8"],
      ],
    );
    assert.equal(table.numRows, 1);
    const row = table.get(0)?.toJSON() as Record<string, unknown>;
    assert.equal(row.a, 1);
    assert.equal(row.b, "x");
    assert.equal(row.c, true);
    assert.equal(row.d, null);
    assert.equal(row.e, "2.50");
    assert.deepEqual([...(row.f as Uint8Array)], [1, 2]);
    assert.equal(row.g, 1.5);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
