// Row storage for one table: primary-key rows and secondary index entries (covering: each index
// entry holds the whole row), with uniqueness, NOT NULL, CHECK and FOREIGN KEY enforcement.
// All writes go through the transaction's buffer; nothing here commits.
import { KodiakError, SqlState } from "../../util/index.js";
import { type CatalogData, type IndexMeta, type TableMeta, findTable } from "../catalog/catalog.js";
import { decodeRow, encodeRow } from "../catalog/rowcodec.js";
import { encodeKey, prefixEnd, tablePrefix } from "../kv/index.js";
import type { DataType } from "../types/types.js";
import type { Env, Fn } from "../plan/context.js";
import type { Row, Value } from "../types/values.js";
import type { Transaction } from "./txn.js";

export function primaryIndex(t: TableMeta): IndexMeta {
  return t.indexes.find((i) => i.primary)!;
}

export function colTypes(t: TableMeta, cols: readonly number[]): DataType[] {
  return cols.map((c) => t.columns[c].type);
}

export function rowKey(t: TableMeta, row: readonly Value[]): Uint8Array {
  const pk = primaryIndex(t);
  return encodeKey(
    t.id,
    pk.id,
    pk.columns.map((c) => row[c]),
    colTypes(t, pk.columns),
    pk.descending,
  );
}

export function indexKey(t: TableMeta, idx: IndexMeta, row: readonly Value[]): Uint8Array {
  const pk = primaryIndex(t);
  const vals = [...idx.columns.map((c) => row[c]), ...pk.columns.map((c) => row[c])];
  const desc = [...idx.descending, ...pk.columns.map(() => false)];
  return encodeKey(t.id, idx.id, vals, colTypes(t, [...idx.columns, ...pk.columns]), desc);
}

export interface TableChecks {
  /** Bound CHECK constraints over the table's row. */
  readonly checks: readonly { name: string; fn: Fn }[];
  readonly env: Env;
}

function uniqueViolation(t: TableMeta, idx: IndexMeta, row: readonly Value[]): KodiakError {
  const cols = idx.columns.map((c) => t.columns[c].name).join(", ");
  const vals = idx.columns.map((c) => String(row[c])).join(", ");
  return new KodiakError(SqlState.uniqueViolation, `duplicate key value violates unique constraint "${idx.name}"`, {
    detail: `Key (${cols})=(${vals}) already exists.`,
  });
}

/** The unique index (and existing row) a new row would conflict with, if any. */
export function findConflict(
  txn: Transaction,
  t: TableMeta,
  row: readonly Value[],
  only?: IndexMeta,
): { index: IndexMeta; existing: Row } | undefined {
  for (const idx of t.indexes) {
    if (!idx.unique || (only && idx !== only)) continue;
    if (idx.primary) {
      // A hidden row id is allocated fresh for every new row: no read (and no read-set entry) needed.
      if (idx.columns.length === 1 && t.columns[idx.columns[0]].hidden) continue;
      const hit = txn.get(rowKey(t, row));
      if (hit) return { index: idx, existing: decodeRow(hit) };
      continue;
    }
    const vals = idx.columns.map((c) => row[c]);
    if (vals.some((v) => v === null)) continue;
    const start = encodeKey(t.id, idx.id, vals, colTypes(t, idx.columns), idx.descending);
    for (const e of txn.scan({ start, end: prefixEnd(start) })) return { index: idx, existing: decodeRow(e.value) };
  }
  return undefined;
}

export function checkRow(t: TableMeta, row: readonly Value[], checks: TableChecks | undefined): void {
  for (let i = 0; i < t.columns.length; i++) {
    const c = t.columns[i];
    if (c.notNull && row[i] === null) {
      throw new KodiakError(
        SqlState.notNullViolation,
        `null value in column "${c.name}" of relation "${t.name}" violates not-null constraint`,
      );
    }
  }
  if (checks) {
    for (const ch of checks.checks) {
      if (ch.fn(row as Row, checks.env) === false) {
        throw new KodiakError(SqlState.checkViolation, `new row for relation "${t.name}" violates check constraint "${ch.name}"`);
      }
    }
  }
}

