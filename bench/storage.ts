// Storage engine benchmark (`npm run bench -- storage [--keys N[,N2]] [--cache-mib M]`): Kodiak's
// Bε-tree against LevelDB (classic-level), SQLite (better-sqlite3) and Kodiak's own btree mode,
// measured in the same run. Each engine runs in its own child process (clean RSS and caches).
// Peers are installed on demand under .tmp/bench-peers, never into package.json.
// `--rss [--keys 5000000,10000000] [--cache-mib 32]`: the memory-bound run instead. Each size loads
// that many keys through the cache in a child process (tests/support/storage-rss-child.ts), reads
// 20k at random, scans all and reopens, and reports RSS over its warm-up baseline and correctness.

import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, tmpdir, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { openStore, type Store } from "../storage/index.js";
import { nodeFileSystem, SeededRandom } from "../util/index.js";

const ROOT = resolve(import.meta.dirname, "../..");
const PEERS = join(ROOT, ".tmp", "bench-peers");
const KEY_BYTES = 16;
const VALUE_BYTES = 100;
const BATCH = 100;
const HOT_KEYS = 1_000;
const GET_OPS = 100_000;
const SCAN_OPS = 5_000;
const SCAN_LEN = 100;
const MIXED_OPS = 100_000;

type EngineName = "kodiak" | "kodiak-btree" | "leveldb" | "sqlite";
const ENGINES: EngineName[] = ["kodiak", "kodiak-btree", "leveldb", "sqlite"];

interface Engine {
  putBatch(keys: Buffer[], values: Buffer[]): Promise<void> | void;
  get(key: Buffer): Promise<Buffer | undefined> | Buffer | undefined;
  scan(start: Buffer, n: number): Promise<number> | number;
  /** Makes the loaded data durable / settled (checkpoint, compaction-neutral flush). */
  settle(): Promise<void>;
  close(): Promise<void>;
}

// ---- key and value generation (same bytes for every engine) ----

function seqKey(i: number): Buffer {
  const k = Buffer.alloc(KEY_BYTES);
  k.writeUInt32BE(Math.floor(i / 2 ** 32), 0);
  k.writeUInt32BE(i >>> 0, 4);
  return k;
}

function randKey(i: number): Buffer {
  const k = Buffer.alloc(KEY_BYTES);
  k.writeUInt32BE(Math.imul(i ^ 0x9e3779b9, 0x85ebca6b) >>> 0, 0);
  k.writeUInt32BE(Math.imul(i, 0xc2b2ae35) >>> 0, 4);
  k.writeUInt32BE(i >>> 0, 8);
  return k;
}

const POOL = (() => {
  const r = new SeededRandom(42);
  const b = Buffer.alloc(1 << 20);
  for (let i = 0; i < b.length; i++) b[i] = r.int(256);
  return b;
})();

function valueFor(i: number): Buffer {
  const o = (i * 7919) % (POOL.length - VALUE_BYTES);
  return POOL.subarray(o, o + VALUE_BYTES);
}

// ---- engines ----

interface ClassicLevelDb {
  open(): Promise<void>;
  batch(ops: { type: "put"; key: Buffer; value: Buffer }[]): Promise<void>;
  get(key: Buffer): Promise<Buffer | undefined>;
  iterator(o: { gte: Buffer; limit: number }): { all(): Promise<unknown[]>; close(): Promise<void> };
  close(): Promise<void>;
}
interface SqliteStatement {
  run(...a: unknown[]): unknown;
  get(...a: unknown[]): unknown;
  all(...a: unknown[]): unknown[];
}
interface SqliteDb {
  pragma(s: string): unknown;
  exec(s: string): void;
  prepare(s: string): SqliteStatement;
  transaction(f: (k: Buffer[], v: Buffer[]) => void): (k: Buffer[], v: Buffer[]) => void;
  close(): void;
}

function peerRequire(): NodeJS.Require {
  return createRequire(join(PEERS, "package.json"));
}

