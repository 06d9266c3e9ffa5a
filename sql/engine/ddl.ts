// DDL: CREATE/DROP TABLE, INDEX, VIEW, SCHEMA and ALTER TABLE. Each changes the catalog document
// inside the session's transaction (so DDL is transactional) and rewrites or builds the stored
// entries it affects (index builds over existing rows, column add/drop).
import { KodiakError, SqlState } from "../../util/index.js";
import {
  type CatalogData,
  type ColumnMeta,
  findIndex,
  findTable,
  findView,
  type IndexMeta,
  qualified,
  readCatalog,
  requireTable,
  type TableMeta,
  updateCatalog,
} from "../catalog/catalog.js";
import type {
  AlterTableStmt,
  CreateIndexStmt,
  CreateSchemaStmt,
  CreateTableStmt,
  CreateViewStmt,
  DropStmt,
  TableConstraint,
} from "../parser/ast.js";
import type { Env } from "../plan/context.js";
import { runNode } from "../plan/context.js";
import { bindExpr, coerce } from "../plan/expr.js";
import { Scope } from "../plan/scope.js";
import { type PlanContext, planQuery } from "../plan/select.js";
import { resolveTypeRef, T } from "../types/types.js";
import { castValue, type Row } from "../types/values.js";
import { tableChecks } from "./dml.js";
import { buildIndex, checkForeignKeys, checkRow, dropEntries, insertRow, primaryIndex, scanTable } from "./tables.js";
import type { Transaction } from "./txn.js";

const err = (code: string, msg: string, pos?: number): KodiakError =>
  new KodiakError(code, msg, pos === undefined ? {} : { position: pos + 1 });

export interface DdlResult {
  command: string;
  rowCount: number;
  notice?: string;
}

function schemaOf(c: CatalogData, schema: string | undefined, pos: number): string {
  const s = schema ?? "public";
  if (!c.schemas.includes(s)) throw err("3F000", `schema "${s}" does not exist`, pos);
  return s;
}

function relationExists(c: CatalogData, schema: string, name: string): boolean {
  return (
    findTable(c, schema, name) !== undefined ||
    findView(c, schema, name) !== undefined ||
    Object.values(c.tables).some((t) => t.schema === schema && t.indexes.some((i) => i.name === name))
  );
}

