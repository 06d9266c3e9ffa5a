// One client session's PL-Grizzly layer: runs a script statement by statement — PL statements
// (DO, CREATE TYPE/FUNCTION/TRIGGER/CRON JOB, session SET) here, SQL statements through the
// SqlHost with `{name}` as bound parameters — and tracks the aborted-transaction rule (25P02).

import type { StatementResult } from "../api.js";
import { type Clock, KodiakError, SqlState } from "../../util/index.js";
import type { TopStmt, TopStmtKind } from "./ast.js";
import { Budget } from "./budget.js";
import { callFunction, settleFutures } from "./call.js";
import type { CronJobDef, MemoryCatalog } from "./catalog.js";
import { Ctx, DEFAULT_MAX_CALL_DEPTH, type PlEnv } from "./context.js";
import {
  cronJob,
  createCron,
  createFunction,
  createTrigger,
  createType,
  type DefinitionContext,
  checkBlock,
  dropCron,
  dropFunction,
  dropTrigger,
  dropType,
} from "./definitions.js";
import { PlError } from "./errors.js";
import { drive } from "./gen.js";
import { evalExpr } from "./expr.js";
import type { BoundParam, HostResult, SqlHost } from "./host.js";
import { PlBuilder } from "./parse/build.js";
import { DEFAULT_SETTINGS } from "../engine/settings.js";
import { parseTree } from "./parse/tree.js";
import { runBlock } from "./runtime.js";
import { Scope, SessionVars } from "./scope.js";
import { buildSql } from "./sqlrun.js";
import { sqlTypeOf } from "./sqlconv.js";
import { type PlType, T } from "./types.js";
import { type FutureRaw, mk, type PlValue, toSqlValue } from "./values.js";

/** Configuration parameters beyond the SQL engine's own settings (DEFAULT_SETTINGS). */
const EXTRA_CONFIG_PARAMETERS: ReadonlySet<string> = new Set([
  "statement_timeout",
  "search_path",
  "timezone",
  "time zone",
  "max_call_depth",
  "datestyle",
  "application_name",
  "client_encoding",
  "read_consistency",
  "max_staleness",
  "transaction_isolation",
  "default_transaction_isolation",
  "lock_timeout",
  "idle_in_transaction_session_timeout",
  "extra_float_digits",
  "standard_conforming_strings",
  "intervalstyle",
]);

/**
 * `SET name = …` keeps its PostgreSQL meaning for configuration parameters (section 2): every
 * setting the SQL engine knows (so a new one such as work_mem can never silently become a PL
 * variable), extension-style names ("a.b"), and a few the PL session handles itself.
 */
export function isConfigParameter(name: string): boolean {
  return EXTRA_CONFIG_PARAMETERS.has(name) || Object.hasOwn(DEFAULT_SETTINGS, name) || name.includes(".");
}

export interface PlSessionOptions {
  readonly host: SqlHost;
  readonly catalog: MemoryCatalog;
  readonly clock: Clock;
  /** Engine hook: row type of a table (NEW/OLD, trigger validation); omit without an engine. */
  readonly tableRowType?: (table: string) => import("./types.js").PlType | undefined;
  /** Engine hook: runs a cron job's action in a fresh session (RUN NOW). */
  readonly runCronAction?: (job: string) => Promise<void>;
}

type Handler<K extends TopStmtKind> = (s: Extract<TopStmt, { kind: K }>, budget: Budget) => StatementResult;

function parseDurationMs(v: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|min|h)?\s*$/i.exec(v);
  if (m === null) throw new PlError(SqlState.invalidParameterValue, `invalid value for parameter "statement_timeout": "${v}"`);
  const n = Number(m[1]);
  const unit = (m[2] ?? "ms").toLowerCase();
  return unit === "s" ? n * 1000 : unit === "min" ? n * 60000 : unit === "h" ? n * 3600000 : n;
}

export class PlSession {
  readonly vars = new SessionVars();
  statementTimeoutMs = 0;
  maxCallDepth = DEFAULT_MAX_CALL_DEPTH;
  private tx: "idle" | "inTransaction" | "failed" = "idle";

  private host: SqlHost;
  private rowType: ((table: string) => PlType | undefined) | undefined;
  /** The definitions in effect (the engine swaps it per statement, see executeTop). */
  catalog: MemoryCatalog;

  constructor(private readonly o: PlSessionOptions) {
    this.host = o.host;
    this.rowType = o.tableRowType;
    this.catalog = o.catalog;
  }

  transactionStatus(): "idle" | "inTransaction" | "failed" {
    return this.tx;
  }

  env(budget: Budget, host: SqlHost = this.host): PlEnv {
    return {
      host,
      catalog: this.catalog,
      session: this.vars,
      budget,
      maxCallDepth: this.maxCallDepth,
      nowMs: () => this.o.clock.nowMs(),
    };
  }