async function openEngine(name: EngineName, dir: string, cacheBytes: number): Promise<Engine> {
  if (name === "kodiak" || name === "kodiak-btree") {
    const store: Store = await openStore(nodeFileSystem, dir, { cacheBytes, mode: name === "kodiak" ? "betree" : "btree" });
    let ts = store.lastCommitTs;
    return {
      putBatch: (keys, values) => {
        ts++;
        store.writeBatch(
          keys.map((key, i) => ({ type: "put" as const, key, value: values[i] as Buffer })),
          ts,
          ts,
        );
      },
      get: (key) => store.get(key),
      scan: (start, n) => {
        let c = 0;
        for (const _ of store.scan({ start, limit: n })) c++;
        return c;
      },
      settle: () => store.checkpoint(),
      close: async () => store.close(),
    };
  }
  if (name === "leveldb") {
    const { ClassicLevel } = peerRequire()("classic-level") as {
      ClassicLevel: new (d: string, o: object) => ClassicLevelDb;
    };
    const db = new ClassicLevel(dir, { keyEncoding: "buffer", valueEncoding: "buffer", cacheSize: cacheBytes });
    await db.open();
    return {
      putBatch: (keys, values) => db.batch(keys.map((key, i) => ({ type: "put" as const, key, value: values[i] as Buffer }))),
      get: (key) => db.get(key),
      scan: async (start, n) => {
        const it = db.iterator({ gte: start, limit: n });
        const rows = await it.all();
        return rows.length;
      },
      settle: async () => {},
      close: () => db.close(),
    };
  }
  const Database = peerRequire()("better-sqlite3") as new (p: string) => SqliteDb;
  const db = new Database(join(dir, "bench.sqlite"));
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = OFF");
  db.pragma(`cache_size = -${Math.floor(cacheBytes / 1024)}`);
  db.exec("CREATE TABLE IF NOT EXISTS kv (k BLOB PRIMARY KEY, v BLOB) WITHOUT ROWID");
  const put = db.prepare("INSERT OR REPLACE INTO kv (k, v) VALUES (?, ?)");
  const get = db.prepare("SELECT v FROM kv WHERE k = ?");
  const scan = db.prepare("SELECT k, v FROM kv WHERE k >= ? ORDER BY k LIMIT ?");
  const batch = db.transaction((keys: Buffer[], values: Buffer[]) => {
    for (let i = 0; i < keys.length; i++) put.run(keys[i], values[i]);
  });
  return {
    putBatch: (keys, values) => batch(keys, values),
    get: (key) => (get.get(key) as { v: Buffer } | undefined)?.v,
    scan: (start, n) => scan.all(start, n).length,
    settle: async () => {
      db.pragma("wal_checkpoint(TRUNCATE)");
    },
    close: async () => db.close(),
  };
}

// ---- measurement helpers ----

function writtenBytes(): number {
  const io = readFileSync("/proc/self/io", "utf8");
  return Number(/wchar: (\d+)/.exec(io)?.[1] ?? 0);
}

function dirBytes(dir: string): number {
  let total = 0;
  for (const f of readdirSync(dir, { recursive: true })) {
    const st = statSync(join(dir, String(f)));
    if (st.isFile()) total += st.size;
  }
  return total;
}

function p99(samples: number[]): number {
  const s = samples.slice().sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.99))] ?? 0;
}

interface CaseResult {
  opsPerSec: number;
  /** Ops per CPU-second of this process (all threads): steadier than wall time on a shared machine. */
  opsPerCpuSec: number;
  p99Us: number;
}

async function timed(ops: number, each: (i: number) => Promise<unknown> | unknown, opsPerCall = 1): Promise<CaseResult> {
  const lat: number[] = [];
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < ops; i++) {
    const s = performance.now();
    const r = each(i);
    if (r instanceof Promise) await r;
    lat.push((performance.now() - s) * 1000);
  }
  const secs = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  const cpuSecs = (cpu.user + cpu.system) / 1e6;
  return { opsPerSec: (ops * opsPerCall) / secs, opsPerCpuSec: (ops * opsPerCall) / cpuSecs, p99Us: p99(lat) };
}

async function load(e: Engine, n: number, key: (i: number) => Buffer, order: (i: number) => number) {
  const w0 = writtenBytes();
  const r = await timed(
    Math.ceil(n / BATCH),
    (b) => {
      const keys: Buffer[] = [];
      const values: Buffer[] = [];
      for (let i = b * BATCH; i < Math.min(n, (b + 1) * BATCH); i++) {
        const j = order(i);
        keys.push(key(j));
        values.push(valueFor(j));
      }
      return e.putBatch(keys, values);
    },
    BATCH,
  );
  await e.settle();
  const userBytes = n * (KEY_BYTES + VALUE_BYTES);
  return { ...r, writeAmp: (writtenBytes() - w0) / userBytes };
}