export function createTable(s: CreateTableStmt, txn: Transaction, pc: PlanContext, env: Env, nextId: () => bigint): DdlResult {
  const c = readCatalog(txn);
  const schema = schemaOf(c, s.name.schema, s.name.pos);
  if (relationExists(c, schema, s.name.name)) {
    if (s.ifNotExists) return { command: "CREATE TABLE", rowCount: 0, notice: `relation "${s.name.name}" already exists, skipping` };
    throw err(SqlState.duplicateTable, `relation "${s.name.name}" already exists`, s.name.pos);
  }
  let asRows: import("../types/values.js").Row[] | undefined;
  let columns: ColumnMeta[];
  const constraints: TableConstraint[] = [...s.constraints];
  if (s.asQuery) {
    const node = planQuery(s.asQuery, undefined, pc);
    const names = s.columns.map((x) => x.name);
    columns = node.cols
      .filter((x) => !x.hidden)
      .map((x, i) => ({
        name: names[i] ?? x.name,
        type: x.type.id === "unknown" ? T.text : x.type,
        notNull: false,
        default: undefined,
        hidden: false,
      }));
    asRows = runNode(node, env);
  } else {
    columns = s.columns.map((cd) => {
      const type = resolveTypeRef(cd.type, cd.pos + 1);
      let notNull = false;
      let def: string | undefined;
      for (const cc of cd.constraints) {
        if (cc.kind === "notNull") notNull = true;
        else if (cc.kind === "default") def = cc.text;
        else if (cc.kind === "primaryKey")
          constraints.push({ kind: "primaryKey", name: undefined, columns: [{ name: cd.name, descending: false }] });
        else if (cc.kind === "unique")
          constraints.push({ kind: "unique", name: undefined, columns: [{ name: cd.name, descending: false }] });
        else if (cc.kind === "check") constraints.push({ kind: "check", name: cc.name, expr: cc.expr, text: cc.text });
        else if (cc.kind === "references")
          constraints.push({
            kind: "foreignKey",
            name: undefined,
            columns: [cd.name],
            table: cc.table,
            refColumns: cc.columns,
            onDelete: cc.onDelete,
          });
      }
      if (cd.type.name === "serial" || cd.type.name === "bigserial") {
        notNull = true;
        def = "nextval_hidden()";
      }
      return { name: cd.name, type, notNull, default: def, hidden: false };
    });
  }
  const seen = new Set<string>();
  for (const col of columns) {
    if (seen.has(col.name)) throw err(SqlState.duplicateColumn, `column "${col.name}" specified more than once`, s.pos);
    seen.add(col.name);
  }
  if (columns.length > 1600) throw err(SqlState.tooManyColumns, "tables can have at most 1600 columns", s.pos);
  const table: TableMeta = {
    id: c.nextTableId,
    schema,
    name: s.name.name,
    columns,
    primaryKey: [],
    indexes: [],
    checks: [],
    foreignKeys: [],
    nextIndexId: 2,
  };
  const pks = constraints.filter((k) => k.kind === "primaryKey");
  if (pks.length > 1) throw err(SqlState.invalidTableDefinition, `multiple primary keys for table "${table.name}" are not allowed`, s.pos);
  const colIndex = (name: string): number => {
    const i = table.columns.findIndex((x) => x.name === name);
    if (i < 0) throw err(SqlState.undefinedColumn, `column "${name}" named in key does not exist`, s.pos);
    return i;
  };
  const pk = pks[0];
  if (pk && pk.kind === "primaryKey") {
    const cols = pk.columns.map((x) => colIndex(x.name));
    for (const i of cols) table.columns[i].notNull = true;
    table.primaryKey = cols;
    table.indexes.push({
      id: 1,
      name: pk.name ?? `${table.name}_pkey`,
      columns: cols,
      descending: pk.columns.map((x) => x.descending),
      unique: true,
      primary: true,
    });
  } else {
    table.columns.push({ name: "rowid", type: T.int8, notNull: true, default: undefined, hidden: true });
    const rid = table.columns.length - 1;
    table.primaryKey = [rid];
    table.indexes.push({ id: 1, name: `${table.name}_rowid`, columns: [rid], descending: [false], unique: true, primary: true });
  }
  for (const k of constraints) addConstraint(table, k, c, s.pos);
  validateTable(table, pc);
  updateCatalog(txn, (cat) => {
    cat.tables[qualified(schema, table.name)] = table;
    cat.nextTableId++;
  });
  if (asRows) {
    for (const r of asRows) {
      const row = table.columns.map((col, i) => (col.hidden ? nextId() : castValue(r[i], col.type, col.type)));
      insertRow(txn, table, row);
    }
    return { command: "SELECT", rowCount: asRows.length };
  }
  return { command: "CREATE TABLE", rowCount: 0 };
}

function addConstraint(table: TableMeta, k: TableConstraint, c: CatalogData, pos: number): void {
  const colIndex = (name: string): number => {
    const i = table.columns.findIndex((x) => x.name === name && !x.hidden);
    if (i < 0) throw err(SqlState.undefinedColumn, `column "${name}" named in key does not exist`, pos);
    return i;
  };
  switch (k.kind) {
    case "primaryKey":
      return;
    case "unique": {
      const cols = k.columns.map((x) => colIndex(x.name));
      if (table.indexes.some((i) => i.unique && i.columns.join() === cols.join())) return;
      const name = k.name ?? `${table.name}_${k.columns.map((x) => x.name).join("_")}_key`;
      table.indexes.push({
        id: table.nextIndexId++,
        name,
        columns: cols,
        descending: k.columns.map((x) => x.descending),
        unique: true,
        primary: false,
      });
      return;
    }
    case "check":
      table.checks.push({ name: k.name ?? `${table.name}_check${table.checks.length ? table.checks.length : ""}`, sql: k.text });
      return;
    case "foreignKey": {
      const cols = k.columns.map(colIndex);
      const self = (k.table.schema ?? "public") === table.schema && k.table.name === table.name;
      const parent = self ? table : requireTable(c, k.table.schema, k.table.name, k.table.pos + 1);
      const refCols =
        k.refColumns.length > 0 ? k.refColumns.map((n) => parent.columns.findIndex((x) => x.name === n)) : primaryIndex(parent).columns;
      if (refCols.some((x) => x < 0))
        throw err(SqlState.undefinedColumn, `column referenced in foreign key constraint does not exist`, pos);
      if (refCols.length !== cols.length)
        throw err(INVALID_FOREIGN_KEY, "number of referencing and referenced columns for foreign key disagree", pos);
      if (!parent.indexes.some((i) => i.unique && i.columns.length === refCols.length && i.columns.every((x, j) => x === refCols[j]))) {
        throw err(INVALID_FOREIGN_KEY, `there is no unique constraint matching given keys for referenced table "${parent.name}"`, pos);
      }
      table.foreignKeys.push({
        name: k.name ?? `${table.name}_${k.columns.join("_")}_fkey`,
        columns: cols,
        refTable: qualified(parent.schema, parent.name),
        refColumns: refCols,
        onDelete: k.onDelete,
      });
      return;
    }
  }
}

