// The chaos workload and its online checks. Clients write unique keys, read back keys whose write
// was acknowledged before the read began (a linearizable read must see them), and increment one
// counter by compare-and-set. Any error is "indeterminate": the write may or may not have happened,
// so the checks only ever rely on acknowledged results.
import { performance } from "node:perf_hooks";
import { type ChaosKv, KvCallError } from "./kv-client.js";
import type { TimedOp } from "./linearizability.js";

/** Per-call bound: a call that cannot finish in time is indeterminate, never retried blindly. */
const CALL_TIMEOUT_MS = 2_000;
/** Pause after a failed call, so a partitioned cluster is not hammered. */
const BACKOFF_MS = 50;
export const KEY_PREFIX = "w/";
export const COUNTER_KEY = "counter";

export interface History {
  /** Acknowledged writes: key → value. */
  readonly acked: Map<string, string>;
  /** Keys in ack order, for choosing reads. */
  readonly ackedKeys: string[];
  /** Values the counter was set to by acknowledged CAS calls. */
  readonly casAcked: number[];
  /** Every counter operation with its times, for the linearizability check. */
  readonly counterOps: TimedOp[];
  indeterminate: number;
  readsChecked: number;
  casRejected: number;
  readonly violations: string[];
}

export function newHistory(): History {
  return {
    acked: new Map(),
    ackedKeys: [],
    casAcked: [],
    counterOps: [],
    indeterminate: 0,
    readsChecked: 0,
    casRejected: 0,
    violations: [],
  };
}

export class Worker {
  private leaderGuess: number;
  private seq = 0;

  constructor(
    private readonly id: number,
    private readonly kv: ChaosKv,
    private readonly nodeIds: readonly number[],
    private readonly history: History,
    private readonly random: () => number,
  ) {
    this.leaderGuess = nodeIds[0] ?? 1;
  }

  async run(until: () => boolean): Promise<void> {
    while (!until()) {
      const r = this.random();
      try {
        if (r < 0.7) await this.write();
        else if (r < 0.85) await this.read();
        else await this.increment();
      } catch (e) {
        this.history.indeterminate++;
        this.leaderGuess =
          e instanceof KvCallError && e.leaderHint !== undefined && e.leaderHint !== 0
            ? e.leaderHint
            : (this.nodeIds[Math.floor(this.random() * this.nodeIds.length)] ?? this.leaderGuess);
        await new Promise((res) => setTimeout(res, BACKOFF_MS));
      }
    }
  }

  private async write(): Promise<void> {
    const key = `${KEY_PREFIX}${this.id}/${String(this.seq++).padStart(8, "0")}`;
    const value = `${this.id}:${this.seq}`;
    const res = await this.kv.put(this.leaderGuess, key, value, CALL_TIMEOUT_MS);
    if (!res.ok) throw new Error(`put ${key} not ok`);
    this.history.acked.set(key, value);
    this.history.ackedKeys.push(key);
  }

  private async read(): Promise<void> {
    const keys = this.history.ackedKeys;
    if (keys.length === 0) return;
    // Chosen before the call starts, so its write was acknowledged before the read began.
    const key = keys[Math.floor(this.random() * keys.length)] as string;
    const expected = this.history.acked.get(key);
    const res = await this.kv.get(this.leaderGuess, key, false, CALL_TIMEOUT_MS);
    this.history.readsChecked++;
    const got = res.found ? Buffer.from(res.value).toString() : undefined;
    if (got !== expected)
      this.history.violations.push(`stale read: ${key} acknowledged as ${expected}, node ${this.leaderGuess} returned ${got ?? "nothing"}`);
  }

  private async increment(): Promise<void> {
    const readAt = performance.now();
    const cur = await this.kv.get(this.leaderGuess, COUNTER_KEY, false, CALL_TIMEOUT_MS);
    const current = cur.found ? Buffer.from(cur.value).toString() : undefined;
    this.history.counterOps.push({ op: { kind: "read", value: current }, invoked: readAt, returned: performance.now() });
    const next = String(Number(current ?? "0") + 1);
    const casAt = performance.now();
    let res: { ok: boolean };
    try {
      res = await this.kv.cas(this.leaderGuess, COUNTER_KEY, current, next, CALL_TIMEOUT_MS);
    } catch (e) {
      // Unknown outcome: it may take effect at any time from now on, or never.
      this.history.counterOps.push({ op: { kind: "cas", expected: current, next, ok: true }, invoked: casAt, returned: undefined });
      throw e;
    }
    this.history.counterOps.push({ op: { kind: "cas", expected: current, next, ok: res.ok }, invoked: casAt, returned: performance.now() });
    if (res.ok) this.history.casAcked.push(Number(next));
    else this.history.casRejected++;
  }
}

/** Checks that need the whole history: no two acknowledged CAS calls produced the same value. */
export function checkCasHistory(history: History, finalCounter: number): void {
  const seen = new Set<number>();
  for (const v of history.casAcked) {
    if (seen.has(v)) history.violations.push(`two acknowledged CAS calls both set the counter to ${v}`);
    seen.add(v);
    if (v > finalCounter) history.violations.push(`acknowledged CAS set the counter to ${v}, but it ended at ${finalCounter}`);
  }
}
