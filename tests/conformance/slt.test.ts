// Runs every sqllogictest file of ../shared/conformance/slt against a fresh embedded engine per
// file (engine name "postgresql"), prints per-file and total counts, requires >= 99% passing and
// that the set of failing records equals tests/conformance/known-failures.txt exactly.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { test } from "node:test";
import { openEmbeddedEngine } from "../../sql/index.js";
import { runSlt } from "./slt-runner.js";

const repoRoot = resolve(import.meta.dirname, "..", "..", "..");

function sharedDir(): string {
  if (process.env.KODIAK_SHARED_DIR) return process.env.KODIAK_SHARED_DIR;
  for (let d = repoRoot; d !== dirname(d); d = dirname(d)) {
    const c = join(d, "shared");
    if (existsSync(join(c, "conformance"))) return c;
  }
  throw new Error("shared/conformance not found: set KODIAK_SHARED_DIR");
}

function collect(dir: string): string[] {
  const out: string[] = [];
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) out.push(...collect(p));
    else if (f.endsWith(".test")) out.push(p);
  }
  return out.sort();
}

function knownFailures(): Map<string, string> {
  const file = join(repoRoot, "tests", "conformance", "known-failures.txt");
  const out = new Map<string, string>();
  if (!existsSync(file)) return out;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (line.trim() === "" || line.startsWith("#")) continue;
    const [key, ...reason] = line.split("\t");
    out.set(key.trim(), reason.join("\t"));
  }
  return out;
}

test("sqllogictest corpus passes (>= 99%, failures exactly as listed in known-failures.txt)", async () => {
  const slt = join(sharedDir(), "conformance", "slt");
  const files = collect(slt);
  assert.ok(files.length > 0, "no .test files found");
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const failing = new Map<string, string>();
  const t0 = performance.now();
  for (const f of files) {
    const engine = await openEmbeddedEngine({ dir: "" });
    const r = await runSlt(f, "postgresql", () => engine.openSession({ user: "kodiak", database: "kodiak" }));
    await engine.close();
    const rel = relative(slt, f);
    console.log(`${rel}: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped${r.halted ? " (halted)" : ""}`);
    passed += r.passed;
    failed += r.failed;
    skipped += r.skipped;
    for (const x of r.failures) failing.set(`${rel}:${x.line}`, x.reason);
  }
  const pct = (100 * passed) / Math.max(passed + failed, 1);
  console.log(
    `TOTAL: ${passed} passed, ${failed} failed, ${skipped} skipped (${pct.toFixed(2)}%) in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  const known = knownFailures();
  const unexpected = [...failing.entries()].filter(([k]) => !known.has(k));
  const fixed = [...known.keys()].filter((k) => !failing.has(k));
  for (const [k, why] of unexpected.slice(0, 50)) console.log(`NEW FAILURE ${k}\t${why}`);
  for (const k of fixed.slice(0, 50)) console.log(`NOW PASSING (remove from known-failures.txt) ${k}`);
  assert.ok(pct >= 99, `only ${pct.toFixed(2)}% passed`);
  assert.deepEqual(
    unexpected.map(([k]) => k),
    [],
    "records failing that are not in known-failures.txt",
  );
  assert.deepEqual(fixed, [], "records listed in known-failures.txt that now pass");
});
