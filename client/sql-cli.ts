// `kodiak sql`: a SQL shell against a coordinator (gRPC) or an embedded engine. One-shot with
// -c/-f, a REPL on a terminal, or a statement-at-a-time pipe (--format jsonl for tools).
// Entry point: parses arguments, picks the backend, hands over to the shell loop.

import { accessSync, constants, createReadStream, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { toKodiakError } from "../util/index.js";
import { EmbeddedBackend, RemoteBackend, type SqlBackend } from "./cli/backend.js";
import { formatError } from "./cli/caret.js";
import { jsonlError, OUTPUT_FORMATS, type OutputFormat } from "./cli/format.js";
import { defaultHistoryFile } from "./repl/history.js";
import { runShell } from "./repl/shell.js";
import { DEFAULT_GRPC_PORT } from "./sdk/index.js";

const USAGE = `usage: kodiak sql [--host H --port P | --url kodiak://... | --embedded DIR] [-c SQL]... [-f FILE]...
                  [--format table|csv|json|jsonl|line|arrow]

  --host H, --port P   coordinator gRPC address (default 127.0.0.1:${DEFAULT_GRPC_PORT}; env KODIAK_HOST, KODIAK_PORT)
  --url URL            kodiak://host:port[,host:port...]/[db][?tls=true&ca=FILE]; lists several coordinators for failover
  --embedded DIR       run the database in this process on DIR (a single-node Raft group on disk);
                       without -c/-f its cron jobs run while the shell is open (not during -c/-f runs)
  -c SQL               run SQL (may be repeated) and exit
  -f FILE              run the statements in FILE (may be repeated; '-' is stdin) and exit
  --format F           output format (default table); jsonl prints one JSON line per statement
  --history FILE       REPL history file (default ~/.kodiak_history; env KODIAK_HISTORY)
Without -c/-f: a REPL on a terminal, else statements are read from stdin and run one by one.
`;

interface SqlCliArgs {
  host: string;
  port: number;
  url: string | undefined;
  embedded: string | undefined;
  commands: string[];
  files: string[];
  format: OutputFormat;
  historyFile: string;
  help: boolean;
}

export function parseSqlArgs(argv: string[]): SqlCliArgs {
  const args: SqlCliArgs = {
    host: process.env.KODIAK_HOST ?? "127.0.0.1",
    port: Number(process.env.KODIAK_PORT ?? DEFAULT_GRPC_PORT),
    url: undefined,
    embedded: undefined,
    commands: [],
    files: [],
    format: "table",
    historyFile: defaultHistoryFile(),
    help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = a.indexOf("=");
    const [flag, inline] = a.startsWith("--") && eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case "--host":
      case "-h":
        args.host = value();
        break;
      case "--port":
      case "-p": {
        const p = Number(value());
        if (!Number.isInteger(p) || p < 1 || p > 65535) throw new Error(`bad port ${argv[i]}`);
        args.port = p;
        break;
      }
      case "--url":
        args.url = value();
        break;
      case "--embedded":
        args.embedded = value();
        break;
      case "-c":
      case "--command":
        args.commands.push(value());
        break;
      case "-f":
      case "--file":
        args.files.push(value());
        break;
      case "--format": {
        const f = value();
        if (!(OUTPUT_FORMATS as readonly string[]).includes(f)) throw new Error(`unknown format "${f}" (${OUTPUT_FORMATS.join(", ")})`);
        args.format = f as OutputFormat;
        break;
      }
      case "--history":
        args.historyFile = value();
        break;
      case "--help":
        args.help = true;
        break;
      default:
        throw new Error(`unknown option ${a}`);
    }
  }
  return args;
}

/** -c/-f runs: they exit as soon as their statements ran, so an embedded one starts no cron scheduler. */
const isOneShot = (args: SqlCliArgs): boolean => args.commands.length > 0 || args.files.length > 0;

async function openBackend(args: SqlCliArgs): Promise<SqlBackend> {
  if (args.embedded !== undefined) {
    const distRoot = join(dirname(fileURLToPath(import.meta.url)), "..");
    if (!existsSync(join(distRoot, "coordinator", "sql-host", "index.js"))) {
      throw new Error("this build has no embedded engine (coordinator/sql-host); use --host/--port");
    }
    return EmbeddedBackend.open(args.embedded, distRoot, { cron: !isOneShot(args) });
  }
  const host = args.host.includes(":") ? `[${args.host}]` : args.host;
  const url = args.url ?? `kodiak://${host}:${args.port}/`;
  return new RemoteBackend(url.replace(/^kodiak:\/\//, "").replace(/\/.*$/, ""), url);
}

/** The input the shell reads: -c texts and -f files in order, else stdin. */
function inputOf(args: SqlCliArgs): NodeJS.ReadableStream {
  if (args.commands.length === 0 && args.files.length === 0) return process.stdin;
  const parts = [...args.commands.map((c) => ({ text: c })), ...args.files.map((f) => ({ file: f }))];
  return Readable.from(
    (async function* () {
      for (const p of parts) {
        // Each -c text and each file ends its last statement, as psql does ("\n;" stays out of a trailing comment).
        if ("text" in p) yield `${p.text}\n;\n`;
        else {
          const s = p.file === "-" ? process.stdin : createReadStream(p.file, "utf8");
          for await (const chunk of s) yield String(chunk);
          yield "\n;\n";
        }
      }
    })(),
  );
}

export async function main(argv: string[]): Promise<number> {
  let args: SqlCliArgs;
  try {
    args = parseSqlArgs(argv);
  } catch (e) {
    process.stderr.write(`kodiak sql: ${e instanceof Error ? e.message : String(e)}\n\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  // A reader that goes away (`| head`) ends the run quietly instead of crashing on EPIPE.
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(0);
    throw e;
  });
  for (const f of args.files) {
    try {
      if (f !== "-") accessSync(f, constants.R_OK);
    } catch (e) {
      process.stderr.write(`kodiak sql: cannot read ${f}: ${e instanceof Error ? e.message : String(e)}\n`);
      return 1;
    }
  }
  let backend: SqlBackend;
  try {
    backend = await openBackend(args);
  } catch (e) {
    const err = toKodiakError(e);
    if (args.format === "jsonl") process.stdout.write(jsonlError(err));
    else process.stderr.write(formatError(err, undefined));
    return 1;
  }
  const oneShot = isOneShot(args);
  const interactive = !oneShot && process.stdin.isTTY === true && args.format !== "jsonl" && args.format !== "arrow";
  try {
    const errors = await runShell({
      backend,
      input: inputOf(args),
      output: process.stdout,
      errorOutput: process.stderr,
      interactive,
      format: args.format,
      historyFile: args.historyFile,
    });
    // jsonl reports errors in-band; a script (-c/-f/pipe) fails if any statement failed.
    return !interactive && args.format !== "jsonl" && errors > 0 ? 1 : 0;
  } finally {
    await backend.close();
  }
}
