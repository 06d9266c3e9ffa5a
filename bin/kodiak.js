#!/usr/bin/env node
// The one `kodiak` executable: a table of subcommands, each a compiled module under dist/
// exporting `main(argv: string[]): Promise<number>` (the exit code).
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const commands = {
  node: ["coordinator/sql-host/node-main.js", "run a storage node (Raft replica + storage engine + node gRPC service)"],
  kv: ["client/kv-cli.js", "talk to a node's replicated KV API (put, get, cas, del, status)"],
  sql: ["client/sql-cli.js", "SQL shell: REPL, -c/-f one-shot, --format table|csv|json|jsonl|line|arrow"],
  coordinator: ["coordinator/main.js", "run a coordinator (client gRPC API, pgwire, HTTP health and metrics)"],
  start: ["client/start-cli.js", "start a local development cluster (nodes + coordinator) and open the REPL"],
  status: ["client/status-cli.js", "cluster health at a glance"],
};

function usage(out) {
  out.write("usage: kodiak <command> [options]\n\ncommands:\n");
  for (const [name, [, what]] of Object.entries(commands)) out.write(`  ${name.padEnd(12)} ${what}\n`);
  out.write("\nRun `kodiak <command> --help` for a command's options.\n");
}

const [cmd, ...rest] = process.argv.slice(2);
if (cmd === undefined || cmd === "--help" || cmd === "-h" || cmd === "help") {
  usage(process.stdout);
  process.exit(cmd === undefined ? 2 : 0);
}
const entry = commands[cmd];
if (entry === undefined) {
  process.stderr.write(`kodiak: unknown command '${cmd}'\n\n`);
  usage(process.stderr);
  process.exit(2);
}
const file = join(root, "dist", entry[0]);
if (!existsSync(file)) {
  process.stderr.write(`kodiak: ${file} is missing; run \`npm run build\` first\n`);
  process.exit(1);
}
const mod = await import(pathToFileURL(file).href);
const code = await mod.main(rest);
process.exitCode = code;
