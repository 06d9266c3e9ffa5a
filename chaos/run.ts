// One chaos run: a real cluster of `kodiak node` processes whose node-to-node traffic goes through
// the fault mesh, a workload of clients, and the nemesis injecting one fault at a time for the given
// duration. Then everything heals and the run checks safety (every acknowledged write is on every
// node, no stale linearizable read, no duplicated CAS) and liveness (a leader within a bound, all
// replicas converge within a bound). The seed fixes the fault schedule and the workload's choices;
// process timing is real, so a seed reproduces the schedule, not the exact interleaving.
import { performance } from "node:perf_hooks";
import { RemoteSqlEngine } from "../coordinator/sql-host/index.js";
import { SeededRandom, silentLogger } from "../util/index.js";
import { TestCluster, sleep, waitFor } from "../tests/support/cluster.js";
import { BankClient, type BankHistory, checkBankTotal, newBankHistory, setupBank } from "./bank.js";
import { ChaosKv } from "./kv-client.js";
import { checkRegister } from "./linearizability.js";
import { Mesh } from "./mesh.js";
import { injectFault, type NemesisTarget } from "./nemesis.js";
import { COUNTER_KEY, checkCasHistory, type History, KEY_PREFIX, newHistory, Worker } from "./workload.js";

export interface ChaosOptions {
  readonly seed: number;
  readonly seconds: number;
  readonly nodes: number;
  readonly clients: number;
  /** SQL bank clients (transfers plus one reader) next to the KV clients; 0 turns the bank off. */
  readonly bankClients: number;
  /** Bounds for liveness once every fault is healed. */
  readonly leaderBoundMs: number;
  readonly convergeBoundMs: number;
  readonly log?: (line: string) => void;
}

export interface ChaosReport {
  readonly seed: number;
  readonly faults: string[];
  readonly acked: number;
  readonly indeterminate: number;
  readonly readsChecked: number;
  readonly casAcked: number;
  readonly bank: BankHistory;
  /** The counter's history: linearizable, or "unknown" when the checker's budget ran out. */
  readonly linearizable: boolean | "unknown";
  readonly counterOps: number;
  readonly violations: string[];
  /** Where the node data and logs are, kept when there were violations. */
  readonly dir: string;
}

