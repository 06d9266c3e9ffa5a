// `npm run bench -- pl`: PL-Grizzly against PostgreSQL's PL/pgSQL in the same run: a function
// doing 1M iterations of integer arithmetic, recursive fib(25), a loop inserting 100k rows and a
// trigger on 100k inserts. Kodiak runs embedded (in-memory store); PostgreSQL is a throwaway
// server (tests/differential/pg-server.ts). Not a test.
//
// Each case runs --warmup times unmeasured (default 1), then --runs times (default 5), each on a
// fresh engine/schema, Kodiak and PostgreSQL interleaved so load on the machine hits both alike;
// the table shows medians. Kodiak's JIT stays warm between runs, as in a long-running server.
// Besides wall time, each case also reports CPU time (Kodiak: this process; PostgreSQL: its
// backend process, from /proc, 10 ms ticks), which a loaded shared machine distorts far less.
//
// options: --scale F (multiplies iteration and row counts, default 1), --runs N, --warmup N,
//          --only kodiak|postgres

import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { KvSqlEngine } from "../sql/engine/engine.js";
import { MemoryKvStore } from "../sql/kv/index.js";
import { startPostgres } from "../tests/differential/pg-server.js";
import { formatTable, newResults, row, writeResults } from "./support/results.js";

interface Case {
  readonly name: string;
  readonly kodiak: { setup: string; run: string };
  readonly postgres: { setup: string; run: string };
}

function cases(scale: number): Case[] {
  const iters = Math.max(1, Math.round(1_000_000 * scale));
  const rows = Math.max(1, Math.round(100_000 * scale));
  return [
    {
      name: `loop ${iters} iterations`,
      kodiak: {
        setup:
          "CREATE FUNCTION spin(n: INT64) RETURNS INT64 { LET s = 0; LET i = 0; WHILE i < n { SET i = i + 1; SET s = (s + i * 3) % 1000003 }; s };",
        run: `SELECT spin(${iters});`,
      },
      postgres: {
        setup:
          "CREATE FUNCTION spin(n bigint) RETURNS bigint LANGUAGE plpgsql AS $$ DECLARE s bigint := 0; i bigint := 0; BEGIN WHILE i < n LOOP i := i + 1; s := (s + i * 3) % 1000003; END LOOP; RETURN s; END $$;",
        run: `SELECT spin(${iters});`,
      },
    },
    {
      name: "fib(25) recursive",
      kodiak: {
        setup: "CREATE FUNCTION fib(n: INT64) RETURNS INT64 { IF n < 2 { n } ELSE { fib(n - 1) + fib(n - 2) } };",
        run: "SELECT fib(25);",
      },
      postgres: {
        setup:
          "CREATE FUNCTION fib(n bigint) RETURNS bigint LANGUAGE plpgsql AS $$ BEGIN IF n < 2 THEN RETURN n; END IF; RETURN fib(n - 1) + fib(n - 2); END $$;",
        run: "SELECT fib(25);",
      },
    },
    {
      name: `loop inserting ${rows} rows`,
      kodiak: {
        setup: "CREATE TABLE li (id INT64, v INT64);",
        run: `DO { FOR i IN 1..${rows} { INSERT INTO li VALUES ({i}, {i} * 2) } };`,
      },
      postgres: {
        setup: "CREATE TABLE li (id bigint, v bigint);",
        run: `DO $$ BEGIN FOR i IN 1..${rows} LOOP INSERT INTO li VALUES (i, i * 2); END LOOP; END $$;`,
      },
    },
    {
      name: `trigger on ${rows} inserts`,
      kodiak: {
        setup: "CREATE TABLE ti (id INT64, qty INT64); CREATE TRIGGER clamp BEFORE INSERT ON ti { IF NEW.qty < 0 { SET NEW.qty = 0 } };",
        run: `INSERT INTO ti SELECT g, g % 7 - 3 FROM generate_series(1, ${rows}) AS g;`,
      },
      postgres: {
        setup:
          "CREATE TABLE ti (id bigint, qty bigint); CREATE FUNCTION clamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.qty < 0 THEN NEW.qty := 0; END IF; RETURN NEW; END $$; CREATE TRIGGER clamp BEFORE INSERT ON ti FOR EACH ROW EXECUTE FUNCTION clamp();",
        run: `INSERT INTO ti SELECT g, g % 7 - 3 FROM generate_series(1, ${rows}) AS g;`,
      },
    },
  ];
}

