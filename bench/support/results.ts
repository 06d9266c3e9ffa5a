// Benchmark results: the JSON file format of architecture.md (bench/results/NAME.json) and the
// printed table. Ratios are Kodiak / peer; never invents a number for a system that did not run.

import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";

export interface ResultRow {
  case: string;
  unit: string;
  /** null when Kodiak was not measured in this run. */
  kodiak: number | null;
  peers: Record<string, number>;
  ratio: Record<string, number>;
  higher_is_better: boolean;
}

export interface BenchResults {
  bench: string;
  started: string;
  machine: { cpus: number; memory_gib: number; node: string };
  rows: ResultRow[];
  notes: string[];
}

export function newResults(bench: string, started: Date): BenchResults {
  return {
    bench,
    started: started.toISOString(),
    machine: { cpus: cpus().length, memory_gib: Math.round((totalmem() / 2 ** 30) * 10) / 10, node: process.version },
    rows: [],
    notes: [],
  };
}

export function row(
  name: string,
  unit: string,
  higherIsBetter: boolean,
  kodiak: number | undefined,
  peers: Record<string, number>,
): ResultRow {
  const ratio: Record<string, number> = {};
  if (kodiak !== undefined) {
    for (const [peer, v] of Object.entries(peers)) if (v > 0) ratio[peer] = round(kodiak / v, 3);
  }
  return { case: name, unit, kodiak: kodiak === undefined ? null : round(kodiak, 3), peers, ratio, higher_is_better: higherIsBetter };
}

export function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

export function writeResults(root: string, results: BenchResults): string {
  const dir = join(root, "bench", "results");
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${results.bench}.json`);
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`);
  return path;
}

/** A fixed-width text table of the rows: case, unit, kodiak, each peer, kodiak/peer. */
export function formatTable(rows: ResultRow[]): string {
  const peers = [...new Set(rows.flatMap((r) => Object.keys(r.peers)))];
  const header = ["case", "unit", "kodiak", ...peers, ...peers.map((p) => `kodiak/${p}`)];
  const fmt = (v: number | null | undefined) => (v === null || v === undefined ? "-" : v >= 100 ? v.toFixed(0) : v.toFixed(2));
  const lines = rows.map((r) => [
    r.case,
    r.unit,
    fmt(r.kodiak),
    ...peers.map((p) => fmt(r.peers[p])),
    ...peers.map((p) => (r.ratio[p] === undefined ? "-" : `${(r.ratio[p] as number).toFixed(2)}x`)),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] as string).length)));
  const render = (cells: string[]) =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join("  ");
  return [render(header), render(widths.map((w) => "-".repeat(w))), ...lines.map(render)].join("\n");
}