const STATUS_TIMEOUT_MS = 1_000;
const SCAN_PAGE = 1_000;

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const log = options.log ?? (() => undefined);
  const random = new SeededRandom(options.seed);
  // Small snapshot thresholds so restarts and lagging followers exercise compaction and InstallSnapshot.
  // Separate streams, so the fault schedule does not depend on how many calls the clients made.
  const jitter = new SeededRandom(options.seed ^ 0x5eed);
  const ids = Array.from({ length: options.nodes }, (_, i) => i + 1);
  const mesh = await Mesh.start(ids, () => jitter.next());
  const cluster = await TestCluster.define(`chaos-${options.seed}`, options.nodes, {
    nodeArgs: ["--cluster-id", `chaos-${options.seed}`, "--snapshot-entries", "400", "--snapshot-catchup-entries", "100"],
  }).catch(async (e: unknown) => {
    await mesh.close();
    throw e;
  });
  const addresses = new Map([...cluster.nodes.values()].map((h) => [h.id, h.address]));
  for (const [id, address] of addresses) mesh.setAddress(id, address);
  const kv = new ChaosKv(addresses);
  const history: History = newHistory();
  const bank = newBankHistory();
  const sql = new RemoteSqlEngine({ nodes: addresses, logger: silentLogger });
  const faults: string[] = [];
  let keep = false;
  let linearizability: boolean | "unknown" = "unknown";
  try {
    const restart = (id: number): Promise<void> => cluster.startNode(id, [], mesh.peersFlagFor(id, cluster.node(id).address));
    await Promise.all(ids.map((id) => restart(id)));
    const target: NemesisTarget = { cluster, mesh, ids, restart, leader: () => currentLeader(kv, ids) };
    await waitFor("a first leader", options.leaderBoundMs, () => currentLeader(kv, ids));
    if (options.bankClients > 0) await waitFor("the bank table", options.leaderBoundMs, () => setupBank(sql).then(() => true), 200);
    log(`cluster of ${ids.length} up; running ${options.seconds} s with ${options.clients} clients, seed ${options.seed}`);

    const end = Date.now() + options.seconds * 1000;
    const done = (): boolean => Date.now() >= end;
    const workers = Array.from({ length: options.clients }, (_, i) => new Worker(i, kv, ids, history, () => random.next()).run(done));
    const bankClients = Array.from({ length: options.bankClients }, (_, i) =>
      new BankClient(sql, bank, new SeededRandom(options.seed * 1000 + 500 + i), i === 0).run(done),
    );
    while (!done()) {
      const fault = await injectFault(target, random);
      faults.push(fault.name);
      log(`fault: ${fault.name}`);
      await sleep(Math.min(500 + random.int(3500), Math.max(0, end - Date.now())));
      await fault.heal();
      await sleep(Math.min(500 + random.int(1500), Math.max(0, end - Date.now())));
    }
    await Promise.all([...workers, ...bankClients]);
    mesh.heal();

    // Liveness: a leader, then every replica applies everything the leader committed.
    const leader = await waitFor("a leader after healing", options.leaderBoundMs, () => currentLeader(kv, ids), 100);
    const commit = (await kv.status(leader, STATUS_TIMEOUT_MS)).commit;
    await waitFor(
      "all replicas to apply the leader's commit index",
      options.convergeBoundMs,
      async () => {
        const ss = await Promise.all(ids.map((id) => kv.status(id, STATUS_TIMEOUT_MS).catch(() => undefined)));
        return ss.every((s) => s !== undefined && s.applied >= commit) ? true : undefined;
      },
      100,
    );

    // Safety: every acknowledged write is on every replica.
    for (const id of ids) {
      const found = await scanAll(kv, id);
      let missing = 0;
      for (const [k, v] of history.acked) {
        if (found.get(k) !== v) {
          if (missing++ < 5) history.violations.push(`node ${id}: acknowledged write ${k}=${v} is ${found.get(k) ?? "missing"}`);
        }
      }
      if (missing > 5) history.violations.push(`node ${id}: ${missing} acknowledged writes missing or wrong in all`);
    }
    const counter = await kv.get(leader, COUNTER_KEY, false, STATUS_TIMEOUT_MS * 3);
    const finalCounter = counter.found ? Buffer.from(counter.value).toString() : undefined;
    checkCasHistory(history, Number(finalCounter ?? "0"));
    // The final read is one more completed operation, after everything else.
    const t = performance.now();
    const verdict = checkRegister(
      [...history.counterOps, { op: { kind: "read", value: finalCounter }, invoked: t, returned: t }],
      undefined,
    );
    if (verdict.linearizable === false) history.violations.push(`counter history is not linearizable: ${verdict.reason}`);
    linearizability = verdict.linearizable;
    if (options.bankClients > 0) await checkBankTotal(sql, bank);
    const violations = [...history.violations, ...bank.violations];
    keep = violations.length > 0;
    return {
      seed: options.seed,
      faults,
      acked: history.acked.size,
      indeterminate: history.indeterminate,
      readsChecked: history.readsChecked,
      casAcked: history.casAcked.length,
      bank,
      linearizable: linearizability,
      counterOps: history.counterOps.length,
      violations,
      dir: cluster.root,
    };
  } catch (e) {
    keep = true;
    throw new Error(`chaos seed ${options.seed} failed (data kept in ${cluster.root}): ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    kv.close();
    await sql.close().catch(() => undefined);
    await mesh.close();
    if (keep) process.env.KODIAK_KEEP_TEST_DIRS = "1";
    await cluster.close();
  }
}

async function currentLeader(kv: ChaosKv, ids: readonly number[]): Promise<number | undefined> {
  const ss = await Promise.all(ids.map((id) => kv.status(id, STATUS_TIMEOUT_MS).catch(() => undefined)));
  const leaders = ss.filter((s) => s?.role === "leader");
  if (leaders.length === 0) return undefined;
  // Two nodes may both say leader briefly (an old one not yet deposed); trust the higher term.
  const best = leaders.reduce((a, b) => ((b?.term ?? 0) > (a?.term ?? 0) ? b : a));
  const id = Number(best?.id ?? 0);
  return id === 0 ? undefined : id;
}

async function scanAll(kv: ChaosKv, id: number): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let start = KEY_PREFIX;
  const end = `${KEY_PREFIX}\uffff`;
  for (let page = 0; page < 100_000; page++) {
    const r = await kv.scan(id, start, end, SCAN_PAGE, STATUS_TIMEOUT_MS * 5);
    for (const row of r.rows) out.set(Buffer.from(row.key).toString(), Buffer.from(row.value).toString());
    const last = r.rows.at(-1);
    if (!r.more || last === undefined) return out;
    start = `${Buffer.from(last.key).toString()}\u0000`;
  }
  throw new Error(`scan of node ${id} did not finish`);
}