const INVALID_FOREIGN_KEY = "42830";

/** Binds defaults and checks once so that bad expressions fail at CREATE time (42703, 42804, ...). */
function validateTable(t: TableMeta, pc: PlanContext): void {
  const ctx = {
    planSubquery: (q: import("../parser/ast.js").Query, s: Scope) => planQuery(q, s, pc),
    paramTypes: pc.paramTypes,
    noAggregates: "check constraints",
  };
  const scope = new Scope(
    t.columns.map((c) => ({ rel: t.name, name: c.name, type: c.type })),
    undefined,
    new Map(),
  );
  for (const ch of t.checks) {
    const st = parseExpr(ch.sql);
    bindExpr(st, scope, ctx);
  }
  for (const col of t.columns) {
    if (col.default === undefined || col.default === "nextval_hidden()") continue;
    coerce(
      bindExpr(parseExpr(col.default), new Scope([], undefined, new Map()), { ...ctx, noAggregates: "DEFAULT expressions" }),
      col.type,
    );
  }
}

import { parseStatement } from "../parser/parse.js";

function parseExpr(sql: string): import("../parser/ast.js").Expr {
  const st = parseStatement(`SELECT ${sql}`).statement;
  if (st.kind === "query" && st.body.kind === "select" && st.body.items[0]?.kind === "expr") return st.body.items[0].expr;
  throw err(SqlState.syntaxError, `invalid expression: ${sql}`);
}

/** Validates CREATE INDEX and describes the new index, or the result when IF NOT EXISTS skips it. */
export function prepareIndex(s: CreateIndexStmt, c: CatalogData): { skip: DdlResult } | { table: TableMeta; index: IndexMeta } {
  const t = requireTable(c, s.table.schema, s.table.name, s.table.pos + 1);
  const name = s.name ?? `${t.name}_${s.columns.map((x) => x.name).join("_")}_idx`;
  if (relationExists(c, t.schema, name)) {
    if (s.ifNotExists) return { skip: { command: "CREATE INDEX", rowCount: 0, notice: `relation "${name}" already exists, skipping` } };
    throw err(SqlState.duplicateTable, `relation "${name}" already exists`, s.pos);
  }
  const cols = s.columns.map((x) => {
    const i = t.columns.findIndex((col) => col.name === x.name && !col.hidden);
    if (i < 0) throw err(SqlState.undefinedColumn, `column "${x.name}" does not exist`, s.pos);
    return i;
  });
  if (t.indexes.length >= 250) throw err(SqlState.programLimitExceeded, "too many indexes on one table", s.pos);
  const index: IndexMeta = {
    id: t.nextIndexId,
    name,
    columns: cols,
    descending: s.columns.map((x) => x.descending),
    unique: s.unique,
    primary: false,
  };
  return { table: t, index };
}

/** Adds an index to the catalog (`building`: not yet used by reads, maintained by writes). */
export function addIndexToCatalog(txn: Transaction, t: TableMeta, idx: IndexMeta): TableMeta {
  const updated = updateCatalog(txn, (cat) => {
    const tt = cat.tables[qualified(t.schema, t.name)];
    tt.indexes.push(idx);
    tt.nextIndexId++;
  });
  return updated.tables[qualified(t.schema, t.name)];
}

