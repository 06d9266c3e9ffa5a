// Glue between the SQL engine's Session (sql/engine/session.ts) and PL-Grizzly: splits a script
// into PL statements and SQL statements (with `{name}` bound as parameters), runs PL statements
// inside the engine's transaction, and gives PL code a SqlHost over that transaction. The
// Session keeps transaction control; this file never commits or rolls back.

import type { SqlValue, StatementResult } from "../api.js";
import { SqlState } from "../../util/index.js";
import { fromSqlValue, typeOfSqlType } from "../engine/convert.js";
import type { PlNode, Statement } from "../parser/ast.js";
import { parseStatement } from "../parser/parse.js";
import type { DataType } from "../types/types.js";
import type { Value } from "../types/values.js";
import type { TopStmt } from "./ast.js";
import { Budget } from "./budget.js";
import type { CatalogData } from "../catalog/catalog.js";
import type { MemoryCatalog } from "./catalog.js";
import type { PlEngineServices } from "./engine-services.js";
import { definitionChange, type StoredDefinitions } from "./stored-definitions.js";
import { type ActivePl, withActivePl } from "./engine-bridge.js";
import type { BoundParam, HostResult, SqlHost } from "./host.js";
import { rowTypeOf } from "./dml-triggers.js";
import { PlError } from "./errors.js";
import { isConfigParameter, PlSession } from "./session.js";
import { TriggerRuntime } from "./triggers.js";

/** A PL statement handed to the engine: the engine's PlNode plus the parsed PL statement. */
export interface PlStatementNode extends PlNode {
  readonly top: TopStmt;
}

const DDL_KINDS: ReadonlySet<TopStmt["kind"]> = new Set([
  "createType",
  "dropType",
  "createFunction",
  "dropFunction",
  "createTrigger",
  "dropTrigger",
  "createCron",
  "dropCron",
  "alterCron",
]);

export type RunStatement = (st: Statement, params: Value[], types: DataType[]) => Promise<StatementResult>;
/** Runs SQL text synchronously in the current transaction (the engine's executeIn). */
export type ExecInTxn = (sql: string, params: Value[], types: DataType[]) => StatementResult;

function toEngine(params: readonly BoundParam[]): { values: Value[]; types: DataType[] } {
  const types = params.map((p) => typeOfSqlType(p.type));
  return { values: params.map((p, i) => fromSqlValue(p.value, types[i]!)), types };
}

export class PlEngineAdapter {
  readonly pl: PlSession;
  private readonly triggers: TriggerRuntime;

  constructor(
    private readonly services: PlEngineServices,
    host: SqlHost,
  ) {
    const catalog = services.catalogFor(undefined);
    this.pl = new PlSession({ host, catalog, clock: services.clock, runCronAction: (name) => services.runNow(name) });
    this.triggers = new TriggerRuntime(catalog);
  }

  /** Puts the definitions of `data` (the statement's catalog version) in effect. */
  private use(catalog: MemoryCatalog): void {
    this.pl.catalog = catalog;
    this.triggers.catalog = catalog;
  }

  /** Session.run: each statement of the script, PL or SQL, through the engine's runStatement. */
  async *run(script: string, signal: AbortSignal | undefined, runStatement: RunStatement): AsyncIterable<StatementResult> {
    for (const top of this.pl.parse(script)) {
      if (top.kind === "alterCron" && top.op === "RUN NOW") {
        // Runs outside this session's transaction, against the committed definitions.
        if (!this.services.latest().cronJobs.has(top.name)) {
          throw new PlError(SqlState.undefinedObject, `cron job "${top.name}" does not exist`);
        }
        await this.services.runNow(top.name);
        yield { command: "ALTER CRON JOB", rowCount: 0 };
        continue;
      }
      if (top.kind === "setVar" && top.target.length === 1 && isConfigParameter(top.target[0]!)) {
        this.pl.executeTop(top, signal);
        const text = top.at === undefined ? "" : `SET ${top.target[0]} = ${this.configValue(top)}`;
        if (top.target[0] !== "max_call_depth") {
          yield await runStatement(parseStatement(text).statement, [], []);
          continue;
        }
        yield { command: "SET", rowCount: 0 };
        continue;
      }
      if (top.kind === "sql" && (top.select === undefined || !top.select.some((i) => i.plSyntax))) {
        const { text, params } = this.pl.bindSql(top);
        const { values, types } = toEngine(params);
        yield await runStatement(parseStatement(text).statement, values, types);
        continue;
      }
      const node: PlStatementNode = { kind: "pl", pos: 0, text: "", top };
      yield await runStatement(node, [], []);
    }
  }

  private configValue(top: Extract<TopStmt, { kind: "setVar" }>): string {
    const e = top.e;
    if (e.kind === "lit" && e.value.v !== null) return `'${String(e.value.v).replace(/'/g, "''")}'`;
    return "DEFAULT";
  }

  /** Session.executeIn, case "pl": runs the PL statement in the current transaction. */
  execute(
    st: PlNode,
    exec: ExecInTxn,
    mark: () => unknown,
    restore: (m: unknown) => void,
    signal: AbortSignal | undefined,
    tableColumns: (table: string) => readonly { name: string; type: DataType }[] | undefined,
    catalogData: CatalogData,
    store: (change: (defs: StoredDefinitions) => void) => void,
  ): StatementResult {
    const top = (st as PlStatementNode).top;
    const rowType = (table: string) => {
      const cols = tableColumns(table);
      return cols === undefined ? undefined : rowTypeOf(cols);
    };
    // PL DDL runs against a private copy; its effect is stored in the engine's catalog (same
    // transaction), from which later statements rebuild their definitions.
    const ddl = DDL_KINDS.has(top.kind);
    const catalog = ddl ? this.services.fresh(catalogData) : this.services.catalogFor(catalogData);
    const saved = this.pl.catalog;
    this.use(catalog);
    try {
      const r = this.pl.executeTop(top, signal, this.hostFor(exec, mark, restore), rowType);
      const change = ddl ? definitionChange(top, catalog) : undefined;
      if (change !== undefined) store(change);
      return r;
    } finally {
      this.use(saved);
    }
  }

  /** A SqlHost over the engine's current transaction. */
  hostFor(exec: ExecInTxn, mark: () => unknown, restore: (m: unknown) => void): SqlHost {
    const marks = new Map<string, unknown>();
    let next = 0;
    return {
      execute: (sql, params): HostResult => {
        const { values, types } = toEngine(params);
        const r = exec(sql, values, types);
        const out: { columns?: HostResult["columns"]; rows?: readonly (readonly SqlValue[])[]; rowCount: number } = {
          rowCount: r.rowCount,
        };
        if (r.columns !== undefined) {
          out.columns = r.columns;
          out.rows = r.rows ?? [];
        }
        return out;
      },
      savepoint: () => {
        const id = `pl_sp_${++next}`;
        marks.set(id, mark());
        return id;
      },
      rollbackToSavepoint: (id) => restore(marks.get(id)),
      releaseSavepoint: (id) => {
        marks.delete(id);
      },
    };
  }

  /** Makes this session's PL context active while the engine executes a statement. */
  active<R>(signal: AbortSignal | undefined, host: SqlHost, catalogData: CatalogData, fn: () => R): R {
    this.use(this.services.catalogFor(catalogData));
    const ctx: ActivePl = {
      env: this.pl.env(Budget.fromTimeout(this.services.clock, this.pl.statementTimeoutMs, signal), host),
      triggers: this.triggers,
    };
    return withActivePl(ctx, fn);
  }
}