/** A permutation of [0, n) without a table: multiply by an odd constant modulo a power of two, skip overflow. */
function permutation(n: number): (i: number) => number {
  let m = 1;
  while (m < n) m *= 2;
  const cache = new Int32Array(n);
  let j = 0;
  for (let x = 0; j < n; x++) {
    const y = (Math.imul(x, 0x2545f491) + 0x1234567) & (m - 1);
    if (y < n) cache[j++] = y;
  }
  return (i) => cache[i] as number;
}

async function runEngine(name: EngineName, n: number, cacheBytes: number): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const base = mkdtempSync(join(tmpdir(), `kodiak-bench-${name}-`));
  try {
    const seqDir = join(base, "seq");
    mkdirSync(seqDir);
    let e = await openEngine(name, seqDir, cacheBytes);
    const seq = await load(e, n, seqKey, (i) => i);
    await e.close();
    out.seq_insert_ops = seq.opsPerSec;
    out.seq_insert_cpu = seq.opsPerCpuSec;
    out.seq_insert_p99_us = seq.p99Us;
    out.seq_write_amp = seq.writeAmp;
    rmSync(seqDir, { recursive: true, force: true });

    const dir = join(base, "rand");
    mkdirSync(dir);
    e = await openEngine(name, dir, cacheBytes);
    const perm = permutation(n);
    const rnd = await load(e, n, randKey, perm);
    out.rand_insert_ops = rnd.opsPerSec;
    out.rand_insert_cpu = rnd.opsPerCpuSec;
    out.rand_insert_p99_us = rnd.p99Us;
    out.rand_write_amp = rnd.writeAmp;
    out.space_amp = dirBytes(dir) / (n * (KEY_BYTES + VALUE_BYTES));

    const r = new SeededRandom(9);
    const hot = Array.from({ length: HOT_KEYS }, () => randKey(r.int(n)));
    for (const k of hot) await e.get(k);
    const hotRes = await timed(GET_OPS, (i) => e.get(hot[i % HOT_KEYS] as Buffer));
    out.get_hot_ops = hotRes.opsPerSec;
    out.get_hot_cpu = hotRes.opsPerCpuSec;
    out.get_hot_p99_us = hotRes.p99Us;
    await e.close();

    e = await openEngine(name, dir, cacheBytes);
    const coldKeys = Array.from({ length: GET_OPS }, () => randKey(r.int(n)));
    let missing = 0;
    const cold = await timed(GET_OPS, async (i) => {
      if ((await e.get(coldKeys[i] as Buffer)) === undefined) missing++;
    });
    if (missing > 0) throw new Error(`${name}: ${missing} keys missing`);
    out.get_cold_ops = cold.opsPerSec;
    out.get_cold_cpu = cold.opsPerCpuSec;
    out.get_cold_p99_us = cold.p99Us;

    const starts = Array.from({ length: SCAN_OPS }, () => randKey(r.int(n)));
    const sc = await timed(SCAN_OPS, (i) => e.scan(starts[i] as Buffer, SCAN_LEN));
    out.scan100_ops = sc.opsPerSec;
    out.scan100_cpu = sc.opsPerCpuSec;
    out.scan100_p99_us = sc.p99Us;

    const mixed = await timed(MIXED_OPS, (i) => {
      const j = r.int(n);
      if (i % 2 === 0) return e.get(randKey(j));
      return e.putBatch([randKey(j)], [valueFor(j + i)]);
    });
    out.mixed_ops = mixed.opsPerSec;
    out.mixed_cpu = mixed.opsPerCpuSec;
    out.mixed_p99_us = mixed.p99Us;
    await e.settle();
    await e.close();
    out.peak_rss_mib = process.resourceUsage().maxRSS / 1024;
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
  return out;
}

// ---- driver ----

