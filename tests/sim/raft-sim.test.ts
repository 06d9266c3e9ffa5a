import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { INJECTED_BUGS, type InjectedBug } from "./bugs.js";
import { PROFILE_NAMES, type ProfileName } from "./profiles.js";
import { runSeed, type SimOptions } from "./simulation.js";

/** Seeds `npm test` runs (the CLI runs any number: npm run sim -- --seeds N). */
const SEEDS = 600;
/** Seeds run with the real WAL (node/log) on a simulated disk that tears writes on power loss. */
const WAL_SEEDS = 40;
/** An injected bug must be caught within this many seeds. */
const BUG_SEED_BOUND = 300;

/** Runs seeds 1..BUG_SEED_BOUND with a bug injected; returns the first violation and how to replay it. */
async function hunt(bug: InjectedBug, profile?: ProfileName): Promise<{ violation: string; replay: string } | undefined> {
  const base: Omit<SimOptions, "seed"> = { ...INJECTED_BUGS[bug] };
  if (profile !== undefined) base.profile = profile;
  for (let seed = 1; seed <= BUG_SEED_BOUND; seed++) {
    const r = await runSeed({ ...base, seed });
    if (r.violation === undefined) continue;
    const replay = `npm run sim -- --seed ${seed}${profile === undefined ? "" : ` --profile ${profile}`} --bug ${bug}`;
    return { violation: r.violation, replay };
  }
  return undefined;
}

describe("raft deterministic simulation", () => {
  it(`${SEEDS} seeds across every fault profile keep every safety invariant and reach liveness after healing`, async () => {
    const profiles = new Set<string>();
    let acked = 0;
    let reads = 0;
    const failures: string[] = [];
    for (let seed = 1; seed <= SEEDS; seed++) {
      const r = await runSeed({ seed });
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

  it(`${WAL_SEEDS} seeds over the real WAL, with power lost mid-write and torn tails, keep every invariant`, async () => {
    const failures: string[] = [];
    let crashes = 0;
    for (let seed = 1; seed <= WAL_SEEDS; seed++) {
      const r = await runSeed({ seed, disk: "wal" });
      crashes += r.stats.crashes;
      if (r.violation !== undefined)
        failures.push(`seed ${seed} (${r.profile}): ${r.violation}\n  replay: npm run sim -- --seed ${seed} --disk wal`);
    }
    assert.deepEqual(failures, []);
    assert.ok(crashes > WAL_SEEDS, `nodes crashed and recovered from the WAL (${crashes})`);
  });

  it("a seed replays exactly: same trace, same outcome", async () => {
    const a = await runSeed({ seed: 4242, trace: true });
    const b = await runSeed({ seed: 4242, trace: true });
    assert.ok(a.trace.length > 10);
    assert.deepEqual(a.trace, b.trace);
    assert.deepEqual(a.stats, b.stats);
  });

  it("finds an injected bug: a disk that does not persist the vote lets a restarted node vote twice", async (t) => {
    const found = await hunt("forget-vote", "storm");
    assert.ok(found !== undefined, `no violation within ${BUG_SEED_BOUND} seeds`);
    t.diagnostic(`caught: ${found.violation} (replay: ${found.replay})`);
    assert.match(found.violation, /election safety|leader completeness|commit safety|state machine safety|durability/);
  });

  it("finds an injected bug: a leader that commits a previous-term entry by counting replicas (Figure 8)", async (t) => {
    const found = await hunt("figure8", "storm");
    assert.ok(found !== undefined, `no violation within ${BUG_SEED_BOUND} seeds`);
    t.diagnostic(`caught: ${found.violation} (replay: ${found.replay})`);
    assert.match(found.violation, /leader completeness|commit safety|state machine safety|durability/);
  });

  it("finds an injected bug: followers that acknowledge appends before fsyncing them lose acknowledged entries in a crash", async (t) => {
    const found = await hunt("ack-before-persist", "crash");
    assert.ok(found !== undefined, `no violation within ${BUG_SEED_BOUND} seeds`);
    t.diagnostic(`caught: ${found.violation} (replay: ${found.replay})`);
    assert.match(found.violation, /leader completeness|commit safety|state machine safety|durability/);
  });

  it("finds an injected bug: voters that ignore the log up-to-date check elect a leader missing committed entries", async (t) => {
    const found = await hunt("vote-ignores-log");
    assert.ok(found !== undefined, `no violation within ${BUG_SEED_BOUND} seeds`);
    t.diagnostic(`caught: ${found.violation} (replay: ${found.replay})`);
    assert.match(found.violation, /leader completeness|commit safety|state machine safety|durability|log matching/);
  });
});
