// DML executor hooks (called from sql/engine/dml.ts): converts table rows to and from PL STRUCT
// values and runs the table's BEFORE / AFTER row triggers through the active session's
// TriggerRuntime. With no PL session active (or no triggers) rows pass through unchanged.

import type { ColumnMeta, TableMeta } from "../catalog/catalog.js";
import { fromSqlValue as engineFromSql, toSqlValue as engineToSql } from "../engine/convert.js";
import { toSqlType } from "../types/types.js";
import type { Row } from "../types/values.js";
import { activePl } from "./engine-bridge.js";
import { fromSqlValue, plTypeOf } from "./sqlconv.js";
import type { TriggerOp } from "./triggers.js";
import { anonStruct, type PlType } from "./types.js";
import { asStruct, type PlValue, structValue, toSqlValue } from "./values.js";

const visible = (t: TableMeta): ColumnMeta[] => t.columns.filter((c) => !c.hidden);

export function rowTypeOf(columns: readonly { name: string; type: import("../types/types.js").DataType }[]): PlType {
  return anonStruct(columns.map((c) => ({ name: c.name, type: plTypeOf(toSqlType(c.type)) })));
}

function toStruct(t: TableMeta, rt: PlType, row: Row): PlValue {
  const fields = new Map<string, PlValue>();
  t.columns.forEach((c, i) => {
    if (!c.hidden) fields.set(c.name, fromSqlValue(engineToSql(row[i] ?? null), plTypeOf(toSqlType(c.type))));
  });
  return structValue(rt, fields);
}

function fromStruct(t: TableMeta, v: PlValue, template: Row): Row {
  const f = asStruct(v).fields;
  return t.columns.map((c, i) =>
    c.hidden ? (template[i] ?? null) : engineFromSql(toSqlValue(f.get(c.name) ?? { t: { k: "unknown" }, v: null }), c.type),
  );
}

function hasTriggers(t: TableMeta, op: TriggerOp, timing: "BEFORE" | "AFTER"): boolean {
  const pl = activePl();
  return pl !== undefined && pl.triggers.triggersFor(t.name, op, timing).length > 0;
}

/** BEFORE row triggers: the row to write (possibly changed), or null when a trigger skipped it. */
export function plBeforeRow(t: TableMeta, op: TriggerOp, old: Row | null, row: Row | null): Row | null {
  if (!hasTriggers(t, op, "BEFORE")) return op === "DELETE" ? old : row;
  const pl = activePl()!;
  const rt = rowTypeOf(visible(t));
  const out = pl.triggers.before(
    t.name,
    op,
    { old: old === null ? null : toStruct(t, rt, old), new: row === null ? null : toStruct(t, rt, row) },
    pl.env,
  );
  if (out === null) return null;
  return fromStruct(t, out, (op === "DELETE" ? old : row) ?? []);
}

/** AFTER row triggers for the statement's written rows, in row order. */
export function plAfterRows(t: TableMeta, op: TriggerOp, rows: readonly { old: Row | null; new: Row | null }[]): void {
  if (rows.length === 0 || !hasTriggers(t, op, "AFTER")) return;
  const pl = activePl()!;
  const rt = rowTypeOf(visible(t));
  pl.triggers.after(
    t.name,
    op,
    rows.map((r) => ({ old: r.old === null ? null : toStruct(t, rt, r.old), new: r.new === null ? null : toStruct(t, rt, r.new) })),
    pl.env,
  );
}
