// `npm run bench -- spill`: what spilling costs. The same sort, GROUP BY, hash join, DISTINCT and
// window queries run with work_mem = 64kB (forcing temp files) and 1GB (all in memory), on Kodiak
// (embedded, in-memory store) and on PostgreSQL in the same run. Each row reports median ms with a
// tiny work_mem; peers are Kodiak with a large work_mem and PostgreSQL with both, so
// kodiak/kodiak-1GB is Kodiak's spill overhead and postgres-64kB/postgres-1GB would be PostgreSQL's.
//
// options: --rows N (default 100000), --repeat R (median of R, default 3), --only kodiak

import { resolve } from "node:path";
import { KvSqlEngine } from "../sql/engine/engine.js";
import { MemoryKvStore } from "../sql/kv/index.js";
import { startPostgres } from "../tests/differential/pg-server.js";
import { formatTable, newResults, row, writeResults } from "./support/results.js";

const QUERIES: readonly [string, string][] = [
  ["ORDER BY text", "SELECT count(*) FROM (SELECT id, name FROM t ORDER BY name, id) AS x"],
  ["GROUP BY (many groups)", "SELECT count(*) FROM (SELECT name, count(*), sum(v) FROM t GROUP BY name) AS x"],
  ["hash join", "SELECT count(*) FROM t JOIN u ON u.tid = t.id"],
  ["DISTINCT", "SELECT count(*) FROM (SELECT DISTINCT name, g FROM t) AS x"],
  ["window PARTITION BY", "SELECT count(*) FROM (SELECT id, rank() OVER (PARTITION BY g ORDER BY v) FROM t) AS x"],
];

function setup(rows: number): string[] {
  return [
    "CREATE TABLE t (id INT PRIMARY KEY, g INT, v INT, name TEXT)",
    `INSERT INTO t SELECT i, i % 1000, (i * 7919) % 100003, 'name-' || ((i * 37) % ${rows})::text FROM generate_series(1, ${rows}) AS s(i)`,
    "CREATE TABLE u (id INT PRIMARY KEY, tid INT)",
    `INSERT INTO u SELECT i, (i * 3) % ${rows} FROM generate_series(1, ${rows}) AS s(i)`,
  ];
}

const median = (xs: number[]): number => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function timeAll(run: (sql: string) => Promise<void>, workMem: string, repeat: number): Promise<number[]> {
  await run(`SET SESSION work_mem = '${workMem}'`);
  const out: number[] = [];
  for (const [, q] of QUERIES) {
    const times: number[] = [];
    for (let i = 0; i < repeat; i++) {
      const t0 = performance.now();
      await run(q);
      times.push(performance.now() - t0);
    }
    out.push(median(times));
  }
  return out;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let rows = 100_000;
  let repeat = 3;
  let only: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--rows") rows = Number(argv[++i]);
    else if (argv[i] === "--repeat") repeat = Number(argv[++i]);
    else if (argv[i] === "--only") only = argv[++i];
    else throw new Error(`unknown option ${argv[i]}`);
  }
  const results = newResults("spill", new Date());
  const engine = new KvSqlEngine(new MemoryKvStore());
  const s = await engine.openSession({ user: "bench", database: "bench" });
  const kodiak = async (sql: string) => {
    for await (const _ of s.run(sql)) {
      // drain
    }
  };
  for (const st of setup(rows)) await kodiak(st);
  const kSpill = await timeAll(kodiak, "64kB", repeat);
  const kMem = await timeAll(kodiak, "1GB", repeat);
  await engine.close();
  let pSpill: number[] | undefined;
  let pMem: number[] | undefined;
  if (only !== "kodiak") {
    const pg = await startPostgres();
    try {
      const c = await pg.connect();
      for (const st of setup(rows)) await c.query(st);
      await c.query("ANALYZE");
      const run = async (sql: string) => void (await c.query(sql.replace("SET SESSION", "SET")));
      pSpill = await timeAll(run, "64kB", repeat);
      pMem = await timeAll(run, "1GB", repeat);
      await c.end();
    } finally {
      await pg.stop();
    }
  }
  QUERIES.forEach(([name], i) => {
    const peers: Record<string, number> = { "kodiak-1GB": kMem[i] as number };
    if (pSpill && pMem) {
      peers["postgres-64kB"] = pSpill[i] as number;
      peers["postgres-1GB"] = pMem[i] as number;
    }
    results.rows.push(row(`${name}, ${rows} rows, work_mem 64kB`, "ms", false, kSpill[i], peers));
  });
  results.notes.push(`median of ${repeat}; Kodiak embedded (in-memory store); lower is better`);
  console.log(formatTable(results.rows));
  console.log(`results: ${writeResults(resolve(import.meta.dirname, "..", ".."), results)}`);
}

await main();
