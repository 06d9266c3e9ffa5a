// Runs node's built-in test runner over the compiled tests in dist/tests (unit, sim,
// integration, conformance). Extra args select a subset: `node scripts/test.mjs unit sim`.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const layers = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ["unit", "sim", "integration", "conformance"];
const files = [];
for (const layer of layers) {
  const dir = join(root, "dist", "tests", layer);
  if (!existsSync(dir)) continue;
  for (const f of readdirSync(dir, { recursive: true })) {
    // Only compiled tests whose source still exists: tsc never deletes stale outputs in dist/.
    const source = join(root, "tests", layer, String(f).replace(/\.js$/, ".ts"));
    if (String(f).endsWith(".test.js") && existsSync(source)) files.push(join(dir, String(f)));
  }
}
if (files.length === 0) {
  console.error("test: no compiled tests found under dist/tests; run `npm run build`");
  process.exit(1);
}
files.sort();
const concurrency = process.env.KODIAK_TEST_CONCURRENCY ?? "2";
const r = spawnSync(process.execPath, ["--test", `--test-concurrency=${concurrency}`, "--test-reporter=spec", ...files], {
  stdio: "inherit",
  cwd: root,
});
process.exit(r.status ?? 1);