function ensurePeers(): void {
  const have = (p: string) => existsSync(join(PEERS, "node_modules", p, "package.json"));
  if (have("classic-level") && have("better-sqlite3")) return;
  mkdirSync(PEERS, { recursive: true });
  writeFileSync(
    join(PEERS, "package.json"),
    JSON.stringify({ name: "kodiak-bench-peers", private: true, allowScripts: { "better-sqlite3": true, "classic-level": true } }),
  );
  process.stderr.write("bench: installing classic-level and better-sqlite3@12 into .tmp/bench-peers (not package.json)\n");
  execFileSync("npm", ["install", "--no-save", "--no-audit", "--no-fund", "classic-level", "better-sqlite3@12"], {
    cwd: PEERS,
    stdio: "inherit",
  });
  execFileSync("npm", ["rebuild", "better-sqlite3", "classic-level"], { cwd: PEERS, stdio: "inherit" });
}

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? def) : def;
}

const ROWS: { key: string; label: string; unit: string; higher: boolean }[] = [
  { key: "seq_insert_ops", label: "sequential insert", unit: "ops/s", higher: true },
  { key: "rand_insert_ops", label: "random insert", unit: "ops/s", higher: true },
  { key: "get_hot_ops", label: "point get (hot cache)", unit: "ops/s", higher: true },
  { key: "get_cold_ops", label: "point get (cold cache)", unit: "ops/s", higher: true },
  { key: "scan100_ops", label: "100-key range scan", unit: "scans/s", higher: true },
  { key: "mixed_ops", label: "50/50 get/put", unit: "ops/s", higher: true },
  { key: "seq_insert_cpu", label: "sequential insert per CPU-second", unit: "ops/cpu-s", higher: true },
  { key: "rand_insert_cpu", label: "random insert per CPU-second", unit: "ops/cpu-s", higher: true },
  { key: "get_hot_cpu", label: "point get (hot) per CPU-second", unit: "ops/cpu-s", higher: true },
  { key: "get_cold_cpu", label: "point get (cold) per CPU-second", unit: "ops/cpu-s", higher: true },
  { key: "scan100_cpu", label: "100-key scan per CPU-second", unit: "scans/cpu-s", higher: true },
  { key: "mixed_cpu", label: "50/50 per CPU-second", unit: "ops/cpu-s", higher: true },
  { key: "seq_insert_p99_us", label: "sequential insert p99 (batch of 100)", unit: "us", higher: false },
  { key: "rand_insert_p99_us", label: "random insert p99 (batch of 100)", unit: "us", higher: false },
  { key: "get_hot_p99_us", label: "point get hot p99", unit: "us", higher: false },
  { key: "get_cold_p99_us", label: "point get cold p99", unit: "us", higher: false },
  { key: "scan100_p99_us", label: "100-key scan p99", unit: "us", higher: false },
  { key: "mixed_p99_us", label: "50/50 p99", unit: "us", higher: false },
  { key: "seq_write_amp", label: "write amplification (sequential)", unit: "x", higher: false },
  { key: "rand_write_amp", label: "write amplification (random)", unit: "x", higher: false },
  { key: "space_amp", label: "space amplification", unit: "x", higher: false },
  { key: "peak_rss_mib", label: "peak RSS", unit: "MiB", higher: false },
];

const RSS_CHILD = join(import.meta.dirname, "../tests/support/storage-rss-child.js");

/** The memory-bound run: RSS growth and correctness with a working set far over the cache. */
function rssRun(): void {
  const sizes = arg("keys", "5000000,10000000").split(",").map(Number);
  const cacheMib = Number(arg("cache-mib", "32"));
  const rows: object[] = [];
  const mib = (b: number) => (b / 2 ** 20).toFixed(1);
  process.stdout.write(
    "keys  cache MiB  data MiB  data/cache  baseline RSS MiB  peak RSS MiB  growth MiB  max cache MiB  load s  total s  cpu s  wrong\n",
  );
  for (const n of sizes) {
    const dir = mkdtempSync(join(tmpdir(), "kodiak-bench-rss-"));
    try {
      process.stderr.write(`bench: rss with ${n} keys, ${cacheMib} MiB cache...\n`);
      const child = spawnSync(process.execPath, ["--expose-gc", RSS_CHILD, dir, String(n), String(cacheMib)], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "inherit"],
      });
      if (child.status !== 0) throw new Error(`bench: rss child failed (status ${child.status})`);
      const r = JSON.parse(child.stdout.trim().split("\n").pop() as string) as {
        cacheBytes: number;
        dataBytes: number;
        baselineRss: number;
        peakRss: number;
        maxCacheBytes: number;
        loadSeconds: number;
        totalSeconds: number;
        cpuSeconds: number;
        wrong: string[];
      };
      process.stdout.write(
        `${[n, cacheMib, mib(r.dataBytes), (r.dataBytes / r.cacheBytes).toFixed(1), mib(r.baselineRss), mib(r.peakRss), mib(r.peakRss - r.baselineRss), mib(r.maxCacheBytes), r.loadSeconds.toFixed(0), r.totalSeconds.toFixed(0), r.cpuSeconds.toFixed(0), r.wrong.length].join("  ")}\n`,
      );
      rows.push({ keys: n, cache_mib: cacheMib, ...r });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  mkdirSync(join(ROOT, "bench", "results"), { recursive: true });
  writeFileSync(join(ROOT, "bench", "results", "storage-rss.json"), `${JSON.stringify({ bench: "storage --rss", rows }, null, 2)}\n`);
  process.stdout.write("wrote bench/results/storage-rss.json\n");
}