/** CREATE INDEX inside one transaction (explicit transaction blocks); see index-backfill.ts otherwise. */
export function createIndex(s: CreateIndexStmt, txn: Transaction): DdlResult {
  const p = prepareIndex(s, readCatalog(txn));
  if ("skip" in p) return p.skip;
  buildIndex(txn, addIndexToCatalog(txn, p.table, p.index), p.index);
  return { command: "CREATE INDEX", rowCount: 0 };
}

export function createView(s: CreateViewStmt, txn: Transaction, pc: PlanContext): DdlResult {
  const c = readCatalog(txn);
  const schema = schemaOf(c, s.name.schema, s.name.pos);
  const existing = findView(c, schema, s.name.name);
  if (existing && s.ifNotExists) return { command: "CREATE VIEW", rowCount: 0 };
  if ((existing && !s.orReplace) || findTable(c, schema, s.name.name))
    throw err(SqlState.duplicateTable, `relation "${s.name.name}" already exists`, s.name.pos);
  const node = planQuery(s.query, undefined, pc);
  const names = node.cols.filter((x) => !x.hidden).map((x, i) => s.columns[i] ?? x.name);
  if (s.columns.length > names.length) throw err(SqlState.syntaxError, "CREATE VIEW specifies more column names than columns", s.pos);
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) throw err(SqlState.duplicateColumn, `column "${n}" specified more than once`, s.pos);
    seen.add(n);
  }
  updateCatalog(txn, (cat) => {
    cat.views[qualified(schema, s.name.name)] = { schema, name: s.name.name, columns: names, sql: s.text };
  });
  return { command: "CREATE VIEW", rowCount: 0 };
}

export function createSchema(s: CreateSchemaStmt, txn: Transaction): DdlResult {
  const c = readCatalog(txn);
  if (c.schemas.includes(s.name)) {
    if (s.ifNotExists) return { command: "CREATE SCHEMA", rowCount: 0, notice: `schema "${s.name}" already exists, skipping` };
    throw err(SqlState.duplicateSchema, `schema "${s.name}" already exists`, s.pos);
  }
  updateCatalog(txn, (cat) => void cat.schemas.push(s.name));
  return { command: "CREATE SCHEMA", rowCount: 0 };
}

