// `npm run bench -- raft`: replicated put throughput and latency of a 3-node Kodiak cluster versus
// a 3-member etcd cluster (Debian etcd-server, installed if missing), same machine, same run, fsync
// on; plus the disk's raw fsync rate and a loopback round trip as the floor. Not a test.
//
// options: --seconds N (measured seconds per case and round, default 5), --warmup N (default 1),
//          --rounds N (default 3: each case runs N times per system, alternating; medians reported),
//          --concurrency 1,16,256  --values 100,4096  --only etcd|kodiak  --keep (keep the temp dir)
//          --cpu-prof DIR (write a V8 CPU profile of every Kodiak node into DIR)

import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { measureFsyncRate, measureLoopbackRttMs } from "./support/disk.js";
import { EtcdClient, ensureEtcdInstalled, startEtcdCluster } from "./support/etcd.js";
import { KodiakClient, kodiakUnavailable, startKodiakCluster } from "./support/kodiak.js";
import { Processes } from "./support/processes.js";
import { formatTable, newResults, type ResultRow, round, row, writeResults } from "./support/results.js";
import { type KvClient, runPuts, type WorkloadResult } from "./support/workload.js";

const MEMBERS = 3;
/** gRPC channels per benchmarked system: enough that one HTTP/2 connection is not the bottleneck. */
const CHANNELS_MAX = 4;

interface Options {
  seconds: number;
  warmup: number;
  concurrency: number[];
  values: number[];
  only: "etcd" | "kodiak" | undefined;
  keep: boolean;
  rounds: number;
  cpuProfDir: string | undefined;
}

function parseOptions(argv: string[]): Options {
  const o: Options = {
    seconds: 5,
    warmup: 1,
    concurrency: [1, 16, 256],
    values: [100, 4096],
    only: undefined,
    keep: false,
    rounds: 3,
    cpuProfDir: undefined,
  };
  const list = (s: string | undefined, what: string) => {
    const v = (s ?? "").split(",").map(Number);
    if (v.length === 0 || v.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`${what} needs a list of positive integers`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i];
    if (a === "--seconds") o.seconds = Number(next());
    else if (a === "--warmup") o.warmup = Number(next());
    else if (a === "--rounds") o.rounds = Number(next());
    else if (a === "--concurrency") o.concurrency = list(next(), a);
    else if (a === "--values") o.values = list(next(), a);
    else if (a === "--only") {
      const v = next();
      if (v !== "etcd" && v !== "kodiak") throw new Error("--only takes etcd or kodiak");
      o.only = v;
    } else if (a === "--keep") o.keep = true;
    else if (a === "--cpu-prof") o.cpuProfDir = resolve(next() ?? ".");
    else throw new Error(`unknown option ${a}`);
  }
  if (!(o.seconds > 0) || !(o.warmup >= 0)) throw new Error("--seconds must be > 0 and --warmup >= 0");
  if (!Number.isInteger(o.rounds) || o.rounds < 1) throw new Error("--rounds must be a positive integer");
  return o;
}

type Measured = Map<string, WorkloadResult>;

function caseName(concurrency: number, valueBytes: number): string {
  return `put ${valueBytes >= 1024 ? `${valueBytes / 1024} KiB` : `${valueBytes} B`} c=${concurrency}`;
}

/** A system under test: its clients, and where its per-case medians go. */
interface System {
  name: "etcd" | "kodiak";
  makeClient: () => KvClient;
  measured: Measured;
}

