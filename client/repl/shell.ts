// The statement loop behind `kodiak sql`: reads lines (terminal REPL, pipe, -f file or -c text),
// runs each statement as soon as its ';' arrives, prints it in the current format, and goes on
// after errors. On a terminal it adds prompts, history, tab completion, a progress indicator and
// Ctrl-C cancel. Dot commands (.help, .tables, ...) work everywhere except in jsonl mode.

import { createInterface, type Interface } from "node:readline";
import { type Clock, KodiakError, systemClock, toKodiakError } from "../../util/index.js";
import { outcomeToArrowIpc } from "../cli/arrow-out.js";
import type { SqlBackend } from "../cli/backend.js";
import { formatError } from "../cli/caret.js";
import { formatOutcome, jsonlError, type OutputFormat } from "../cli/format.js";
import type { Outcome } from "../cli/outcome.js";
import { StatementSplitter } from "../cli/split.js";
import { runDotCommand } from "./commands.js";
import { Completer } from "./completer.js";
import { appendHistory, loadHistory, MAX_HISTORY_LINES } from "./history.js";
import { Progress } from "./progress.js";

export const PROMPT = "kodiak> ";
export const CONTINUATION_PROMPT = "   ...> ";

export interface ShellOptions {
  backend: SqlBackend;
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** Errors, notices, timing and progress (a terminal's stderr). */
  errorOutput: NodeJS.WritableStream;
  /** A person at a terminal: prompts, history, completion, progress, Ctrl-C cancels. */
  interactive: boolean;
  format: OutputFormat;
  /** History file (interactive only). */
  historyFile?: string;
  clock?: Clock;
}

export interface ShellState {
  format: OutputFormat;
  timer: boolean;
  /** Nesting of .read (bounded). */
  readDepth: number;
  exit: boolean;
  errors: number;
}

export class Shell {
  readonly state: ShellState;
  readonly completer: Completer;
  private readonly clock: Clock;
  private running: AbortController | undefined;

  constructor(readonly options: ShellOptions) {
    this.state = { format: options.format, timer: false, readDepth: 0, exit: false, errors: 0 };
    this.completer = new Completer(options.backend);
    this.clock = options.clock ?? systemClock;
  }

  write(text: string): void {
    this.options.output.write(text);
  }

  info(text: string): void {
    this.options.errorOutput.write(text);
  }

  /** Runs one complete statement and prints its outcome or error. */
  async statement(sql: string): Promise<void> {
    const ac = new AbortController();
    this.running = ac;
    const progress = this.options.interactive ? new Progress(this.options.errorOutput, this.clock) : undefined;
    const t0 = this.clock.monotonicMs();
    progress?.start();
    try {
      const outcomes = await this.options.backend.run(sql, ac.signal);
      progress?.stop();
      for (const o of outcomes) this.print(o);
      if (/^\s*(create|drop|alter)\b/i.test(sql)) this.completer.invalidate();
    } catch (e) {
      progress?.stop();
      this.error(toKodiakError(e), sql);
    } finally {
      this.running = undefined;
    }
    if (this.state.timer) this.info(`Time: ${(this.clock.monotonicMs() - t0).toFixed(3)} ms\n`);
  }

  error(err: KodiakError, sql: string | undefined): void {
    this.state.errors++;
    if (this.state.format === "jsonl") this.write(jsonlError(err));
    else this.info(formatError(err, sql));
  }

  print(o: Outcome): void {
    if (this.state.format !== "jsonl") for (const n of o.notices) this.info(`${n.severity}:  ${n.message}\n`);
    if (this.state.format === "arrow") {
      const ipc = outcomeToArrowIpc(o);
      if (ipc !== undefined) this.options.output.write(ipc);
      return;
    }
    this.write(formatOutcome(o, this.state.format));
  }

  /** Stops the running statement (Ctrl-C); false when nothing runs. */
  cancel(): boolean {
    if (this.running === undefined) return false;
    this.running.abort(new KodiakError("57014", "canceling statement due to user request"));
    return true;
  }

  /** Feeds lines from `lines` until they end or .exit; statements run in order. */
  async feed(lines: AsyncIterable<string>, onPending?: (pending: boolean) => void): Promise<void> {
    const splitter = new StatementSplitter();
    for await (const line of lines) {
      if (!splitter.pending && this.state.format !== "jsonl" && line.trimStart().startsWith(".")) {
        await runDotCommand(this, line.trim());
        if (this.state.exit) return;
        onPending?.(false);
        continue;
      }
      let statements: string[];
      try {
        statements = splitter.push(`${line}\n`);
      } catch (e) {
        this.error(toKodiakError(e), undefined);
        continue;
      }
      for (const s of statements) await this.statement(s);
      onPending?.(splitter.pending);
    }
    const rest = splitter.finish();
    if (rest !== undefined) await this.statement(rest);
  }
}

/** Runs the loop over options.input until it ends or .exit; resolves with the error count. */
export async function runShell(options: ShellOptions): Promise<number> {
  const shell = new Shell(options);
  const history = options.interactive && options.historyFile !== undefined ? loadHistory(options.historyFile) : [];
  const rl: Interface = createInterface({
    input: options.input,
    output: options.interactive ? options.output : undefined,
    terminal: options.interactive,
    history,
    historySize: MAX_HISTORY_LINES,
    completer: options.interactive
      ? (line: string, cb: (err: Error | null, result: [string[], string]) => void) => {
          shell.completer.complete(line).then(
            (r) => cb(null, r),
            () => cb(null, [[], line]),
          );
        }
      : undefined,
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  if (options.interactive) {
    options.errorOutput.write(`Connected to ${options.backend.description}. Type .help for help, .exit or Ctrl-D to leave.\n`);
    let lastInterruptMs = 0;
    rl.on("SIGINT", () => {
      if (shell.cancel()) return;
      const now = (options.clock ?? systemClock).monotonicMs();
      if (rl.line === "" && now - lastInterruptMs < 2000) {
        rl.close();
        return;
      }
      lastInterruptMs = now;
      options.errorOutput.write("^C (Ctrl-C again or Ctrl-D to exit)\n");
      rl.setPrompt(PROMPT);
      rl.prompt();
    });
    rl.setPrompt(PROMPT);
    rl.prompt();
  }
  const lines = (async function* () {
    for await (const line of rl) {
      if (options.interactive && options.historyFile !== undefined) appendHistory(options.historyFile, line);
      yield line;
    }
  })();
  try {
    await shell.feed(lines, (pending) => {
      if (!options.interactive) return;
      rl.setPrompt(pending ? CONTINUATION_PROMPT : PROMPT);
      rl.prompt();
    });
  } finally {
    rl.close();
  }
  return shell.state.errors;
}