export function drop(s: DropStmt, txn: Transaction): DdlResult {
  const command = `DROP ${s.objectType.toUpperCase()}`;
  const notices: string[] = [];
  for (const n of s.names) {
    const c = readCatalog(txn);
    switch (s.objectType) {
      case "table": {
        const t = findTable(c, n.schema, n.name);
        if (!t) {
          if (findView(c, n.schema, n.name)) throw err(SqlState.wrongObjectType, `"${n.name}" is not a table`, n.pos);
          if (s.ifExists) {
            notices.push(`table "${n.name}" does not exist, skipping`);
            continue;
          }
          throw err(SqlState.undefinedTable, `table "${n.name}" does not exist`, n.pos);
        }
        const me = qualified(t.schema, t.name);
        const refs = Object.values(c.tables).filter((o) => o !== t && o.foreignKeys.some((f) => f.refTable === me));
        const views = dependentViews(c, t.schema, t.name);
        if ((refs.length > 0 || views.length > 0) && !s.cascade) {
          throw err("2BP01", `cannot drop table ${t.name} because other objects depend on it`, n.pos);
        }
        dropEntries(txn, t);
        updateCatalog(txn, (cat) => {
          for (const v of views) delete cat.views[v];
          delete cat.tables[me];
          for (const o of Object.values(cat.tables)) o.foreignKeys = o.foreignKeys.filter((f) => f.refTable !== me);
        });
        break;
      }
      case "view": {
        const v = findView(c, n.schema, n.name);
        if (!v) {
          if (findTable(c, n.schema, n.name)) throw err(SqlState.wrongObjectType, `"${n.name}" is not a view`, n.pos);
          if (s.ifExists) {
            notices.push(`view "${n.name}" does not exist, skipping`);
            continue;
          }
          throw err(SqlState.undefinedTable, `view "${n.name}" does not exist`, n.pos);
        }
        updateCatalog(txn, (cat) => void delete cat.views[qualified(v.schema, v.name)]);
        break;
      }
      case "index": {
        const hit = findIndex(c, n.schema, n.name);
        if (!hit) {
          if (s.ifExists) {
            notices.push(`index "${n.name}" does not exist, skipping`);
            continue;
          }
          throw err(SqlState.undefinedObject, `index "${n.name}" does not exist`, n.pos);
        }
        if (hit.index.primary)
          throw err("2BP01", `cannot drop index ${n.name} because constraint ${n.name} on table ${hit.table.name} requires it`, n.pos);
        dropEntries(txn, hit.table, hit.index.id);
        updateCatalog(txn, (cat) => {
          const tt = cat.tables[qualified(hit.table.schema, hit.table.name)];
          tt.indexes = tt.indexes.filter((i) => i.name !== n.name);
        });
        break;
      }
      case "schema": {
        if (!c.schemas.includes(n.name)) {
          if (s.ifExists) continue;
          throw err("3F000", `schema "${n.name}" does not exist`, n.pos);
        }
        const used = Object.values(c.tables).some((t) => t.schema === n.name) || Object.values(c.views).some((v) => v.schema === n.name);
        if (used && !s.cascade) throw err("2BP01", `cannot drop schema ${n.name} because other objects depend on it`, n.pos);
        for (const t of Object.values(c.tables)) if (t.schema === n.name) dropEntries(txn, t);
        updateCatalog(txn, (cat) => {
          cat.schemas = cat.schemas.filter((x) => x !== n.name);
          for (const k of Object.keys(cat.tables)) if (cat.tables[k].schema === n.name) delete cat.tables[k];
          for (const k of Object.keys(cat.views)) if (cat.views[k].schema === n.name) delete cat.views[k];
        });
        break;
      }
    }
  }
  return { command, rowCount: 0, notice: notices[0] };
}

/** Views (qualified keys) whose query reads the given relation, directly or through other views. */
function dependentViews(c: CatalogData, schema: string, name: string): string[] {
  const out = new Set<string>();
  const reads = (sql: string, sch: string, rel: string): boolean => {
    let found = false;
    const visit = (x: unknown): void => {
      if (found || x === null || typeof x !== "object") return;
      if (Array.isArray(x)) {
        for (const y of x) visit(y);
        return;
      }
      const node = x as { kind?: string; name?: { schema?: string; name?: string } };
      if (node.kind === "table" && node.name?.name === rel && (node.name.schema ?? "public") === sch) found = true;
      for (const v of Object.values(node)) visit(v);
    };
    try {
      visit(parseStatement(sql).statement);
    } catch {
      return false;
    }
    return found;
  };
  let frontier: [string, string][] = [[schema, name]];
  while (frontier.length > 0) {
    const next: [string, string][] = [];
    for (const [sch, rel] of frontier) {
      for (const [key, v] of Object.entries(c.views)) {
        if (out.has(key) || !reads(v.sql, sch, rel)) continue;
        out.add(key);
        next.push([v.schema, v.name]);
      }
    }
    frontier = next;
  }
  return [...out];
}

