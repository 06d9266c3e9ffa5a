// COPY in Arrow IPC format (files: Arrow file format; STDOUT/STDIN: stream format) round-trips
// every core type exactly, NULLs included; Arrow written by other tools loads; text and CSV COPY
// FROM STDIN give the same rows however the input is split into chunks.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { DateDay, Float64, Int64, Table, tableFromIPC, tableToIPC, Utf8, vectorFromArray } from "apache-arrow";
import type { SqlSession, StatementResult } from "../../../sql/index.js";
import { KvSqlEngine, MemoryKvStore, openEmbeddedEngine } from "../../../sql/index.js";
import { exec, failure, rows } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "kodiak-copy-arrow-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const COLUMNS = `id INT PRIMARY KEY, b BOOLEAN, i2 SMALLINT, i4 INTEGER, i8 BIGINT, f4 REAL, f8 DOUBLE PRECISION,
  n NUMERIC(30,10), nu NUMERIC, t TEXT, v VARCHAR(20), bt BYTEA, d DATE, tm TIME, ts TIMESTAMP, tz TIMESTAMPTZ,
  iv INTERVAL, j JSON, jb JSONB, u UUID, ia INT[], ta TEXT[]`;

const ROWS = [
  `(1, true, -32768, -2147483648, -9223372036854775808, 1.5, -0.0000001, 12345678901234567890.0123456789, 0.1,
   'héllo, "world"\tß€', 'v', '\\x00ff10', '2024-02-29', '23:59:59.999999', '2000-01-01 00:00:00', '1999-12-31 23:59:59.5+00',
   '1 year 2 mons 3 days 04:05:06.7', '{"a": [1, 2, null]}', '{"k": "v", "n": 1.5}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
   ARRAY[1, NULL, 3], ARRAY['x', 'y z', NULL])`,
  `(2, false, 32767, 2147483647, 9223372036854775807, 3.4e38, 1e308, -0.0000000001, -99999999999999999999.5,
   '', '', '\\x', '0001-01-01', '00:00:00', '9999-12-31 23:59:59', '2020-06-01 12:00:00+00', '-1 days', '[]', 'null', '00000000-0000-0000-0000-000000000000',
   ARRAY[]::INT[], ARRAY[]::TEXT[])`,
  `(3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
  `(4, true, 0, 0, 0, '-Infinity', 'NaN', 0, 0, 'NULL', '\\N', '\\x5c4e', '1970-01-01', '12:00:00', '1970-01-01 00:00:00', '1970-01-01 00:00:00+00',
   '0 seconds', '"str"', '[1, {"a": {}}]', 'ffffffff-ffff-ffff-ffff-ffffffffffff', ARRAY[-1], ARRAY['{}', '"q"'])`,
];
/** One INSERT per row: each row types its own literals. */
const INSERTS = ROWS.map((r) => `INSERT INTO src VALUES ${r}`).join(";\n");

async function fileSession(): Promise<SqlSession> {
  const engine = await openEmbeddedEngine({ dir: mkdtempSync(join(dir, "db-")) });
  return engine.openSession({ user: "t", database: "t" });
}

async function collect(r: StatementResult): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const c of r.copyOut!.data) chunks.push(c);
  return Buffer.concat(chunks);
}

/** Feeds `data` to a COPY FROM STDIN in pieces of the given sizes (cycled). */
async function copyIn(s: SqlSession, sql: string, data: Uint8Array, pieces: readonly number[]): Promise<number> {
  const [r] = await exec(s, sql);
  let k = 0;
  for (let pos = 0; pos < data.length; ) {
    const n = pieces[k++ % pieces.length];
    r.copyIn!.sink.write(data.subarray(pos, pos + n));
    pos += n;
  }
  return r.copyIn!.sink.finish();
}

