// SQL benchmark (`npm run bench -- sql [--rows N] [--runs R] [--no-postgres] [--systems a,b]`): a seeded
// lineitem-shaped table (default 1M rows) plus orders and customer, loaded into Kodiak (embedded:
// the real Raft log + storage engine path), SQLite (better-sqlite3@12), DuckDB (@duckdb/node-api)
// and PostgreSQL 15, all in this run. Cases: bulk insert, TPC-H Q1 and Q6 shapes, a 3-table join
// with aggregation, point lookups by primary key, 100-row range scans by a secondary index.
// Peers are installed on demand under .tmp/bench-peers-sql, never into package.json.

import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import pg from "pg";
import { openEmbeddedDatabase } from "../coordinator/sql-host/index.js";
import type { SqlSession } from "../sql/index.js";
import { SeededRandom } from "../util/index.js";
import { startPostgres } from "../tests/differential/pg-server.js";
import { formatTable, newResults, row, writeResults } from "./support/results.js";

const ROOT = resolve(import.meta.dirname, "../..");
const PEERS = join(ROOT, ".tmp", "bench-peers-sql");
/** Rows per INSERT statement and per transaction while loading (same for every system). */
const ROWS_PER_STATEMENT = 500;
const STATEMENTS_PER_TXN = 10;

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? def) : def;
}

/** One system under test: runs SQL, returns rows (only counts matter for the benchmark). */
interface Db {
  name: string;
  exec(sql: string): Promise<void>;
  query(sql: string): Promise<unknown[][]>;
  close(): Promise<void>;
}

// ---- data ----

interface Data {
  customer: string[];
  orders: string[];
  lineitem: string[];
}

const FLAGS = ["A", "N", "R"];
const STATUS = ["F", "O"];
const MODES = ["AIR", "MAIL", "RAIL", "SHIP", "TRUCK", "REG AIR", "FOB"];

function day(n: number): string {
  const d = new Date(Date.UTC(1992, 0, 1) + n * 86_400_000);
  return d.toISOString().slice(0, 10);
}

/** Tuples as SQL literal lists, generated from a fixed seed (same data for every system). */
function generate(lineitems: number, seed: number): Data {
  const r = new SeededRandom(seed);
  const orderCount = Math.max(1, Math.floor(lineitems / 4));
  const customerCount = Math.max(1, Math.floor(orderCount / 10));
  const customer: string[] = [];
  for (let c = 1; c <= customerCount; c++) customer.push(`(${c}, 'Customer#${c}', ${r.int(25)})`);
  const orders: string[] = [];
  const lineitem: string[] = [];
  let o = 0;
  while (lineitem.length < lineitems) {
    o++;
    const orderDay = r.int(2400);
    orders.push(`(${o}, ${1 + r.int(customerCount)}, '${day(orderDay)}', ${(1000 + r.int(400000)) / 100})`);
    const lines = 1 + r.int(7);
    for (let l = 1; l <= lines && lineitem.length < lineitems; l++) {
      const qty = 1 + r.int(50);
      const price = (qty * (900 + r.int(100000))) / 100;
      const disc = r.int(11) / 100;
      const tax = r.int(9) / 100;
      const ship = orderDay + 1 + r.int(120);
      lineitem.push(
        `(${o}, ${l}, ${1 + r.int(200000)}, ${1 + r.int(10000)}, ${qty}, ${price.toFixed(2)}, ${disc.toFixed(2)}, ${tax.toFixed(2)}, '${FLAGS[r.int(3)]}', '${STATUS[r.int(2)]}', '${day(ship)}', '${MODES[r.int(7)]}')`,
      );
    }
  }
  return { customer, orders, lineitem };
}