  defs(): DefinitionContext {
    const base = { catalog: this.catalog, sessionVar: (n: string) => this.vars.get(n)?.t, nowMs: () => this.o.clock.nowMs() };
    return this.rowType === undefined ? base : { ...base, tableRowType: this.rowType };
  }

  /** Parses a script into top-level statements (42601 on bad syntax, nothing run). */
  parse(script: string): TopStmt[] {
    const tree = parseTree(script);
    const b = new PlBuilder(script);
    return tree.statement().map((s) => b.top(s));
  }

  /** Runs each statement in order, yielding its result; throws at the first failure. */
  async *run(script: string, signal?: AbortSignal): AsyncIterable<StatementResult> {
    for (const st of this.parse(script)) yield await this.runOne(st, signal);
  }

  async runOne(st: TopStmt, signal?: AbortSignal): Promise<StatementResult> {
    const txVerb = st.kind === "sql" && st.sql.verb === "tx" ? st.text.trim().split(/\s+/)[0]!.toUpperCase() : null;
    if (this.tx === "failed" && txVerb === null) {
      throw new PlError(SqlState.inFailedSqlTransaction, "current transaction is aborted, commands ignored until end of transaction block");
    }
    try {
      const r = st.kind === "alterCron" && st.op === "RUN NOW" ? await this.runNow(st.name) : this.executeTop(st, signal);
      if (txVerb !== null) this.afterTx(txVerb, st);
      return r;
    } catch (e) {
      if (this.tx === "inTransaction") this.tx = "failed";
      throw e;
    }
  }

  /** Text and bound parameters of a top-level SQL statement (`{name}` → $n or a quoted name). */
  bindSql(st: Extract<TopStmt, { kind: "sql" }>): { text: string; params: BoundParam[] } {
    return buildSql(st.sql, new Scope(null), new Ctx(this.env(Budget.unlimited(this.o.clock))));
  }

  /** ALTER CRON JOB … RUN NOW: runs the action in a fresh session, outside this transaction. */
  async runNow(name: string): Promise<StatementResult> {
    cronJob(name, this.defs());
    if (this.o.runCronAction === undefined) throw new PlError(SqlState.featureNotSupported, "RUN NOW needs the cron scheduler");
    await this.o.runCronAction(name);
    return { command: "ALTER CRON JOB", rowCount: 0 };
  }

  /**
   * Runs one top-level statement synchronously inside the caller's transaction (the engine's
   * session calls this for PL statements); `host` runs embedded SQL in that transaction.
   */
  executeTop(st: TopStmt, signal?: AbortSignal, host?: SqlHost, tableRowType?: (table: string) => PlType | undefined): StatementResult {
    const budget = Budget.fromTimeout(this.o.clock, this.statementTimeoutMs, signal);
    const saved = this.host;
    const savedRowType = this.rowType;
    if (host !== undefined) this.host = host;
    if (tableRowType !== undefined) this.rowType = tableRowType;
    try {
      return (this.handlers[st.kind] as Handler<TopStmtKind>)(st as never, budget);
    } finally {
      this.host = saved;
      this.rowType = savedRowType;
    }
  }

  private afterTx(verb: string, st: TopStmt): void {
    const text = st.kind === "sql" ? st.text.toUpperCase() : "";
    if (verb === "BEGIN" || verb === "START") this.tx = "inTransaction";
    else if (verb === "COMMIT" || verb === "END" || verb === "ABORT") this.tx = "idle";
    else if (verb === "ROLLBACK" && !/\bTO\b/.test(text)) this.tx = "idle";
    else if (verb === "ROLLBACK" && this.tx === "failed") this.tx = "inTransaction";
  }

  private sql(s: Extract<TopStmt, { kind: "sql" }>, budget: Budget): StatementResult {
    const env = this.env(budget);
    if (s.select !== undefined) {
      const ctx = new Ctx(env);
      const scope = new Scope(null);
      const values: PlValue[] = [];
      for (const item of s.select) {
        if (item.e.kind === "range")
          throw new PlError(
            SqlState.syntaxError,
            "a range is allowed only as a FOR source, MATCH pattern, pipeline source or array argument",
          );
        const v = drive(evalExpr(item.e, scope, ctx));
        // Called from SQL, an ASYNC function is awaited at the call site (section 8).
        if (v.t.k === "future" && v.v !== null) {
          const f = v.v as FutureRaw;
          f.awaited = true;
          if (f.error !== undefined) throw f.error;
          values.push(f.value!);
        } else values.push(v);
      }
      settleFutures(ctx);
      return {
        command: "SELECT",
        columns: s.select.map((it, i) => ({ name: it.name, type: sqlTypeOf(values[i]!.t) })),
        rows: [values.map((v) => toSqlValue(v.t.k === "unknown" && v.v !== null ? mk(T.text, v.v) : v))],
        rowCount: 1,
      };
    }
    const ctx = new Ctx(env);
    const { text, params } = buildSql(s.sql, new Scope(null), ctx);
    const r: HostResult = this.host.execute(text, params);
    const verb = s.text.trim().split(/\s+/)[0]!.toUpperCase();
    const out: StatementResult = { command: verb, rowCount: r.rowCount };
    if (r.columns !== undefined) {
      out.columns = r.columns.map((c) => ({ name: c.name, type: c.type }));
      out.rows = (r.rows ?? []).map((row) => [...row]);
    }
    return out;
  }