test("COPY TO/FROM an Arrow file round-trips every core type and NULLs exactly", async () => {
  const s = await fileSession();
  const file = join(dir, "all.arrow");
  await exec(s, `CREATE TABLE src (${COLUMNS}); ${INSERTS}`);
  const [out] = await exec(s, `COPY src TO '${file}' (FORMAT arrow)`);
  assert.equal(out.rowCount, 4);
  await exec(s, `CREATE TABLE dst (${COLUMNS})`);
  const [inn] = await exec(s, `COPY dst FROM '${file}' (FORMAT arrow)`);
  assert.equal(inn.rowCount, 4);
  const all = "SELECT * FROM %t ORDER BY id";
  assert.deepEqual(await rows(s, all.replace("%t", "dst")), await rows(s, all.replace("%t", "src")));
  // Also equal as PostgreSQL text (catches float -0/NaN, numeric scale, bytea).
  const text = `SELECT ${"b i2 i4 i8 f4 f8 n nu t v bt d tm ts tz iv j jb u ia ta"
    .split(" ")
    .map((c) => `${c}::text`)
    .join(", ")} FROM %t ORDER BY id`;
  assert.deepEqual(await rows(s, text.replace("%t", "dst")), await rows(s, text.replace("%t", "src")));
});

test("COPY TO STDOUT (FORMAT arrow) is an Arrow stream with typed columns; COPY FROM STDIN reads it in any chunking", async () => {
  const engine = new KvSqlEngine(new MemoryKvStore());
  const s = await engine.openSession({ user: "t", database: "t" });
  await exec(s, `CREATE TABLE src (${COLUMNS}); ${INSERTS}`);
  const [out] = await exec(s, "COPY src TO STDOUT (FORMAT arrow)");
  assert.equal(out.copyOut!.format, "binary");
  const bytes = await collect(out);
  const table = tableFromIPC(bytes);
  assert.equal(table.numRows, 4);
  const typeOf = (name: string) => String(table.schema.fields.find((f) => f.name === name)!.type);
  assert.deepEqual(["b", "i2", "i4", "i8", "f4", "f8", "bt", "d", "n", "ts"].map(typeOf), [
    "Bool",
    "Int16",
    "Int32",
    "Int64",
    "Float32",
    "Float64",
    "Binary",
    "Date32<DAY>",
    "Utf8",
    "Utf8",
  ]);
  assert.equal(table.getChild("i8")!.get(0), -9223372036854775808n);
  assert.equal(table.getChild("t")!.get(2), null);
  assert.equal(table.schema.fields.find((f) => f.name === "n")!.metadata.get("kodiak.type"), "numeric");
  for (const pieces of [[bytes.length], [1], [7, 3, 101]]) {
    await exec(s, `DROP TABLE IF EXISTS dst; CREATE TABLE dst (${COLUMNS})`);
    assert.equal(await copyIn(s, "COPY dst FROM STDIN (FORMAT arrow)", bytes, pieces), 4);
    assert.deepEqual(await rows(s, "SELECT * FROM dst ORDER BY id"), await rows(s, "SELECT * FROM src ORDER BY id"));
  }
});

test("Arrow written by another tool loads by column position; a column count mismatch is 22P04", async () => {
  const engine = new KvSqlEngine(new MemoryKvStore());
  const s = await engine.openSession({ user: "t", database: "t" });
  const foreign = new Table({
    k: vectorFromArray([1n, 2n, null], new Int64()),
    name: vectorFromArray(["a", null, "c"], new Utf8()),
    day: vectorFromArray([new Date(Date.UTC(2024, 0, 31)), null, new Date(0)], new DateDay()),
    x: vectorFromArray([0.25, null, -1], new Float64()),
  });
  const bytes = tableToIPC(foreign, "file");
  await exec(s, "CREATE TABLE f (id BIGINT, label TEXT, d DATE, amount NUMERIC(10,2))");
  assert.equal(await copyIn(s, "COPY f FROM STDIN (FORMAT arrow)", bytes, [1000]), 3);
  assert.deepEqual(await rows(s, "SELECT id, label, d::text, amount::text FROM f ORDER BY id NULLS LAST"), [
    [1n, "a", "2024-01-31", "0.25"],
    [2n, null, null, null],
    [null, "c", "1970-01-01", "-1.00"],
  ]);
  const [r] = await exec(s, "COPY f (id, label) FROM STDIN (FORMAT arrow)");
  r.copyIn!.sink.write(bytes);
  const e = await r.copyIn!.sink.finish().then(
    () => undefined,
    (x: unknown) => x as { code: string },
  );
  assert.equal(e?.code, "22P04");
  assert.deepEqual(await rows(s, "SELECT count(*) FROM f"), [[3n]]);
});