const SCHEMA = [
  "CREATE TABLE customer (c_custkey INTEGER PRIMARY KEY, c_name VARCHAR(25) NOT NULL, c_nationkey INTEGER NOT NULL)",
  "CREATE TABLE orders (o_orderkey INTEGER PRIMARY KEY, o_custkey INTEGER NOT NULL, o_orderdate DATE NOT NULL, o_totalprice DECIMAL(12,2) NOT NULL)",
  `CREATE TABLE lineitem (l_orderkey INTEGER NOT NULL, l_linenumber INTEGER NOT NULL, l_partkey INTEGER NOT NULL, l_suppkey INTEGER NOT NULL,
     l_quantity DECIMAL(12,2) NOT NULL, l_extendedprice DECIMAL(12,2) NOT NULL, l_discount DECIMAL(12,2) NOT NULL, l_tax DECIMAL(12,2) NOT NULL,
     l_returnflag CHAR(1) NOT NULL, l_linestatus CHAR(1) NOT NULL, l_shipdate DATE NOT NULL, l_shipmode VARCHAR(10) NOT NULL,
     PRIMARY KEY (l_orderkey, l_linenumber))`,
];
const INDEX = "CREATE INDEX lineitem_suppkey ON lineitem (l_suppkey)";

const Q1 = `SELECT l_returnflag, l_linestatus, sum(l_quantity) AS sum_qty, sum(l_extendedprice) AS sum_base_price,
  sum(l_extendedprice * (1 - l_discount)) AS sum_disc_price, sum(l_extendedprice * (1 - l_discount) * (1 + l_tax)) AS sum_charge,
  avg(l_quantity) AS avg_qty, avg(l_extendedprice) AS avg_price, avg(l_discount) AS avg_disc, count(*) AS count_order
  FROM lineitem WHERE l_shipdate <= DATE '1998-09-02' GROUP BY l_returnflag, l_linestatus ORDER BY l_returnflag, l_linestatus`;
const Q6 = `SELECT sum(l_extendedprice * l_discount) AS revenue FROM lineitem
  WHERE l_shipdate >= DATE '1994-01-01' AND l_shipdate < DATE '1995-01-01' AND l_discount BETWEEN 0.05 AND 0.07 AND l_quantity < 24`;
const JOIN3 = `SELECT c.c_nationkey, count(*) AS lines, sum(l.l_extendedprice) AS revenue
  FROM customer c JOIN orders o ON o.o_custkey = c.c_custkey JOIN lineitem l ON l.l_orderkey = o.o_orderkey
  WHERE o.o_orderdate >= DATE '1995-01-01' GROUP BY c.c_nationkey ORDER BY c.c_nationkey`;

