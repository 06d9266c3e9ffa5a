import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PROFILE_NAMES } from "./profiles.js";
import { runSeed, type SimOptions } from "./simulation.js";

/** Seeds `npm test` runs (the CLI runs any number: npm run sim -- --seeds N). */
const SEEDS = 600;
/** An injected bug must be caught within this many seeds. */
const BUG_SEED_BOUND = 300;

function firstViolation(base: Omit<SimOptions, "seed">, bound: number): { seed: number; violation: string } | undefined {
  for (let seed = 1; seed <= bound; seed++) {
    const r = runSeed({ ...base, seed });
    if (r.violation !== undefined) return { seed, violation: r.violation };
  }
  return undefined;
}

describe("raft deterministic simulation", () => {
  it(`${SEEDS} seeds across every fault profile keep every safety invariant and reach liveness after healing`, () => {
    const profiles = new Set<string>();
    let acked = 0;
    let reads = 0;
    const failures: string[] = [];
    for (let seed = 1; seed <= SEEDS; seed++) {
      const r = runSeed({ seed });
      profiles.add(r.profile);
      acked += r.stats.acked;
      reads += r.stats.reads;
      if (r.violation !== undefined) failures.push(`seed ${seed} (${r.profile}): ${r.violation}\n  replay: npm run sim -- --seed ${seed}`);
    }
    assert.deepEqual(failures, []);
    assert.deepEqual([...profiles].sort(), [...PROFILE_NAMES].sort(), "every profile ran");
    assert.ok(acked > SEEDS * 20, `proposals were acknowledged (${acked})`);
    assert.ok(reads > SEEDS * 5, `linearizable reads were served (${reads})`);
  });

  it("a seed replays exactly: same trace, same outcome", () => {
    const a = runSeed({ seed: 4242, trace: true });
    const b = runSeed({ seed: 4242, trace: true });
    assert.ok(a.trace.length > 10);
    assert.deepEqual(a.trace, b.trace);
    assert.deepEqual(a.stats, b.stats);
  });

  it("finds an injected bug: a disk that does not persist the vote lets a restarted node vote twice", () => {
    const found = firstViolation({ profile: "storm", diskBugs: { forgetVote: true } }, BUG_SEED_BOUND);
    assert.ok(found !== undefined, `no violation within ${BUG_SEED_BOUND} seeds`);
    assert.match(found.violation, /election safety|leader completeness|commit safety|state machine safety|durability/);
  });

  it("finds an injected bug: voters that ignore the log up-to-date check elect a leader missing committed entries", () => {
    const found = firstViolation({ knobs: { voteIgnoresLog: true } }, BUG_SEED_BOUND);
    assert.ok(found !== undefined, `no violation within ${BUG_SEED_BOUND} seeds`);
    assert.match(found.violation, /leader completeness|commit safety|state machine safety|durability|log matching/);
  });
});