export function alterTable(s: AlterTableStmt, txn: Transaction, pc: PlanContext, env: Env): DdlResult {
  const c = readCatalog(txn);
  const t0 = findTable(c, s.table.schema, s.table.name);
  if (!t0) {
    if (s.ifExists) return { command: "ALTER TABLE", rowCount: 0, notice: `relation "${s.table.name}" does not exist, skipping` };
    requireTable(c, s.table.schema, s.table.name, s.table.pos + 1);
    return { command: "ALTER TABLE", rowCount: 0 };
  }
  for (const a of s.actions) {
    const cat = readCatalog(txn);
    const key = qualified(t0.schema, t0.name);
    const t = structuredClone(cat.tables[key] ?? Object.values(cat.tables).find((x) => x.id === t0.id)!);
    const oldKey = qualified(t.schema, t.name);
    const rows = scanTable(txn, t);
    switch (a.kind) {
      case "addColumn": {
        if (t.columns.some((x) => x.name === a.column.name && !x.hidden)) {
          if (a.ifNotExists) continue;
          throw err(SqlState.duplicateColumn, `column "${a.column.name}" of relation "${t.name}" already exists`, s.pos);
        }
        const type = resolveTypeRef(a.column.type, a.column.pos + 1);
        const def = a.column.constraints.find((x) => x.kind === "default");
        const notNull = a.column.constraints.some((x) => x.kind === "notNull");
        const col: ColumnMeta = {
          name: a.column.name,
          type,
          notNull,
          default: def?.kind === "default" ? def.text : undefined,
          hidden: false,
        };
        // Keep the hidden row id last: insert the new column before it.
        const hiddenAt = t.columns.findIndex((x) => x.hidden);
        const at = hiddenAt >= 0 ? hiddenAt : t.columns.length;
        let value: import("../types/values.js").Value = null;
        if (col.default !== undefined)
          value = coerce(
            bindExpr(parseExpr(col.default), new Scope([], undefined, new Map()), {
              planSubquery: (q, sc) => planQuery(q, sc, pc),
              paramTypes: [],
            }),
            type,
          ).fn([], env);
        if (notNull && value === null && rows.length > 0)
          throw err(SqlState.notNullViolation, `column "${col.name}" of relation "${t.name}" contains null values`, s.pos);
        t.columns.splice(at, 0, col);
        const shift = (i: number) => (i >= at ? i + 1 : i);
        remapColumns(t, shift);
        rewrite(txn, cat.tables[oldKey], t, rows, (r) => [...r.slice(0, at), value, ...r.slice(at)]);
        for (const k of a.column.constraints) {
          if (k.kind === "unique" || k.kind === "primaryKey") {
            const idx: IndexMeta = {
              id: t.nextIndexId++,
              name: `${t.name}_${col.name}_key`,
              columns: [at],
              descending: [false],
              unique: true,
              primary: false,
            };
            t.indexes.push(idx);
            buildIndex(txn, t, idx);
          }
        }
        break;
      }
      case "dropColumn": {
        const at = t.columns.findIndex((x) => x.name === a.name && !x.hidden);
        if (at < 0) {
          if (a.ifExists) continue;
          throw err(SqlState.undefinedColumn, `column "${a.name}" of relation "${t.name}" does not exist`, s.pos);
        }
        if (t.indexes.some((i) => i.primary && i.columns.includes(at)))
          throw err("2BP01", `cannot drop column ${a.name} because it is part of the primary key`, s.pos);
        t.columns.splice(at, 1);
        t.indexes = t.indexes.filter((i) => !i.columns.includes(at));
        t.foreignKeys = t.foreignKeys.filter((f) => !f.columns.includes(at));
        t.checks = t.checks.filter((ch) => !new RegExp(`\\b${a.name}\\b`).test(ch.sql));
        remapColumns(t, (i) => (i > at ? i - 1 : i));
        dropEntries(txn, cat.tables[oldKey]);
        for (const r of rows) insertRow(txn, t, [...r.slice(0, at), ...r.slice(at + 1)]);
        break;
      }
      case "renameColumn": {
        const col = t.columns.find((x) => x.name === a.from && !x.hidden);
        if (!col) throw err(SqlState.undefinedColumn, `column "${a.from}" does not exist`, s.pos);
        if (t.columns.some((x) => x.name === a.to))
          throw err(SqlState.duplicateColumn, `column "${a.to}" of relation "${t.name}" already exists`, s.pos);
        col.name = a.to;
        t.checks = t.checks.map((ch) => ({ ...ch, sql: ch.sql.replace(new RegExp(`\\b${a.from}\\b`, "g"), a.to) }));
        break;
      }
      case "renameTable": {
        if (relationExists(cat, t.schema, a.to)) throw err(SqlState.duplicateTable, `relation "${a.to}" already exists`, s.pos);
        t.name = a.to;
        break;
      }
      case "alterColumn": {
        const col = t.columns.find((x) => x.name === a.name && !x.hidden);
        if (!col) throw err(SqlState.undefinedColumn, `column "${a.name}" of relation "${t.name}" does not exist`, s.pos);
        if (a.action === "setDefault") col.default = a.text;
        else if (a.action === "dropDefault") col.default = undefined;
        else if (a.action === "dropNotNull") col.notNull = false;
        else {
          const i = t.columns.indexOf(col);
          if (rows.some((r) => r[i] === null))
            throw err(SqlState.notNullViolation, `column "${a.name}" of relation "${t.name}" contains null values`, s.pos);
          col.notNull = true;
        }
        break;
      }
      case "addConstraint": {
        if (a.constraint.kind === "primaryKey") {
          addPrimaryKey(
            txn,
            cat.tables[oldKey],
            t,
            a.constraint.columns.map((c) => c.name),
            a.constraint.name,
            rows,
            s.pos,
          );
          break;
        }
        if (a.constraint.kind === "check") {
          // Existing rows must satisfy a new CHECK constraint.
          addConstraint(t, a.constraint, cat, s.pos);
          const checks = tableChecks(t, pc, env);
          for (const r of rows) checkRow(t, r, checks);
          break;
        }
        if (a.constraint.kind === "foreignKey") {
          addConstraint(t, a.constraint, cat, s.pos);
          const updatedCat = { ...cat, tables: { ...cat.tables, [oldKey]: t } };
          for (const r of rows) checkForeignKeys(txn, updatedCat, t, r);
          break;
        }
        addConstraint(t, a.constraint, cat, s.pos);
        const added = t.indexes[t.indexes.length - 1];
        if (a.constraint.kind === "unique" && added && !cat.tables[oldKey].indexes.some((i) => i.id === added.id))
          buildIndex(txn, t, added);
        break;
      }
    }
    validateTable(t, pc);
    updateCatalog(txn, (cc) => {
      delete cc.tables[oldKey];
      cc.tables[qualified(t.schema, t.name)] = t;
      if (oldKey !== qualified(t.schema, t.name)) {
        for (const o of Object.values(cc.tables))
          for (const f of o.foreignKeys) if (f.refTable === oldKey) f.refTable = qualified(t.schema, t.name);
      }
    });
  }
  return { command: "ALTER TABLE", rowCount: 0 };
}