async function measureOnce(system: System, concurrency: number, valueBytes: number, o: Options): Promise<WorkloadResult> {
  const clients = Array.from({ length: Math.min(concurrency, CHANNELS_MAX) }, system.makeClient);
  try {
    return await runPuts(clients, { concurrency, valueBytes, seconds: o.seconds, warmupSeconds: o.warmup });
  } finally {
    for (const c of clients) c.close();
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

function medianResult(rs: WorkloadResult[]): WorkloadResult {
  const firstError = rs.find((r) => r.firstError !== undefined)?.firstError;
  return {
    ops: median(rs.map((r) => r.ops)),
    errors: rs.reduce((n, r) => n + r.errors, 0),
    opsPerSec: median(rs.map((r) => r.opsPerSec)),
    p50Ms: median(rs.map((r) => r.p50Ms)),
    p99Ms: median(rs.map((r) => r.p99Ms)),
    firstError,
  };
}

/**
 * Every case runs `rounds` times per system, the systems alternating (and swapping order each
 * round), so both see the same load on a shared machine; each metric is the median of its rounds.
 */
async function measureAll(systems: System[], o: Options, log: (s: string) => void, notes: string[]): Promise<void> {
  for (const valueBytes of o.values) {
    for (const concurrency of o.concurrency) {
      const name = caseName(concurrency, valueBytes);
      const runs = new Map<string, WorkloadResult[]>(systems.map((s) => [s.name, []]));
      for (let round = 0; round < o.rounds; round++) {
        for (const system of round % 2 === 0 ? systems : [...systems].reverse()) {
          const r = await measureOnce(system, concurrency, valueBytes, o);
          runs.get(system.name)?.push(r);
          const errs = r.errors > 0 ? `, ${r.errors} errors (first: ${r.firstError})` : "";
          log(
            `${system.name} ${name} round ${round + 1}: ${r.opsPerSec.toFixed(0)} ops/s, p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms${errs}`,
          );
        }
      }
      for (const system of systems) {
        const m = medianResult(runs.get(system.name) ?? []);
        system.measured.set(name, m);
        if (m.errors > 0) notes.push(`${system.name} ${name}: ${m.errors} failed puts (not counted), first: ${m.firstError}`);
      }
    }
  }
}

async function main(): Promise<number> {
  const o = parseOptions(process.argv.slice(2));
  const root = resolve(import.meta.dirname, "..", "..");
  const log = (s: string) => process.stderr.write(`bench raft: ${s}\n`);
  const results = newResults("raft", new Date());
  results.notes.push(
    `load average at start: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")} on ${results.machine.cpus} CPUs (shared machine: quote ratios, not absolutes)`,
  );
  const work = mkdtempSync(join(tmpdir(), "kodiak-bench-raft-"));
  const procs = new Processes();
  const systems: System[] = [];
  try {
    const fsync = measureFsyncRate(work, 2);
    const rttMs = await measureLoopbackRttMs();
    log(`disk: ${fsync.fsyncsPerSec.toFixed(0)} fsyncs/s (p50 ${fsync.p50Ms.toFixed(3)} ms); loopback RTT p50 ${rttMs.toFixed(3)} ms`);
    results.rows.push(
      row("disk raw fsync (4 KiB append + fdatasync)", "fsyncs/s", true, undefined, { disk: round(fsync.fsyncsPerSec, 0) }),
    );
    results.rows.push(row("floor: one fsync + one loopback RTT", "ms", false, undefined, { disk: round(fsync.p50Ms + rttMs, 3) }));

    // Both clusters stay up for the whole run, so their cases can alternate (see measureAll).
    if (o.only !== "kodiak") {
      try {
        const version = ensureEtcdInstalled(log);
        const cluster = await startEtcdCluster(procs, work, MEMBERS);
        const url = cluster.clientUrls[cluster.leader] as string;
        log(`${version}: ${MEMBERS} members up, leader at ${url}`);
        results.notes.push(`etcd: ${version}, ${MEMBERS} members on 127.0.0.1, default settings (fsync on), puts sent to the leader`);
        systems.push({ name: "etcd", makeClient: () => new EtcdClient(url), measured: new Map() });
      } catch (e) {
        results.notes.push(`etcd not measured: ${e instanceof Error ? e.message : String(e)}`);
        log(`etcd not measured: ${String(e)}`);
      }
    }
    if (o.only !== "etcd") {
      const why = kodiakUnavailable(root);
      if (why !== undefined) {
        results.notes.push(`TODO kodiak not measured: ${why}`);
        log(`TODO kodiak not measured: ${why}`);
      } else {
        try {
          const nodeArgs = o.cpuProfDir === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${o.cpuProfDir}`];
          const cluster = await startKodiakCluster(procs, root, work, MEMBERS, nodeArgs);
          const address = cluster.addresses[cluster.leader] as string;
          log(`kodiak: ${MEMBERS} nodes up, leader at ${address}`);
          results.notes.push(`kodiak: ${MEMBERS} \`kodiak node\` processes on 127.0.0.1, default settings, puts sent to the leader`);
          systems.push({ name: "kodiak", makeClient: () => new KodiakClient(root, address), measured: new Map() });
        } catch (e) {
          results.notes.push(`kodiak not measured: ${e instanceof Error ? e.message : String(e)}`);
          log(`kodiak not measured: ${String(e)}`);
        }
      }
    }
    await measureAll(systems, o, log, results.notes);
    results.notes.push(`each value is the median of ${o.rounds} rounds of ${o.seconds} s; the systems alternate case by case`);
    await procs.stopAll();
    const kodiak = systems.find((s) => s.name === "kodiak")?.measured;
    const etcd = systems.find((s) => s.name === "etcd")?.measured;

    results.rows.push(...workloadRows(o, kodiak, etcd));
    results.notes.push(
      `load average at end: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}`,
    );
    const p50c1 = kodiak?.get(caseName(1, o.values[0] as number))?.p50Ms;
    if (p50c1 !== undefined) {
      const target = 1.5 * (fsync.p50Ms + rttMs);
      results.notes.push(`target p50 at c=1 <= 1.5 x (fsync + RTT) = ${target.toFixed(3)} ms; kodiak ${p50c1.toFixed(3)} ms`);
    }
    process.stdout.write(`\n${formatTable(results.rows)}\n\n${results.notes.map((n) => `- ${n}`).join("\n")}\n`);
    log(`results written to ${writeResults(root, results)}`);
    return systems.length === 0 ? 1 : 0;
  } finally {
    await procs.stopAll();
    if (o.keep) log(`kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

function workloadRows(o: Options, kodiak: Measured | undefined, etcd: Measured | undefined): ResultRow[] {
  const rows: ResultRow[] = [];
  for (const valueBytes of o.values) {
    for (const concurrency of o.concurrency) {
      const name = caseName(concurrency, valueBytes);
      const k = kodiak?.get(name);
      const e = etcd?.get(name);
      const peers = (f: (r: WorkloadResult) => number): Record<string, number> => (e === undefined ? {} : { etcd: round(f(e), 3) });
      rows.push(
        row(
          `${name} throughput`,
          "ops/s",
          true,
          k?.opsPerSec,
          peers((r) => r.opsPerSec),
        ),
      );
      rows.push(
        row(
          `${name} p50`,
          "ms",
          false,
          k?.p50Ms,
          peers((r) => r.p50Ms),
        ),
      );
      rows.push(
        row(
          `${name} p99`,
          "ms",
          false,
          k?.p99Ms,
          peers((r) => r.p99Ms),
        ),
      );
    }
  }
  return rows;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`bench raft: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
