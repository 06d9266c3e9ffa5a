// `npm run test:chaos -- [--seed S] [--seeds N] [--seconds T] [--nodes 3|5] [--clients C] [--bank-clients B]`: chaos runs
// against real node processes (see run.ts). Prints one line per fault and a summary per seed; the
// last line is `chaos: seeds N, violations V`; exits 1 on any violation or failed liveness bound.
import { runChaos } from "./run.js";

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 0) {
    console.error(`${name} needs a non-negative integer`);
    process.exit(2);
  }
  return v;
}

const firstSeed = flag("--seed", Date.now() % 1_000_000);
const seeds = flag("--seeds", 1);
const seconds = flag("--seconds", 60);
const nodes = flag("--nodes", 3);
const clients = flag("--clients", 4);
const bankClients = flag("--bank-clients", 3);
let violations = 0;
for (let s = firstSeed; s < firstSeed + seeds; s++) {
  try {
    const r = await runChaos({
      seed: s,
      seconds,
      nodes,
      clients,
      bankClients,
      leaderBoundMs: 20_000,
      convergeBoundMs: 60_000,
      log: (line) => console.log(`[seed ${s}] ${line}`),
    });
    console.log(
      `[seed ${s}] faults ${r.faults.length}, acknowledged writes ${r.acked}, indeterminate ${r.indeterminate}, ` +
        `reads checked ${r.readsChecked}, CAS acknowledged ${r.casAcked}, ` +
        `counter history of ${r.counterOps} ops linearizable: ${r.linearizable}, ` +
        `bank transfers ${r.bank.transfersCommitted} (40001 ${r.bank.serializationFailures}, indeterminate ${r.bank.indeterminate}), ` +
        `bank reads ${r.bank.readsChecked}, violations ${r.violations.length}`,
    );
    for (const v of r.violations) console.log(`[seed ${s}] VIOLATION ${v}`);
    if (r.violations.length > 0) console.log(`[seed ${s}] data kept in ${r.dir}`);
    violations += r.violations.length;
  } catch (e) {
    console.log(`[seed ${s}] FAILED ${e instanceof Error ? e.message : String(e)}`);
    violations++;
  }
}
console.log(`chaos: seeds ${seeds}, violations ${violations}`);
process.exit(violations === 0 ? 0 : 1);