/** FOREIGN KEY: every non-null referencing tuple must exist in the referenced table. */
export function checkForeignKeys(txn: Transaction, catalog: CatalogData, t: TableMeta, row: readonly Value[]): void {
  for (const fk of t.foreignKeys) {
    const vals = fk.columns.map((c) => row[c]);
    if (vals.some((v) => v === null)) continue;
    const [schema, name] = fk.refTable.split(".");
    const parent = findTable(catalog, schema, name);
    if (!parent) continue;
    if (!referencedRowExists(txn, parent, fk.refColumns, vals)) {
      throw new KodiakError(
        SqlState.foreignKeyViolation,
        `insert or update on table "${t.name}" violates foreign key constraint "${fk.name}"`,
        {
          detail: `Key (${fk.columns.map((c) => t.columns[c].name).join(", ")})=(${vals.join(", ")}) is not present in table "${parent.name}".`,
        },
      );
    }
  }
}

function referencedRowExists(txn: Transaction, parent: TableMeta, cols: readonly number[], vals: readonly Value[]): boolean {
  const idx = parent.indexes.find((i) => !i.building && i.columns.length === cols.length && i.columns.every((c, k) => c === cols[k]));
  if (idx?.primary) return txn.get(encodeKey(parent.id, idx.id, vals as Value[], colTypes(parent, cols), idx.descending)) !== undefined;
  if (idx) {
    const start = encodeKey(parent.id, idx.id, vals as Value[], colTypes(parent, cols), idx.descending);
    for (const _e of txn.scan({ start, end: prefixEnd(start) })) return true;
    return false;
  }
  return scanTable(txn, parent).some((r) => cols.every((c, k) => r[c] !== null && String(r[c]) === String(vals[k])));
}

/** Rows of other tables referencing this row block its deletion (NO ACTION/RESTRICT). */
export function checkNotReferenced(txn: Transaction, catalog: CatalogData, t: TableMeta, row: readonly Value[]): void {
  const me = `${t.schema}.${t.name}`;
  for (const child of Object.values(catalog.tables)) {
    for (const fk of child.foreignKeys) {
      if (fk.refTable !== me) continue;
      const vals = fk.refColumns.map((c) => row[c]);
      if (vals.some((v) => v === null)) continue;
      const hit = scanTable(txn, child).some((r) => fk.columns.every((c, k) => r[c] !== null && String(r[c]) === String(vals[k])));
      if (hit) {
        throw new KodiakError(
          SqlState.foreignKeyViolation,
          `update or delete on table "${t.name}" violates foreign key constraint "${fk.name}" on table "${child.name}"`,
          {
            detail: `Key (${fk.refColumns.map((c) => t.columns[c].name).join(", ")})=(${vals.join(", ")}) is still referenced from table "${child.name}".`,
          },
        );
      }
    }
  }
}

/** Bound on cascaded deletes through ON DELETE CASCADE chains (54000 beyond). */
const CASCADE_DEPTH_MAX = 64;

/**
 * Before deleting a referenced row: ON DELETE CASCADE deletes referencing rows (recursively), SET
 * NULL clears their key columns, SET DEFAULT is treated as SET NULL for key columns without a
 * default; NO ACTION/RESTRICT fail with 23503 if any referencing row exists.
 */
export function applyDeleteActions(txn: Transaction, catalog: CatalogData, t: TableMeta, row: readonly Value[], depth = 0): void {
  if (depth > CASCADE_DEPTH_MAX) throw new KodiakError(SqlState.programLimitExceeded, "foreign key cascade is nested too deeply");
  const me = `${t.schema}.${t.name}`;
  for (const child of Object.values(catalog.tables)) {
    for (const fk of child.foreignKeys) {
      if (fk.refTable !== me) continue;
      const action = fk.onDelete ?? "noAction";
      if (action === "noAction" || action === "restrict") continue;
      const vals = fk.refColumns.map((c) => row[c]);
      if (vals.some((v) => v === null)) continue;
      const refs = scanTable(txn, child).filter((r) => fk.columns.every((c, k) => r[c] !== null && String(r[c]) === String(vals[k])));
      for (const r of refs) {
        if (action === "cascade") {
          applyDeleteActions(txn, catalog, child, r, depth + 1);
          deleteRow(txn, child, r);
        } else {
          const nr = r.slice();
          for (const c of fk.columns) nr[c] = null;
          checkRow(child, nr, undefined);
          updateRow(txn, child, r, nr);
        }
      }
    }
  }
  checkNotReferenced(txn, catalog, t, row);
}

