// Glue between the SQL engine's Session (sql/engine/session.ts) and PL-Grizzly: splits a script
// into PL statements and SQL statements (with `{name}` bound as parameters), runs PL statements
// inside the engine's transaction, and gives PL code a SqlHost over that transaction. The
// Session keeps transaction control; this file never commits or rolls back.

import type { SqlValue, StatementResult } from "../api.js";
import { systemClock } from "../../util/index.js";
import { fromSqlValue, typeOfSqlType } from "../engine/convert.js";
import type { PlNode, Statement } from "../parser/ast.js";
import { parseStatement } from "../parser/parse.js";
import type { DataType } from "../types/types.js";
import type { Value } from "../types/values.js";
import type { TopStmt } from "./ast.js";
import { Budget } from "./budget.js";
import type { PlEngineServices } from "./engine-services.js";
import { type ActivePl, withActivePl } from "./engine-bridge.js";
import type { BoundParam, HostResult, SqlHost } from "./host.js";
import { rowTypeOf } from "./dml-triggers.js";
import { CONFIG_PARAMETERS, PlSession } from "./session.js";
import { TriggerRuntime } from "./triggers.js";

/** A PL statement handed to the engine: the engine's PlNode plus the parsed PL statement. */
export interface PlStatementNode extends PlNode {
  readonly top: TopStmt;
}

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

  constructor(services: PlEngineServices, host: SqlHost) {
    this.pl = new PlSession({ host, catalog: services.catalog, clock: systemClock, runCronAction: (name) => services.runNow(name) });
    this.triggers = new TriggerRuntime(services.catalog);
  }

  /** Session.run: each statement of the script, PL or SQL, through the engine's runStatement. */
  async *run(script: string, signal: AbortSignal | undefined, runStatement: RunStatement): AsyncIterable<StatementResult> {
    for (const top of this.pl.parse(script)) {
      if (top.kind === "alterCron" && top.op === "RUN NOW") {
        yield await this.pl.runNow(top.name);
        continue;
      }
      if (top.kind === "setVar" && top.target.length === 1 && CONFIG_PARAMETERS.has(top.target[0]!)) {
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
  ): StatementResult {
    const top = (st as PlStatementNode).top;
    const rowType = (table: string) => {
      const cols = tableColumns(table);
      return cols === undefined ? undefined : rowTypeOf(cols);
    };
    return this.pl.executeTop(top, signal, this.hostFor(exec, mark, restore), rowType);
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
  active<R>(signal: AbortSignal | undefined, host: SqlHost, fn: () => R): R {
    const ctx: ActivePl = {
      env: this.pl.env(Budget.fromTimeout(systemClock, this.pl.statementTimeoutMs, signal), host),
      triggers: this.triggers,
    };
    return withActivePl(ctx, fn);
  }
}
