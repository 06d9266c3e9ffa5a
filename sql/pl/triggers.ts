// Row triggers (section 12) for the engine's DML executor to call: BEFORE triggers per row
// (may change NEW, skip the row with RETURN NULL, replace it with RETURN row, or RAISE), AFTER
// triggers after the statement's rows are written (NEW/OLD read-only: 55000). Nesting of
// triggers firing triggers is bounded (54001 beyond depth 16). No storage access here.

import { SqlState } from "../../util/index.js";
import type { Block } from "./ast.js";
import { assign } from "./cast.js";
import type { MemoryCatalog, TriggerDef } from "./catalog.js";
import { Ctx, type PlEnv, Signal } from "./context.js";
import { PlError } from "./errors.js";
import { evalExpr, requireBool } from "./expr.js";
import { drive, type Gen } from "./gen.js";
import { Scope } from "./scope.js";
import { execBlock } from "./stmt.js";
import { T } from "./types.js";
import { mk, type PlValue } from "./values.js";

export const TRIGGER_DEPTH_MAX = 16;

export type TriggerOp = "INSERT" | "UPDATE" | "DELETE";

export interface RowChange {
  readonly old: PlValue | null;
  readonly new: PlValue | null;
}

/** Per-session trigger state: the current nesting depth across nested DML. */
export class TriggerRuntime {
  private depth = 0;

  constructor(
    /** The definitions in effect; the engine swaps it per statement. */
    public catalog: MemoryCatalog,
  ) {}

  /** Triggers of a table for an event and timing, in name order. */
  triggersFor(table: string, op: TriggerOp, timing: "BEFORE" | "AFTER"): TriggerDef[] {
    return this.catalog.triggersOn(table).filter((t) => t.timing === timing && t.events.includes(op));
  }

  /**
   * Runs BEFORE triggers for one row. Returns the row to write (NEW, or OLD for DELETE), or
   * null when a trigger skipped it with RETURN NULL.
   */
  before(table: string, op: TriggerOp, row: RowChange, env: PlEnv): PlValue | null {
    let current: RowChange = row;
    for (const t of this.triggersFor(table, op, "BEFORE")) {
      const r = drive(this.fire(t, op, current, env, false));
      if (r.skip) return null;
      current = op === "DELETE" ? current : { old: current.old, new: r.row };
    }
    return op === "DELETE" ? current.old : current.new;
  }

  /** Runs AFTER triggers for the statement's rows: row order, then trigger-name order. */
  after(table: string, op: TriggerOp, rows: readonly RowChange[], env: PlEnv): void {
    const triggers = this.triggersFor(table, op, "AFTER");
    if (triggers.length === 0) return;
    for (const row of rows) for (const t of triggers) drive(this.fire(t, op, row, env, true));
  }

  private *fire(t: TriggerDef, op: TriggerOp, row: RowChange, env: PlEnv, after: boolean): Gen<{ skip: boolean; row: PlValue | null }> {
    const ctx = new Ctx(env);
    const root = new Scope(null);
    const rowType = (row.new ?? row.old)?.t ?? T.unknown;
    root.declare("new", { type: rowType, value: row.new ?? mk(rowType, null), frozen: after });
    root.declare("old", { type: rowType, value: row.old ?? mk(rowType, null), frozen: after });
    root.declare("tg_op", { type: T.text, value: mk(T.text, op) });
    root.declare("tg_when", { type: T.text, value: mk(T.text, after ? "AFTER" : "BEFORE") });
    root.declare("tg_table_name", { type: T.text, value: mk(T.text, t.table) });
    if (t.when !== null && requireBool((yield evalExpr(t.when, root, ctx)) as PlValue, "WHEN") !== true)
      return { skip: false, row: row.new };
    if (this.depth + 1 > TRIGGER_DEPTH_MAX) {
      throw new PlError(
        SqlState.statementTooComplex,
        `trigger nesting depth limit (${TRIGGER_DEPTH_MAX}) exceeded by trigger ${t.name} on ${t.table}`,
      );
    }
    const body = this.body(t);
    ctx.frames.push({ label: `trigger ${t.name} on ${t.table}`, line: body.at?.line ?? 0, col: body.at?.col ?? 0 });
    this.depth++;
    let returned: Signal | null = null;
    try {
      (yield execBlock(body, new Scope(root), ctx)) as PlValue;
    } catch (e) {
      if (!(e instanceof Signal)) throw e;
      returned = e;
    } finally {
      this.depth--;
      ctx.frames.pop();
    }
    const newRow = root.lookup("new")!.value;
    if (after || returned === null || returned.kind !== "return" || returned.value === null) return { skip: false, row: newRow };
    if (returned.value.v === null) return { skip: true, row: null };
    return { skip: false, row: assign(returned.value, rowType) };
  }

  private body(t: TriggerDef): Block {
    if ("block" in t.action) return t.action.block;
    const fn = this.catalog.func(t.action.fn, null);
    if (fn === undefined) throw new PlError(SqlState.undefinedFunction, `function ${t.action.fn}() does not exist`);
    return fn.def.body;
  }
}