async function load(db: Db, data: Data): Promise<number> {
  // The secondary index exists before the load, for every system: Kodiak builds an index over
  // existing rows in one transaction, which is bounded by the 3 MiB command limit.
  for (const s of [...SCHEMA, INDEX]) await db.exec(s);
  const t0 = performance.now();
  for (const [table, tuples] of [
    ["customer", data.customer],
    ["orders", data.orders],
    ["lineitem", data.lineitem],
  ] as const) {
    for (let i = 0; i < tuples.length; i += ROWS_PER_STATEMENT * STATEMENTS_PER_TXN) {
      await db.exec("BEGIN");
      for (let j = i; j < Math.min(tuples.length, i + ROWS_PER_STATEMENT * STATEMENTS_PER_TXN); j += ROWS_PER_STATEMENT) {
        await db.exec(`INSERT INTO ${table} VALUES ${tuples.slice(j, j + ROWS_PER_STATEMENT).join(",")}`);
      }
      await db.exec("COMMIT");
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  return (data.customer.length + data.orders.length + data.lineitem.length) / seconds;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

async function timeQuery(db: Db, sql: string, runs: number): Promise<number> {
  await db.query(sql); // warm-up
  const ts: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await db.query(sql);
    ts.push(performance.now() - t0);
  }
  return median(ts);
}

async function opsPerSec(db: Db, sqls: string[]): Promise<number> {
  const t0 = performance.now();
  for (const s of sqls) await db.query(s);
  return sqls.length / ((performance.now() - t0) / 1000);
}

async function measure(db: Db, data: Data, runs: number, seed: number): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  out.bulk = await load(db, data);
  out.q1 = await timeQuery(db, Q1, runs);
  out.q6 = await timeQuery(db, Q6, runs);
  out.join3 = await timeQuery(db, JOIN3, runs);
  const r = new SeededRandom(seed + 1);
  const maxOrder = data.orders.length;
  const lookups = Array.from(
    { length: 2000 },
    () => `SELECT l_extendedprice FROM lineitem WHERE l_orderkey = ${1 + r.int(maxOrder)} AND l_linenumber = 1`,
  );
  await opsPerSec(db, lookups.slice(0, 200));
  out.point = await opsPerSec(db, lookups);
  // Enough statements, after a warm-up, that one GC pause or storage sweep does not decide the median.
  const ranges = Array.from(
    { length: 1000 },
    () => `SELECT l_orderkey, l_extendedprice FROM lineitem WHERE l_suppkey = ${1 + r.int(10000)}`,
  );
  await opsPerSec(db, ranges.slice(0, 100));
  out.range = await opsPerSec(db, ranges);
  return out;
}

// ---- systems ----

async function kodiakDb(dir: string): Promise<Db> {
  const db = await openEmbeddedDatabase({ dir, cacheBytes: 512 * 1024 * 1024 });
  const s: SqlSession = await db.engine.openSession({ user: "bench", database: "kodiak" });
  const run = async (sql: string) => {
    let last: unknown[][] = [];
    for await (const r of s.run(sql)) last = (r.rows ?? []) as unknown[][];
    return last;
  };
  return {
    name: "kodiak",
    exec: async (sql) => {
      await run(sql);
    },
    query: run,
    close: async () => {
      await s.close();
      await db.close();
    },
  };
}

function ensurePeers(): NodeJS.Require {
  const req = createRequire(join(PEERS, "package.json"));
  const have = (p: string) => existsSync(join(PEERS, "node_modules", ...p.split("/"), "package.json"));
  if (!have("better-sqlite3") || !have("@duckdb/node-api")) {
    mkdirSync(PEERS, { recursive: true });
    writeFileSync(
      join(PEERS, "package.json"),
      JSON.stringify({ name: "kodiak-bench-peers-sql", private: true, allowScripts: { "better-sqlite3": true } }),
    );
    process.stderr.write("bench: installing better-sqlite3@12 and @duckdb/node-api into .tmp/bench-peers-sql (not package.json)\n");
    execFileSync("npm", ["install", "--no-save", "--no-audit", "--no-fund", "better-sqlite3@12", "@duckdb/node-api"], {
      cwd: PEERS,
      stdio: "inherit",
    });
    execFileSync("npm", ["rebuild", "better-sqlite3"], { cwd: PEERS, stdio: "inherit" });
  }
  return req;
}

interface SqliteDatabase {
  exec(sql: string): void;
  prepare(sql: string): { raw(on: boolean): { all(): unknown[][] } };
  close(): void;
}

function sqliteDb(req: NodeJS.Require, dir: string): Db {
  const Database = req("better-sqlite3") as new (path: string) => SqliteDatabase;
  const db = new Database(join(dir, "bench.sqlite"));
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL");
  // SQLite has no typed DATE '...' literal; dates are ISO text there, which compares the same way.
  const dialect = (sql: string) => sql.replaceAll("DATE '", "'");
  return {
    name: "sqlite",
    exec: async (sql) => db.exec(dialect(sql)),
    query: async (sql) => db.prepare(dialect(sql)).raw(true).all(),
    close: async () => db.close(),
  };
}

interface DuckModule {
  DuckDBInstance: { create(path: string): Promise<{ connect(): Promise<DuckConnection> }> };
}
interface DuckConnection {
  run(sql: string): Promise<unknown>;
  runAndReadAll(sql: string): Promise<{ getRows(): unknown[][] }>;
  closeSync?(): void;
}

async function duckDb(req: NodeJS.Require, dir: string): Promise<Db> {
  const mod = (await import(pathToFileURL(req.resolve("@duckdb/node-api")).href)) as DuckModule;
  const instance = await mod.DuckDBInstance.create(join(dir, "bench.duckdb"));
  const conn = await instance.connect();
  return {
    name: "duckdb",
    exec: async (sql) => {
      await conn.run(sql);
    },
    query: async (sql) => (await conn.runAndReadAll(sql)).getRows(),
    close: async () => conn.closeSync?.(),
  };
}

async function postgresDb(): Promise<Db> {
  const server = await startPostgres();
  const client = new pg.Client({ host: "127.0.0.1", port: server.port, user: "kodiak", database: "postgres" });
  await client.connect();
  return {
    name: "postgresql",
    exec: async (sql) => {
      await client.query(sql);
    },
    query: async (sql) => (await client.query({ text: sql, rowMode: "array" })).rows as unknown[][],
    close: async () => {
      await client.end();
      await server.stop();
    },
  };
}

// ---- driver ----

const CASES: { key: string; label: string; unit: string; higher: boolean }[] = [
  { key: "bulk", label: "bulk insert (500-row INSERTs, 5k rows per txn, 1 secondary index)", unit: "rows/s", higher: true },
  { key: "q1", label: "TPC-H Q1 shape", unit: "ms (median)", higher: false },
  { key: "q6", label: "TPC-H Q6 shape", unit: "ms (median)", higher: false },
  { key: "join3", label: "3-table join + aggregation", unit: "ms (median)", higher: false },
  { key: "point", label: "point lookup by primary key", unit: "ops/s", higher: true },
  { key: "range", label: "100-row range scan by secondary index", unit: "ops/s", higher: true },
];

async function main(): Promise<void> {
  const rows = Number(arg("rows", "1000000"));
  const runs = Number(arg("runs", "3"));
  const seed = 42;
  const started = new Date();
  const req = ensurePeers();
  process.stderr.write(`bench sql: generating ${rows} lineitem rows (seed ${seed})\n`);
  const data = generate(rows, seed);
  const base = mkdtempSync(join(tmpdir(), "kodiak-bench-sql-"));
  const measured: Record<string, Record<string, number>> = {};
  const notes: string[] = [
    `rows=${rows} runs=${runs} seed=${seed}; Kodiak embedded (single-voter Raft group, WAL fsync on, storage engine)`,
  ];
  const systems: [string, () => Promise<Db>][] = [
    ["kodiak", () => kodiakDb(join(base, "kodiak"))],
    ["sqlite", async () => sqliteDb(req, base)],
    ["duckdb", () => duckDb(req, base)],
  ];
  if (!process.argv.includes("--no-postgres")) systems.push(["postgresql", postgresDb]);
  // `--systems kodiak,sqlite` runs a subset (for profiling one system while iterating).
  const only = arg("systems", "")
    .split(",")
    .filter((x) => x !== "");
  if (only.length > 0) systems.splice(0, systems.length, ...systems.filter(([name]) => only.includes(name)));
  try {
    for (const [name, open] of systems) {
      process.stderr.write(`bench sql: ${name}\n`);
      let db: Db | undefined;
      try {
        db = await open();
        measured[name] = await measure(db, data, runs, seed);
        process.stderr.write(`  ${JSON.stringify(measured[name])}\n`);
      } catch (e) {
        notes.push(`${name} failed: ${e instanceof Error ? e.message : String(e)}`);
        process.stderr.write(`  ${name} failed: ${String(e)}\n`);
      } finally {
        await db?.close().catch(() => {});
      }
    }
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
  const results = newResults("sql", started);
  results.notes.push(...notes);
  for (const c of CASES) {
    const peers: Record<string, number> = {};
    for (const [name, m] of Object.entries(measured)) if (name !== "kodiak" && m[c.key] !== undefined) peers[name] = m[c.key] as number;
    results.rows.push(row(c.label, c.unit, c.higher, measured.kodiak?.[c.key], peers));
  }
  process.stdout.write(`${formatTable(results.rows)}\n`);
  process.stdout.write(`wrote ${writeResults(ROOT, results)}\n`);
}

await main();
