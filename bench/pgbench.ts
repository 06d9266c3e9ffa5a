// `npm run bench -- pgbench`: identical pgbench runs (-S select-only, -N simple-update, default
// TPC-B-like) against PostgreSQL 15 (fsync=on), a Kodiak 3-node cluster and a Kodiak single node,
// over the simple and prepared protocols; prints tps, average latency and Kodiak/PostgreSQL ratios
// and writes bench/results/pgbench.json. Not a test.
//
// options: --seconds N (per run, default 30)  --clients 1,8,32  --modes simple,prepared
//          --scripts select-only,simple-update,tpcb  --scale N (default 1)  --max-tries N (default 10)
//          --only postgres|cluster|single (repeatable)  --keep (keep the temp dir)

import { execFile } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type PgEndpoint, startKodiakClusterPg, startKodiakSinglePg } from "./support/kodiak-pgwire.js";
import { ensurePostgresInstalled, startPostgres } from "./support/postgres.js";
import { commandExists, Processes } from "./support/processes.js";
import { newResults, type ResultRow, round, row, writeResults } from "./support/results.js";

const SYSTEMS = ["postgres", "cluster", "single"] as const;
type System = (typeof SYSTEMS)[number];
const LABEL: Record<System, string> = { postgres: "PostgreSQL 15", cluster: "Kodiak 3-node", single: "Kodiak single node" };
const SCRIPTS = { "select-only": ["-S"], "simple-update": ["-N"], tpcb: [] } as const;
type Script = keyof typeof SCRIPTS;
/** Bound on `pgbench -i` (one transaction of 100k rows per scale unit on Kodiak). */
const INIT_TIMEOUT_MS = 600_000;
/** Slack on top of the run's duration before a pgbench run is killed. */
const RUN_SLACK_MS = 120_000;

interface Options {
  seconds: number;
  clients: number[];
  modes: string[];
  scripts: Script[];
  scale: number;
  maxTries: number;
  only: System[];
  keep: boolean;
}

function parseOptions(argv: string[]): Options {
  const o: Options = {
    seconds: 30,
    clients: [1, 8, 32],
    modes: ["simple", "prepared"],
    scripts: ["select-only", "simple-update", "tpcb"],
    scale: 1,
    maxTries: 10,
    only: [],
    keep: false,
  };
  const list = (s: string | undefined) => (s ?? "").split(",").filter((x) => x !== "");
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i];
    if (a === "--seconds") o.seconds = Number(next());
    else if (a === "--clients") o.clients = list(next()).map(Number);
    else if (a === "--modes") o.modes = list(next());
    else if (a === "--scripts") o.scripts = list(next()) as Script[];
    else if (a === "--scale") o.scale = Number(next());
    else if (a === "--max-tries") o.maxTries = Number(next());
    else if (a === "--only") o.only.push(next() as System);
    else if (a === "--keep") o.keep = true;
    else throw new Error(`unknown option ${a}`);
  }
  if (!(o.seconds > 0) || !Number.isInteger(o.scale) || o.scale < 1)
    throw new Error("--seconds must be > 0 and --scale a positive integer");
  if (o.clients.length === 0 || o.clients.some((c) => !Number.isInteger(c) || c < 1)) throw new Error("--clients needs positive integers");
  if (o.modes.some((m) => !["simple", "extended", "prepared"].includes(m))) throw new Error("--modes: simple, extended, prepared");
  if (o.scripts.some((s) => !(s in SCRIPTS))) throw new Error(`--scripts: ${Object.keys(SCRIPTS).join(", ")}`);
  if (o.only.some((s) => !SYSTEMS.includes(s))) throw new Error(`--only: ${SYSTEMS.join(", ")}`);
  if (!Number.isInteger(o.maxTries) || o.maxTries < 1) throw new Error("--max-tries must be a positive integer");
  return o;
}

interface PgbenchResult {
  tps: number;
  latencyMs: number;
  processed: number;
  failed: number;
  retried: number;
}

function pgbench(ep: PgEndpoint, args: string[], timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      "pgbench",
      ["-h", "127.0.0.1", "-p", String(ep.port), "-U", "kodiak", ...args, ep.database],
      { encoding: "utf8", timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, PGCONNECT_TIMEOUT: "30" } },
      (err, stdout, stderr) => done({ code: err === null ? 0 : typeof err.code === "number" ? err.code : -1, stdout, stderr }),
    );
  });
}

function parsePgbench(out: string): PgbenchResult | undefined {
  const num = (re: RegExp) => {
    const m = re.exec(out);
    return m === null ? undefined : Number(m[1]);
  };
  const tps = num(/tps = ([\d.]+) \(without initial connection time\)/);
  const latencyMs = num(/latency average = ([\d.]+) ms/);
  const processed = num(/number of transactions actually processed: (\d+)/);
  if (tps === undefined || latencyMs === undefined || processed === undefined) return undefined;
  return {
    tps,
    latencyMs,
    processed,
    failed: num(/number of failed transactions: (\d+)/) ?? 0,
    retried: num(/number of transactions retried: (\d+)/) ?? 0,
  };
}

function caseName(script: Script, mode: string, clients: number): string {
  return `${script} ${mode} c=${clients}`;
}