/** ALTER TABLE ... ADD PRIMARY KEY on a table keyed by its hidden row id: re-keys every row. */
function addPrimaryKey(
  txn: Transaction,
  oldT: TableMeta,
  t: TableMeta,
  names: readonly string[],
  name: string | undefined,
  rows: Row[],
  pos: number,
): void {
  const hidden = t.columns.findIndex((c) => c.hidden);
  if (hidden < 0) throw err(SqlState.invalidTableDefinition, `multiple primary keys for table "${t.name}" are not allowed`, pos);
  const cols = names.map((n) => {
    const i = t.columns.findIndex((c) => c.name === n && !c.hidden);
    if (i < 0) throw err(SqlState.undefinedColumn, `column "${n}" of relation "${t.name}" does not exist`, pos);
    return i;
  });
  for (const i of cols) t.columns[i].notNull = true;
  t.columns.splice(hidden, 1);
  const map = (i: number) => (i > hidden ? i - 1 : i);
  t.indexes = t.indexes.filter((i) => !i.primary);
  remapColumns(t, map);
  const pkCols = cols.map(map);
  t.primaryKey = pkCols;
  t.indexes.unshift({
    id: 1,
    name: name ?? `${t.name}_pkey`,
    columns: pkCols,
    descending: pkCols.map(() => false),
    unique: true,
    primary: true,
  });
  dropEntries(txn, oldT);
  for (const r of rows) {
    const nr = [...r.slice(0, hidden), ...r.slice(hidden + 1)];
    checkRow(t, nr, undefined);
    insertRow(txn, t, nr);
  }
}

function remapColumns(t: TableMeta, map: (i: number) => number): void {
  t.primaryKey = t.primaryKey.map(map);
  for (const i of t.indexes) i.columns = i.columns.map(map);
  for (const f of t.foreignKeys) f.columns = f.columns.map(map);
}

function rewrite(
  txn: Transaction,
  oldT: TableMeta,
  newT: TableMeta,
  rows: import("../types/values.js").Row[],
  f: (r: import("../types/values.js").Row) => import("../types/values.js").Row,
): void {
  dropEntries(txn, oldT);
  for (const r of rows) insertRow(txn, newT, f(r));
}