interface Timing {
  readonly wallMs: number;
  readonly cpuMs: number | undefined;
}

const clockTicksPerSecond = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** User + system CPU of another process (utime and stime of /proc/PID/stat), if readable. */
function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicksPerSecond;
  } catch {
    return undefined;
  }
}

async function timeKodiak(c: Case): Promise<Timing> {
  const engine = new KvSqlEngine(new MemoryKvStore());
  try {
    const s = await engine.openSession({ user: "bench", database: "bench" });
    for await (const _ of s.run(c.kodiak.setup)) {
      // setup results are not measured
    }
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for await (const _ of s.run(c.kodiak.run)) {
      // drain
    }
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
  } finally {
    await engine.close();
  }
}

function median(xs: readonly number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let scale = 1;
  let only: string | undefined;
  let runs = 5;
  let warmup = 1;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--scale") scale = Number(argv[++i]);
    else if (argv[i] === "--only") only = argv[++i];
    else if (argv[i] === "--runs") runs = Number(argv[++i]);
    else if (argv[i] === "--warmup") warmup = Number(argv[++i]);
    else throw new Error(`unknown option ${argv[i]}`);
  }
  if (!(scale > 0)) throw new Error("--scale must be > 0");
  if (!Number.isInteger(runs) || runs < 1) throw new Error("--runs must be a positive integer");
  if (!Number.isInteger(warmup) || warmup < 0) throw new Error("--warmup must be a non-negative integer");
  const results = newResults("pl", new Date());
  const pgServer = only === "kodiak" ? undefined : await startPostgres();
  try {
    const pgClient = pgServer === undefined ? undefined : await pgServer.connect();
    const backendPid = pgClient === undefined ? undefined : Number((await pgClient.query("SELECT pg_backend_pid() AS pid")).rows[0]?.pid);
    for (const c of cases(scale)) {
      const kodiak: Timing[] = [];
      const postgres: Timing[] = [];
      for (let r = 0; r < warmup + runs; r++) {
        const measured = r >= warmup;
        if (only !== "postgres") {
          const t = await timeKodiak(c);
          if (measured) kodiak.push(t);
        }
        if (pgClient !== undefined) {
          await pgClient.query(c.postgres.setup);
          const cpu0 = backendPid === undefined ? undefined : processCpuMs(backendPid);
          const t0 = performance.now();
          await pgClient.query(c.postgres.run);
          const wallMs = performance.now() - t0;
          const cpu1 = backendPid === undefined ? undefined : processCpuMs(backendPid);
          if (measured) postgres.push({ wallMs, cpuMs: cpu0 === undefined || cpu1 === undefined ? undefined : cpu1 - cpu0 });
          await pgClient.query("DROP SCHEMA public CASCADE; CREATE SCHEMA public;");
        }
      }
      const wall = (ts: Timing[]) => median(ts.map((t) => t.wallMs));
      const cpu = (ts: Timing[]) => (ts.some((t) => t.cpuMs === undefined) ? undefined : median(ts.map((t) => t.cpuMs as number)));
      const pgWall = wall(postgres);
      results.rows.push(row(c.name, "ms (median)", false, wall(kodiak), pgWall === undefined ? {} : { postgres: pgWall }));
      const pgCpu = cpu(postgres);
      results.rows.push(row(`${c.name} (CPU)`, "cpu ms (median)", false, cpu(kodiak), pgCpu === undefined ? {} : { postgres: pgCpu }));
    }
    await pgClient?.end();
  } finally {
    await pgServer?.stop();
  }
  results.notes.push(
    `scale ${scale}; ${warmup} warm-up + ${runs} measured runs per case (median); Kodiak embedded with the in-memory store; ratio = kodiak ms / postgres ms (lower is better)`,
  );
  console.log(formatTable(results.rows));
  console.log(`results: ${writeResults(resolve(import.meta.dirname, "..", ".."), results)}`);
}

await main();