async function measureSystem(system: System, ep: PgEndpoint, o: Options, out: Map<string, PgbenchResult>, notes: string[]): Promise<void> {
  const t0 = Date.now();
  const init = await pgbench(ep, ["-i", "-s", String(o.scale), "-q"], INIT_TIMEOUT_MS);
  if (init.code !== 0) {
    notes.push(`${LABEL[system]}: pgbench -i failed: ${init.stderr.trim().split("\n").slice(-3).join(" | ")}`);
    return;
  }
  process.stderr.write(`${LABEL[system]}: pgbench -i -s ${o.scale} took ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  for (const script of o.scripts) {
    for (const mode of o.modes) {
      for (const c of o.clients) {
        const args = [...SCRIPTS[script], "-M", mode, "-c", String(c), "-j", String(Math.min(c, 4)), "-T", String(o.seconds)];
        args.push("--max-tries", String(o.maxTries));
        const r = await pgbench(ep, args, o.seconds * 1000 + RUN_SLACK_MS);
        const name = caseName(script, mode, c);
        const res = parsePgbench(r.stdout);
        if (res === undefined || r.code !== 0) {
          notes.push(`${LABEL[system]} ${name}: pgbench exited ${r.code}: ${r.stderr.trim().split("\n").slice(-2).join(" | ")}`);
          if (res === undefined) continue;
        }
        out.set(name, res);
        if (res.failed > 0) notes.push(`${LABEL[system]} ${name}: ${res.failed} failed transactions (after ${o.maxTries} tries)`);
        process.stderr.write(
          `${LABEL[system].padEnd(20)} ${name.padEnd(28)} tps ${res.tps.toFixed(1).padStart(8)}  lat ${res.latencyMs.toFixed(2).padStart(8)} ms  failed ${res.failed}  retried ${res.retried}\n`,
        );
      }
    }
  }
}

function fmt(v: number | undefined, digits = 1): string {
  return v === undefined ? "-" : v.toFixed(digits);
}

function ratio(a: number | undefined, b: number | undefined): string {
  return a === undefined || b === undefined || b === 0 ? "-" : `${(a / b).toFixed(2)}x`;
}

function printTable(cases: string[], m: Record<System, Map<string, PgbenchResult>>): string {
  const header = ["case", "pg tps", "3n tps", "1n tps", "3n/pg", "1n/pg", "pg ms", "3n ms", "1n ms", "3n fail", "1n fail"];
  const lines = cases.map((c) => {
    const [p, k3, k1] = [m.postgres.get(c), m.cluster.get(c), m.single.get(c)];
    return [
      c,
      fmt(p?.tps),
      fmt(k3?.tps),
      fmt(k1?.tps),
      ratio(k3?.tps, p?.tps),
      ratio(k1?.tps, p?.tps),
      fmt(p?.latencyMs, 2),
      fmt(k3?.latencyMs, 2),
      fmt(k1?.latencyMs, 2),
      k3 === undefined ? "-" : String(k3.failed),
      k1 === undefined ? "-" : String(k1.failed),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] as string).length)));
  const render = (cells: string[]) =>
    cells.map((x, i) => (i === 0 ? x.padEnd(widths[i] as number) : x.padStart(widths[i] as number))).join("  ");
  return [render(header), render(widths.map((w) => "-".repeat(w))), ...lines.map(render)].join("\n");
}

async function main(): Promise<number> {
  const o = parseOptions(process.argv.slice(2));
  const root = resolve(import.meta.dirname, "..", "..");
  if (!commandExists("pgbench") || !commandExists("psql")) throw new Error("pgbench and psql (postgresql-client-15) are required");
  const systems = o.only.length > 0 ? o.only : [...SYSTEMS];
  if (systems.includes("postgres")) ensurePostgresInstalled();
  const started = new Date();
  const results = newResults("pgbench", started);
  const dir = mkdtempSync(join(tmpdir(), "kodiak-bench-pgbench-"));
  // PostgreSQL runs as the postgres user and must reach its data dir below this one.
  chmodSync(dir, 0o755);
  const measured: Record<System, Map<string, PgbenchResult>> = { postgres: new Map(), cluster: new Map(), single: new Map() };
  results.notes.push(
    `pgbench ${o.scripts.join("/")} at -s ${o.scale}, ${o.seconds} s per run, -M ${o.modes.join("/")}, --max-tries ${o.maxTries}; load average at start ${loadavg()[0]?.toFixed(1)}`,
  );
  try {
    // One system at a time, stopped before the next starts, so they never share the CPUs.
    for (const system of systems) {
      const procs = new Processes();
      try {
        const sysDir = join(dir, system);
        const ep =
          system === "postgres"
            ? await startPostgres(procs, sysDir)
            : system === "cluster"
              ? await startKodiakClusterPg(procs, root, sysDir)
              : await startKodiakSinglePg(procs, root, sysDir);
        await measureSystem(system, ep, o, measured[system], results.notes);
      } catch (e) {
        results.notes.push(`${LABEL[system]}: ${e instanceof Error ? e.message : String(e)}`);
      } finally {
        await procs.stopAll();
      }
    }
  } finally {
    if (!o.keep) rmSync(dir, { recursive: true, force: true });
    else process.stderr.write(`kept ${dir}\n`);
  }
  const cases = o.scripts.flatMap((s) => o.modes.flatMap((m) => o.clients.map((c) => caseName(s, m, c))));
  const rows: ResultRow[] = [];
  for (const c of cases) {
    const pg = measured.postgres.get(c);
    for (const [system, tag] of [
      ["cluster", "3-node"],
      ["single", "single node"],
    ] as const) {
      const k = measured[system].get(c);
      const peers = (v: number | undefined): Record<string, number> => (v === undefined ? {} : { postgres: round(v, 3) });
      rows.push(row(`${c} ${tag}`, "tps", true, k?.tps, peers(pg?.tps)));
      rows.push(row(`${c} ${tag} latency`, "ms", false, k?.latencyMs, peers(pg?.latencyMs)));
    }
  }
  results.rows = rows;
  const path = writeResults(root, results);
  process.stdout.write(`\n${printTable(cases, measured)}\n\n`);
  for (const n of results.notes) process.stdout.write(`note: ${n}\n`);
  process.stdout.write(`\nwrote ${path}\n`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`bench pgbench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