export function scanTable(txn: Transaction, t: TableMeta): Row[] {
  const pk = primaryIndex(t);
  const start = encodeKey(t.id, pk.id, [], []);
  const out: Row[] = [];
  for (const e of txn.scan({ start, end: prefixEnd(start) })) out.push(decodeRow(e.value));
  return out;
}

/** Writes a new row (caller has checked constraints); 23505 if a unique key exists. */
export function insertRow(txn: Transaction, t: TableMeta, row: readonly Value[]): void {
  const conflict = findConflict(txn, t, row);
  if (conflict) throw uniqueViolation(t, conflict.index, row);
  writeEntries(txn, t, row);
}

function writeEntries(txn: Transaction, t: TableMeta, row: readonly Value[]): void {
  const bytes = encodeRow(row);
  for (const idx of t.indexes) txn.put(idx.primary ? rowKey(t, row) : indexKey(t, idx, row), bytes);
}

export function deleteRow(txn: Transaction, t: TableMeta, row: readonly Value[]): void {
  for (const idx of t.indexes) txn.put(idx.primary ? rowKey(t, row) : indexKey(t, idx, row), null);
}

export function updateRow(txn: Transaction, t: TableMeta, oldRow: readonly Value[], newRow: readonly Value[]): void {
  deleteRow(txn, t, oldRow);
  const conflict = findConflict(txn, t, newRow);
  if (conflict) throw uniqueViolation(t, conflict.index, newRow);
  writeEntries(txn, t, newRow);
}

/** Builds a new index over the table's existing rows (23505 if a unique index finds duplicates). */
export function buildIndex(txn: Transaction, t: TableMeta, idx: IndexMeta): void {
  const rows = scanTable(txn, t);
  const seen = new Set<string>();
  for (const row of rows) {
    if (idx.unique) {
      const vals = idx.columns.map((c) => row[c]);
      if (!vals.some((v) => v === null)) {
        const k = Buffer.from(encodeKey(t.id, idx.id, vals, colTypes(t, idx.columns))).toString("latin1");
        if (seen.has(k)) throw uniqueViolation(t, idx, row);
        seen.add(k);
      }
    }
    txn.put(indexKey(t, idx, row), encodeRow(row));
  }
}

/** Deletes every key of an index (or of the whole table when indexId is undefined). */
/**
 * ALTER TABLE ADD PRIMARY KEY on a table keyed by its hidden row id: drops the row id column and
 * rewrites every entry under the new key. Uniqueness is checked in memory (the scan of the whole
 * table is in the read set, and the catalog change conflicts with every concurrent writer), so a
 * large table costs one write per entry and no per-row reads.
 */
export function rekeyByPrimaryKey(txn: Transaction, oldT: TableMeta, newT: TableMeta, rows: readonly Row[], drop: number): void {
  const pk = primaryIndex(newT);
  const seen = new Set<string>();
  const out: Row[] = [];
  for (const r of rows) {
    const row = [...r.slice(0, drop), ...r.slice(drop + 1)];
    for (const c of pk.columns) {
      if (row[c] === null) {
        throw new KodiakError(
          SqlState.notNullViolation,
          `column "${newT.columns[c].name}" of relation "${newT.name}" contains null values`,
        );
      }
    }
    const k = Buffer.from(rowKey(newT, row)).toString("latin1");
    if (seen.has(k)) throw uniqueViolation(newT, pk, row);
    seen.add(k);
    out.push(row);
  }
  dropEntries(txn, oldT);
  for (const row of out) writeEntries(txn, newT, row);
}

export function dropEntries(txn: Transaction, t: TableMeta, indexId?: number): void {
  const start = indexId === undefined ? tablePrefix(t.id) : encodeKey(t.id, indexId, [], []);
  const keys: Uint8Array[] = [];
  for (const e of txn.scan({ start, end: prefixEnd(start) })) keys.push(e.key);
  for (const k of keys) txn.put(k, null);
}
