// The REPL's dot commands: .help, .tables, .schema [NAME], .cluster, .mode, .timer, .read FILE,
// .exit/.quit. Each writes through the shell; errors are shown like statement errors.

import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { KodiakError, SqlState, toKodiakError } from "../../util/index.js";
import { formatTable, OUTPUT_FORMATS, type OutputFormat } from "../cli/format.js";
import type { Shell } from "./shell.js";

/** How deeply .read may nest (a file that reads itself stops here). */
export const MAX_READ_DEPTH = 8;

const HELP = `.help                 show this help
.tables               list tables
.schema [NAME]        CREATE statements of all tables and PL definitions (types, functions,
                      triggers, cron jobs), or of one table (with its triggers) or definition
.cluster              show the cluster's nodes, roles, terms, commit/applied indexes and lag
.mode MODE            output mode: table, csv, json, line (also jsonl, arrow)
.timer on|off         print each statement's run time
.read FILE            run the statements in FILE
.exit, .quit          leave (Ctrl-D works too)
Statements end with ';' and may span lines. Ctrl-C cancels a running statement.
`;

function quoteIdent(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

interface PlDefinition {
  readonly kind: string;
  readonly name: string;
  readonly table: string | null;
  readonly source: string;
}

/** PL definitions as CREATE statements (kodiak_definitions); none on an engine without PL-Grizzly. */
async function plDefinitions(shell: Shell): Promise<PlDefinition[]> {
  try {
    const [o] = await shell.options.backend.run("SELECT * FROM kodiak_definitions");
    return (o?.rows ?? []).map((r) => ({
      kind: String(r[0]),
      name: String(r[1]),
      table: r[2] === null ? null : String(r[2]),
      source: String(r[3]),
    }));
  } catch (e) {
    // An engine without PL-Grizzly has no such relation.
    const none: string[] = [SqlState.undefinedTable, SqlState.featureNotSupported];
    if (e instanceof KodiakError && none.includes(e.code)) return [];
    throw e;
  }
}

async function createTable(shell: Shell, t: string): Promise<boolean> {
  const cols = await shell.options.backend.columns(t);
  if (cols.length === 0) return false;
  shell.write(`CREATE TABLE ${quoteIdent(t)} (\n${cols.map((c) => `  ${quoteIdent(c.name)} ${c.type}`).join(",\n")}\n);\n`);
  return true;
}

async function schema(shell: Shell, name: string | undefined): Promise<void> {
  if (name === undefined) {
    for (const t of await shell.options.backend.tables()) await createTable(shell, t);
    for (const d of await plDefinitions(shell)) shell.write(`${d.source}\n`);
    return;
  }
  if (await createTable(shell, name)) {
    for (const d of await plDefinitions(shell)) if (d.kind === "trigger" && d.table === name) shell.write(`${d.source}\n`);
    return;
  }
  const defs = (await plDefinitions(shell)).filter((d) => d.name === name);
  if (defs.length === 0) throw new KodiakError(SqlState.undefinedTable, `relation "${name}" does not exist`);
  for (const d of defs) shell.write(`${d.source}\n`);
}

async function readFile(shell: Shell, file: string): Promise<void> {
  if (shell.state.readDepth >= MAX_READ_DEPTH) {
    throw new KodiakError(SqlState.programLimitExceeded, `.read nested more than ${MAX_READ_DEPTH} deep`);
  }
  const stream = createReadStream(file, "utf8");
  const opened = new Promise<void>((resolve, reject) => {
    stream.once("open", () => resolve());
    stream.once("error", (e) => reject(new KodiakError(SqlState.ioError, `could not read "${file}": ${e.message}`)));
  });
  await opened;
  shell.state.readDepth++;
  try {
    await shell.feed(createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }));
  } finally {
    shell.state.readDepth--;
    stream.destroy();
  }
}

export async function runDotCommand(shell: Shell, line: string): Promise<void> {
  const [cmd, ...args] = line.split(/\s+/);
  const arg = args.join(" ").trim();
  try {
    switch (cmd) {
      case ".help":
        shell.write(HELP);
        return;
      case ".exit":
      case ".quit":
        shell.state.exit = true;
        return;
      case ".tables": {
        const tables = await shell.options.backend.tables();
        shell.write(tables.length > 0 ? `${tables.join("\n")}\n` : "(no tables)\n");
        return;
      }
      case ".schema":
        await schema(shell, arg === "" ? undefined : arg);
        return;
      case ".cluster": {
        const o = await shell.options.backend.cluster();
        for (const n of o.notices) shell.write(`${n.message}\n`);
        if (o.columns !== undefined) shell.write(formatTable(o));
        return;
      }
      case ".mode":
        if (!(OUTPUT_FORMATS as readonly string[]).includes(arg)) {
          shell.info(`usage: .mode ${OUTPUT_FORMATS.join("|")} (now ${shell.state.format})\n`);
          return;
        }
        shell.state.format = arg as OutputFormat;
        return;
      case ".timer":
        if (arg !== "on" && arg !== "off") {
          shell.info(`usage: .timer on|off (now ${shell.state.timer ? "on" : "off"})\n`);
          return;
        }
        shell.state.timer = arg === "on";
        return;
      case ".read":
        if (arg === "") {
          shell.info("usage: .read FILE\n");
          return;
        }
        await readFile(shell, arg);
        return;
      default:
        shell.info(`unknown command ${cmd}; try .help\n`);
    }
  } catch (e) {
    shell.error(toKodiakError(e), undefined);
  }
}