  private readonly handlers: { [K in TopStmtKind]: Handler<K> } = {
    sql: (s, b) => this.sql(s, b),
    do: (s, b) => {
      checkBlock(s.block, this.defs());
      runBlock(s.block, this.env(b));
      return { command: "DO", rowCount: 0 };
    },
    setVar: (s, b) => {
      const name = s.target[0]!;
      if (s.target.length === 1 && isConfigParameter(name)) return this.setConfig(name, s, b);
      const ctx = new Ctx(this.env(b));
      ctx.frames.push({ label: "SET", line: s.at?.line ?? 0, col: s.at?.col ?? 0 });
      const value = drive(evalExpr(s.e, new Scope(null), ctx));
      if (value.t.k === "future") throw new PlError(SqlState.datatypeMismatch, "a FUTURE cannot be stored in a session variable");
      const v = value.t.k === "unknown" && value.v !== null ? mk(T.text, value.v) : value;
      if (s.target.length === 1) this.vars.set(name, v);
      else {
        const block = { kind: "blk" as const, items: [{ kind: "set" as const, target: s.target, e: { kind: "lit" as const, value: v } }] };
        runBlock(block, this.env(b));
      }
      return { command: "SET", rowCount: 0 };
    },
    createType: (s) => {
      createType(s, this.defs());
      return { command: "CREATE TYPE", rowCount: 0 };
    },
    dropType: (s) => {
      dropType(s, this.defs());
      return { command: "DROP TYPE", rowCount: 0 };
    },
    createFunction: (s) => {
      createFunction(s, this.defs());
      return { command: "CREATE FUNCTION", rowCount: 0 };
    },
    dropFunction: (s) => {
      dropFunction(s, this.defs());
      return { command: "DROP FUNCTION", rowCount: 0 };
    },
    createTrigger: (s) => {
      createTrigger(s, this.defs());
      return { command: "CREATE TRIGGER", rowCount: 0 };
    },
    dropTrigger: (s) => {
      dropTrigger(s, this.defs());
      return { command: "DROP TRIGGER", rowCount: 0 };
    },
    createCron: (s) => {
      createCron(s, this.defs());
      return { command: "CREATE CRON JOB", rowCount: 0 };
    },
    dropCron: (s) => {
      dropCron(s, this.defs());
      return { command: "DROP CRON JOB", rowCount: 0 };
    },
    alterCron: (s) => {
      const job = cronJob(s.name, this.defs());
      if (s.op === "PAUSE") job.paused = true;
      else if (s.op === "RESUME") {
        job.paused = false;
        job.resumedAtMs = this.o.clock.nowMs();
      } else throw new PlError(SqlState.featureNotSupported, "RUN NOW runs outside the statement's transaction (see runOne)");
      return { command: "ALTER CRON JOB", rowCount: 0 };
    },
  };

  private setConfig(name: string, s: Extract<TopStmt, { kind: "setVar" }>, b: Budget): StatementResult {
    const v = drive(evalExpr(s.e, new Scope(null), new Ctx(this.env(b))));
    const text = v.v === null ? "" : String(v.v);
    if (name === "statement_timeout") this.statementTimeoutMs = parseDurationMs(text);
    else if (name === "max_call_depth") {
      const n = Number(text);
      if (!Number.isInteger(n) || n < 1)
        throw new PlError(SqlState.invalidParameterValue, `invalid value for parameter "max_call_depth": "${text}"`);
      this.maxCallDepth = n;
    }
    return { command: "SET", rowCount: 0 };
  }

  /** Runs a cron job's action as one top-level statement of this (fresh) session. */
  async executeCronAction(job: CronJobDef): Promise<void> {
    const budget = Budget.fromTimeout(this.o.clock, this.statementTimeoutMs);
    if ("block" in job.action) {
      checkBlock(job.action.block, this.defs());
      runBlock(job.action.block, this.env(budget), `cron job ${job.name}`);
      return;
    }
    this.callFromSql(job.action.fn, [], budget);
  }

  /** Engine hook: calls a user function from SQL (`SELECT f(x)`); ASYNC is awaited here. */
  callFromSql(name: string, args: readonly PlValue[], budget?: Budget): PlValue {
    const fn = this.catalog.func(name, null);
    if (fn === undefined) throw new KodiakError(SqlState.undefinedFunction, `function ${name} does not exist`);
    const b = budget ?? Budget.fromTimeout(this.o.clock, this.statementTimeoutMs);
    return drive(
      callFunction(
        fn,
        args.map((value) => ({ name: null, value })),
        new Ctx(this.env(b)),
        null,
        true,
      ),
    );
  }
}
