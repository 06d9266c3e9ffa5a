// `npm run bench -- NAME [options]`: runs the compiled benchmark dist/bench/NAME.js (from
// bench/NAME.ts), which prints its table and writes bench/results/NAME.json. Never part of `npm test`.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const benchDir = join(root, "dist", "bench");
const available = existsSync(benchDir)
  ? readdirSync(benchDir)
      .filter((f) => f.endsWith(".js"))
      .map((f) => f.slice(0, -3))
  : [];
const [name, ...options] = process.argv.slice(2);

if (name === undefined || name === "--help" || name === "-h") {
  console.error(`usage: npm run bench -- NAME [options]\n\nbenchmarks: ${available.join(", ") || "(none built; run npm run build)"}`);
  process.exit(name === undefined ? 2 : 0);
}
if (!/^[a-z0-9-]+$/.test(name) || !available.includes(name)) {
  console.error(`bench: unknown benchmark '${name}'; available: ${available.join(", ") || "(none built)"}`);
  process.exit(2);
}
const r = spawnSync(process.execPath, [join(benchDir, `${name}.js`), ...options], { stdio: "inherit", cwd: root });
process.exit(r.status ?? 1);
