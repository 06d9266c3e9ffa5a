// Closed-loop put workload: `concurrency` workers each issue one put at a time for a fixed
// duration; reports throughput and latency percentiles. Knows nothing of which system it drives.

import { performance } from "node:perf_hooks";

/** What a benchmarked system must offer. */
export interface KvClient {
  put(key: Uint8Array, value: Uint8Array): Promise<void>;
  close(): void;
}

export interface WorkloadResult {
  ops: number;
  errors: number;
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  firstError: string | undefined;
}

/** Keys cycle over a bounded space per worker so the peers' state stays small over a long run. */
const KEYS_PER_WORKER = 1000;
const ERROR_PAUSE_MS = 10;
/** Bound on latency samples kept (enough for stable p99 at these rates). */
const SAMPLES_MAX = 2_000_000;

export async function runPuts(
  clients: KvClient[],
  options: { concurrency: number; valueBytes: number; seconds: number; warmupSeconds: number },
): Promise<WorkloadResult> {
  const encoder = new TextEncoder();
  const value = new Uint8Array(options.valueBytes).map((_, i) => (i * 131 + 7) & 0xff);
  const latencies = new Float64Array(SAMPLES_MAX);
  let samples = 0;
  let errors = 0;
  let firstError: string | undefined;
  const start = performance.now();
  const measureFrom = start + options.warmupSeconds * 1000;
  const end = measureFrom + options.seconds * 1000;
  let measuredOps = 0;
  const worker = async (w: number): Promise<void> => {
    const client = clients[w % clients.length] as KvClient;
    for (let n = 0; ; n++) {
      const t0 = performance.now();
      if (t0 >= end) return;
      const key = encoder.encode(`bench/${w}/${n % KEYS_PER_WORKER}`);
      try {
        await client.put(key, value);
      } catch (e) {
        // Counted and reported, not retried: a failed put is not throughput. The pause keeps a
        // worker facing an unavailable cluster from spinning.
        errors++;
        firstError ??= e instanceof Error ? e.message : String(e);
        await new Promise((r) => setTimeout(r, ERROR_PAUSE_MS));
        continue;
      }
      const t1 = performance.now();
      if (t0 >= measureFrom && t1 <= end) {
        measuredOps++;
        if (samples < SAMPLES_MAX) latencies[samples++] = t1 - t0;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, (_, w) => worker(w)));
  const sorted = latencies.subarray(0, samples).sort();
  const pct = (p: number) => (samples === 0 ? Number.NaN : (sorted[Math.min(samples - 1, Math.floor(p * samples))] as number));
  return { ops: measuredOps, errors, opsPerSec: measuredOps / options.seconds, p50Ms: pct(0.5), p99Ms: pct(0.99), firstError };
}
