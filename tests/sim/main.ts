// CLI of the deterministic simulator:
//   npm run sim -- --seed S       replay one seed; prints its trace when it fails (--verbose: always)
//   npm run sim -- --seeds N      run seeds 1..N (or --start K..K+N-1); last line "seeds: N, violations: V"
//   --disk wal                    use the real WAL (node/log) on a simulated disk with torn writes
//   --profile NAME                force one fault profile (crash, partition, membership, snapshot, ...)
//   --bug NAME                    inject a known bug (forget-vote, figure8, vote-ignores-log, ack-before-persist)
// Any failure prints the seed and the exact command that replays it. Exit code 1 on violations.

import { INJECTED_BUGS, isInjectedBug } from "./bugs.js";
import { PROFILE_NAMES, type ProfileName } from "./profiles.js";
import { runSeed, type SimOptions, type SimResult } from "./simulation.js";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function intArg(name: string): number | undefined {
  const v = arg(name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) {
    process.stderr.write(`sim: ${name} needs a non-negative integer, got ${JSON.stringify(v)}\n`);
    process.exit(2);
  }
  return n;
}

function fail(message: string): never {
  process.stderr.write(`sim: ${message}\n`);
  process.exit(2);
}

function report(r: SimResult): void {
  process.stdout.write(
    `seed ${r.seed} (${r.profile}): VIOLATION ${r.violation}\n  replay: npm run sim -- --seed ${r.seed}${replayFlags}\n`,
  );
}

const seed = intArg("--seed");
const seeds = intArg("--seeds");
const startSeed = intArg("--start") ?? 1;
const verbose = process.argv.includes("--verbose");
const base: Omit<SimOptions, "seed"> = {};
let replayFlags = "";
const diskArg = arg("--disk");
if (diskArg !== undefined) {
  if (diskArg !== "memory" && diskArg !== "wal") fail(`--disk must be memory or wal, got ${JSON.stringify(diskArg)}`);
  base.disk = diskArg;
  replayFlags += ` --disk ${diskArg}`;
}
const profileArg = arg("--profile");
if (profileArg !== undefined) {
  if (!(PROFILE_NAMES as readonly string[]).includes(profileArg)) fail(`--profile must be one of ${PROFILE_NAMES.join(", ")}`);
  base.profile = profileArg as ProfileName;
  replayFlags += ` --profile ${profileArg}`;
}
const bugArg = arg("--bug");
if (bugArg !== undefined) {
  if (!isInjectedBug(bugArg)) fail(`--bug must be one of ${Object.keys(INJECTED_BUGS).join(", ")}`);
  Object.assign(base, INJECTED_BUGS[bugArg]);
  replayFlags += ` --bug ${bugArg}`;
}

if (seed !== undefined) {
  const r = await runSeed({ ...base, seed, trace: true });
  if (r.violation !== undefined || verbose) for (const line of r.trace) process.stdout.write(`${line}\n`);
  const s = r.stats;
  process.stdout.write(
    `seed ${seed} (${r.profile}): ${r.violation === undefined ? "ok" : "VIOLATION"} — events ${s.events}, delivered ${s.delivered}, acked ${s.acked}, reads ${s.reads}, leaders ${s.leaders}, snapshots ${s.snapshots}, crashes ${s.crashes}\n`,
  );
  if (r.violation !== undefined) report(r);
  process.exit(r.violation === undefined ? 0 : 1);
} else if (seeds !== undefined) {
  let violations = 0;
  const started = performance.now();
  for (let s = startSeed; s < startSeed + seeds; s++) {
    const r = await runSeed({ ...base, seed: s });
    if (r.violation !== undefined) {
      violations++;
      report(r);
    }
  }
  process.stdout.write(`elapsed ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  process.stdout.write(`seeds: ${seeds}, violations: ${violations}\n`);
  process.exit(violations === 0 ? 0 : 1);
} else {
  fail("usage: npm run sim -- --seed S [--verbose] | --seeds N [--start K]  [--disk wal] [--profile NAME] [--bug NAME]");
}