test("CSV and text COPY FROM STDIN give the same rows for every chunking, and a bad row undoes the COPY", async () => {
  const engine = new KvSqlEngine(new MemoryKvStore());
  const s = await engine.openSession({ user: "t", database: "t" });
  await exec(s, "CREATE TABLE c (a INT, b TEXT)");
  const csv = Buffer.from('a,b\r\n1,"x,""y"""\r\n2,\r\n3,"multi\nline"\n4,"🐻é"\n5,""\n');
  const expected = [
    [1, 'x,"y"'],
    [2, null],
    [3, "multi\nline"],
    [4, "🐻é"],
    [5, ""],
  ];
  for (const pieces of [[csv.length], [1], [2], [3, 5, 1]]) {
    await exec(s, "TRUNCATE c");
    assert.equal(await copyIn(s, "COPY c FROM STDIN (FORMAT csv, HEADER true)", csv, pieces), 5, `pieces ${pieces}`);
    assert.deepEqual(await rows(s, "SELECT a, b FROM c ORDER BY a"), expected, `pieces ${pieces}`);
  }
  const text = Buffer.from("1\tone\\ttab\n2\t\\N\n3\tback\\\\slash\n\\.\n");
  for (const pieces of [[text.length], [1], [4, 1]]) {
    await exec(s, "TRUNCATE c");
    assert.equal(await copyIn(s, "COPY c FROM STDIN", text, pieces), 3);
    assert.deepEqual(await rows(s, "SELECT a, b FROM c ORDER BY a"), [
      [1, "one\ttab"],
      [2, null],
      [3, "back\\slash"],
    ]);
  }
  await exec(s, "TRUNCATE c");
  const many = Buffer.from(`${Array.from({ length: 3000 }, (_v, i) => `${i},r${i}`).join("\n")}\n3000,x,extra\n`);
  const [r] = await exec(s, "COPY c FROM STDIN (FORMAT csv)");
  for (let pos = 0; pos < many.length; pos += 1000) r.copyIn!.sink.write(many.subarray(pos, pos + 1000));
  const e = await r.copyIn!.sink.finish().then(
    () => undefined,
    (x: unknown) => x as { code: string; message: string },
  );
  assert.equal(e?.code, "22P04");
  assert.match(e?.message ?? "", /COPY line 3001/);
  assert.deepEqual(await rows(s, "SELECT count(*) FROM c"), [[0n]]);
  assert.equal((await failure(s, "COPY c FROM STDIN (FORMAT parquet)")).code, "0A000");
});

test("COPY FROM a file larger than one read chunk, with multi-byte characters across chunk edges", async () => {
  const s = await fileSession();
  const file = join(dir, "big.csv");
  const lines: string[] = [];
  for (let i = 0; i < 40_000; i++) lines.push(`${i},"é€ß,${"ü".repeat(i % 13)}"`);
  const { writeFileSync } = await import("node:fs");
  writeFileSync(file, `${lines.join("\n")}\n`);
  await exec(s, "CREATE TABLE big (a INT, b TEXT)");
  const [r] = await exec(s, `COPY big FROM '${file}' (FORMAT csv)`);
  assert.equal(r.rowCount, 40_000);
  assert.deepEqual(await rows(s, "SELECT count(*), sum(length(b)), min(b), max(a) FROM big"), [
    [40_000n, BigInt(lines.reduce((n, _l, i) => n + 4 + (i % 13), 0)), "é€ß,", 39_999],
  ]);
});