async function main(): Promise<void> {
  if (process.argv.includes("--rss")) return rssRun();
  const engine = arg("engine", "");
  if (engine !== "") {
    const res = await runEngine(engine as EngineName, Number(arg("keys", "1000000")), Number(arg("cache-mib", "32")) * 1024 * 1024);
    process.stdout.write(`RESULT ${JSON.stringify(res)}\n`);
    return;
  }
  ensurePeers();
  const sizes = arg("keys", "1000000").split(",").map(Number);
  const cacheMib = Number(arg("cache-mib", "32"));
  const engines = arg("engines", ENGINES.join(",")).split(",") as EngineName[];
  const rows: object[] = [];
  const started = new Date().toISOString();
  for (const n of sizes) {
    const results = new Map<EngineName, Record<string, number>>();
    for (const name of engines) {
      process.stderr.write(`bench: ${name} with ${n} keys, ${cacheMib} MiB cache...\n`);
      const child = spawnSync(
        process.execPath,
        [process.argv[1] as string, "--engine", name, "--keys", String(n), "--cache-mib", String(cacheMib)],
        {
          encoding: "utf8",
          stdio: ["ignore", "pipe", "inherit"],
          maxBuffer: 1 << 24,
        },
      );
      const line = child.stdout.split("\n").find((l) => l.startsWith("RESULT "));
      if (child.status !== 0 || line === undefined) throw new Error(`bench: ${name} failed (status ${child.status})`);
      results.set(name, JSON.parse(line.slice(7)) as Record<string, number>);
    }
    const kodiak = results.get("kodiak") ?? {};
    const fmt = (v: number | undefined) => (v === undefined ? "-" : v >= 100 ? Math.round(v).toLocaleString("en-US") : v.toFixed(2));
    const peers = engines.filter((e) => e !== "kodiak");
    const header = ["case", "unit", "kodiak", ...peers, ...peers.map((p) => `vs ${p}`)];
    const table: string[][] = [header];
    for (const row of ROWS) {
      const k = kodiak[row.key];
      const peerVals = Object.fromEntries(peers.map((p) => [p, results.get(p)?.[row.key]]));
      const ratio = Object.fromEntries(peers.map((p) => [p, k !== undefined && peerVals[p] ? k / (peerVals[p] as number) : undefined]));
      table.push([`${row.label} @${n}`, row.unit, fmt(k), ...peers.map((p) => fmt(peerVals[p])), ...peers.map((p) => fmt(ratio[p]))]);
      rows.push({ case: `${row.label} @${n} keys`, unit: row.unit, kodiak: k, peers: peerVals, ratio, higher_is_better: row.higher });
    }
    const widths = header.map((_, c) => Math.max(...table.map((r) => (r[c] ?? "").length)));
    for (const r of table)
      process.stdout.write(`${r.map((cell, c) => (c < 2 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join("  ")}\n`);
    process.stdout.write("\n");
  }
  const out = {
    bench: "storage",
    started,
    machine: { cpus: cpus().length, memory_gib: Math.round(totalmem() / 2 ** 30), node: process.version },
    settings: { key_bytes: KEY_BYTES, value_bytes: VALUE_BYTES, batch: BATCH, cache_mib: cacheMib, sizes },
    rows,
  };
  mkdirSync(join(ROOT, "bench", "results"), { recursive: true });
  writeFileSync(join(ROOT, "bench", "results", "storage.json"), `${JSON.stringify(out, null, 2)}\n`);
  process.stdout.write("wrote bench/results/storage.json\n");
}

await main();
