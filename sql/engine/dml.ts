// INSERT (VALUES/SELECT, DEFAULT, ON CONFLICT DO NOTHING/UPDATE, RETURNING), UPDATE (… FROM,
// RETURNING) and DELETE (… USING, RETURNING). Rows are computed first, then written, so a
// statement never sees its own writes; constraint failures abort the statement.
import { plAfterRows, plBeforeRow } from "../pl/dml-triggers.js";
import { PL_SYSTEM_TABLES } from "../pl/system-tables.js";
import { KodiakError, SqlState } from "../../util/index.js";
import { type CatalogData, type TableMeta, findView, requireTable } from "../catalog/catalog.js";
import type { DeleteStmt, Expr, FromItem, InsertStmt, SelectItem, UpdateStmt } from "../parser/ast.js";
import { parseStatement } from "../parser/parse.js";
import type { BoundExpr, Col, Env, Fn, PlanNode } from "../plan/context.js";
import { runNode } from "../plan/context.js";
import { bindExpr, boolOperand, coerce } from "../plan/expr.js";
import { Scope } from "../plan/scope.js";
import { DEFAULT_VALUE, type PlanContext, planQuery, planSelect, planValues } from "../plan/select.js";
import { T } from "../types/types.js";
import { castValue, type Row, type Value } from "../types/values.js";
import {
  applyDeleteActions,
  checkForeignKeys,
  checkNotReferenced,
  checkRow,
  deleteRow,
  findConflict,
  insertRow,
  rowKey,
  type TableChecks,
  updateRow,
} from "./tables.js";

export interface DmlResult {
  rowCount: number;
  columns: Col[] | undefined;
  rows: Row[] | undefined;
}

const err = (code: string, msg: string, pos: number): KodiakError => new KodiakError(code, msg, { position: pos + 1 });

function tableScopeCols(t: TableMeta, alias: string): Col[] {
  return t.columns.map((c) => ({ rel: alias, name: c.name, type: c.type, hidden: c.hidden }));
}

function ctxOf(pc: PlanContext) {
  return { planSubquery: (q: import("../parser/ast.js").Query, s: Scope) => planQuery(q, s, pc), paramTypes: pc.paramTypes };
}

export function tableChecks(t: TableMeta, pc: PlanContext, env: Env): TableChecks {
  const scope = new Scope(tableScopeCols(t, t.name), undefined, new Map());
  const checks = t.checks.map((c) => {
    const st = parseStatement(`SELECT ${c.sql}`).statement;
    const e = st.kind === "query" && st.body.kind === "select" && st.body.items[0].kind === "expr" ? st.body.items[0].expr : undefined;
    if (!e) throw new KodiakError(SqlState.internalError, `bad check constraint ${c.name}`);
    return { name: c.name, fn: boolOperand(bindExpr(e, scope, { ...ctxOf(pc), noAggregates: "check constraints" }), "CHECK").fn };
  });
  return { checks, env };
}

/** Bound DEFAULT expressions per column (NULL when none; hidden row ids get fresh ids). */
export function columnDefaults(t: TableMeta, pc: PlanContext, nextId: (sequence?: string) => bigint): ((env: Env) => Value)[] {
  const empty = new Scope([], undefined, new Map());
  return t.columns.map((c) => {
    if (c.hidden) return () => nextId();
    if (c.default === undefined) return () => null;
    if (c.default === "nextval_hidden()") {
      const int4 = c.type.id !== "int8";
      const seq = `${t.id}.${c.name}`;
      return () => (int4 ? Number(nextId(seq)) : nextId(seq));
    }
    const st = parseStatement(`SELECT ${c.default}`).statement;
    const e = st.kind === "query" && st.body.kind === "select" && st.body.items[0].kind === "expr" ? st.body.items[0].expr : undefined;
    if (!e) return () => null;
    const b = coerce(bindExpr(e, empty, { ...ctxOf(pc), noAggregates: "DEFAULT expressions" }), c.type);
    return (env) => b.fn([], env);
  });
}

function returning(
  items: readonly SelectItem[] | undefined,
  t: TableMeta,
  alias: string,
  rows: Row[],
  pc: PlanContext,
  env: Env,
): { columns: Col[]; rows: Row[] } | undefined {
  if (!items) return undefined;
  const cols = tableScopeCols(t, alias);
  const source: PlanNode = { label: "rows", detail: "", cols, children: [], run: () => rows };
  const core = {
    kind: "select" as const,
    pos: 0,
    distinct: false,
    distinctOn: undefined,
    items,
    from: [],
    where: undefined,
    groupBy: [],
    having: undefined,
    windows: [],
  };
  // Plan the RETURNING list as a SELECT over the affected rows.
  const outer = new Scope(cols, undefined, new Map());
  const node = planSelectOver(source, core, outer, pc);
  return { columns: node.cols.filter((c) => !c.hidden) as Col[], rows: runNode(node, env) };
}

function planSelectOver(source: PlanNode, core: Parameters<typeof planSelect>[0], scope: Scope, pc: PlanContext): PlanNode {
  // Bind the items directly in the table's scope.
  const items = core.items.flatMap((it): { e: Expr; name: string }[] => {
    if (it.kind === "star")
      return source.cols
        .filter((c) => !c.hidden)
        .map((c) => ({ e: { kind: "column", pos: it.pos, parts: [c.name] } as Expr, name: c.name }));
    return [
      {
        e: it.expr,
        name:
          it.alias ??
          (it.expr.kind === "column" ? it.expr.parts[it.expr.parts.length - 1] : it.expr.kind === "func" ? it.expr.name : "?column?"),
      },
    ];
  });
  const bound = items.map((i) => bindExpr(i.e, scope, { ...ctxOf(pc), noAggregates: "RETURNING" }));
  const cols: Col[] = items.map((i, k) => ({
    rel: undefined,
    name: i.name,
    type: bound[k].type.id === "unknown" ? T.text : bound[k].type,
  }));
  return {
    label: "Result",
    detail: "",
    cols,
    children: [source],
    run: (env) => source.run(env).map((r) => bound.map((b) => b.fn(r, env))),
  };
}

function targetTable(catalog: CatalogData, name: { schema: string | undefined; name: string; pos: number }, verb: string): TableMeta {
  const v = findView(catalog, name.schema, name.name);
  if (v) throw err(SqlState.objectNotInPrerequisiteState, `cannot ${verb} view "${name.name}"`, name.pos);
  if (!name.schema && PL_SYSTEM_TABLES.has(name.name))
    throw err(SqlState.insufficientPrivilege, `permission denied: ${name.name} is read-only`, name.pos); // PL-Grizzly
  return requireTable(catalog, name.schema, name.name, name.pos + 1);
}

export function executeInsert(s: InsertStmt, pc: PlanContext, env: Env, nextId: (sequence?: string) => bigint): DmlResult {
  const t = targetTable(pc.catalog, s.table, "insert into");
  const alias = s.alias ?? t.name;
  const visible = t.columns.map((c, i) => ({ c, i })).filter((x) => !x.c.hidden);
  let targets: number[];
  if (s.columns) {
    targets = s.columns.map((n) => {
      const i = t.columns.findIndex((c) => c.name === n && !c.hidden);
      if (i < 0) throw err(SqlState.undefinedColumn, `column "${n}" of relation "${t.name}" does not exist`, s.pos);
      return i;
    });
    const dup = targets.find((x, k) => targets.indexOf(x) !== k);
    if (dup !== undefined) throw err(SqlState.duplicateColumn, `column "${t.columns[dup].name}" specified more than once`, s.pos);
  } else targets = visible.map((x) => x.i);
  let source: PlanNode | undefined;
  if (s.source) {
    const body = s.source.body;
    if (body.kind === "values" && !s.source.orderBy.length && !s.source.limit && !s.source.with) {
      source = planValues(
        body.rows,
        new Scope([], undefined, new Map()),
        pc,
        targets.map((i) => t.columns[i].type),
      );
    } else source = planQuery(s.source, undefined, pc);
    const width = source.cols.filter((c) => !c.hidden).length;
    if (width > targets.length) throw err(SqlState.syntaxError, "INSERT has more expressions than target columns", s.source.pos);
    if (width < targets.length && s.columns)
      throw err(SqlState.syntaxError, "INSERT has more target columns than expressions", s.source.pos);
    targets = targets.slice(0, width);
  }
  const defaults = columnDefaults(t, pc, nextId);
  const checks = tableChecks(t, pc, env);
  const srcRows = source ? runNode(source, env) : [[]];
  const srcTypes = source ? source.cols.map((c) => c.type) : [];
  const newRows: Row[] = [];
  for (const src of srcRows) {
    const row: Row = new Array(t.columns.length);
    const set = new Array<boolean>(t.columns.length).fill(false);
    for (let k = 0; k < targets.length; k++) {
      const i = targets[k];
      const v = src[k];
      if ((v as unknown) === DEFAULT_VALUE) continue;
      try {
        row[i] = castValue(v, srcTypes[k] ?? T.unknown, t.columns[i].type);
      } catch (e) {
        if (e instanceof KodiakError && e.code === SqlState.cannotCoerce) {
          throw err(
            SqlState.datatypeMismatch,
            `column "${t.columns[i].name}" is of type ${t.columns[i].type.id} but expression is of type ${srcTypes[k].id}`,
            s.source?.pos ?? s.pos,
          );
        }
        throw e;
      }
      set[i] = true;
    }
    for (let i = 0; i < t.columns.length; i++) if (!set[i]) row[i] = defaults[i](env);
    newRows.push(row);
  }
  const written: Row[] = [];
  const oc = s.onConflict;
  let upd: { sets: { col: number; fn: Fn }[]; where: Fn | undefined } | undefined;
  if (oc?.action === "update") {
    const cols = [...tableScopeCols(t, alias), ...tableScopeCols(t, "excluded")];
    const scope = new Scope(cols, undefined, new Map());
    upd = {
      sets: oc.set.flatMap((sc) =>
        sc.columns.map((name, k) => {
          const col = t.columns.findIndex((c) => c.name === name);
          if (col < 0) throw err(SqlState.undefinedColumn, `column "${name}" of relation "${t.name}" does not exist`, sc.pos);
          const e = sc.values[k];
          const fn: Fn = e.kind === "default" ? () => null : coerce(bindExpr(e, scope, ctxOf(pc)), t.columns[col].type).fn;
          return { col, fn };
        }),
      ),
      where: oc.where ? boolOperand(bindExpr(oc.where, scope, ctxOf(pc)), "WHERE").fn : undefined,
    };
  }
  const targetIndex =
    oc && oc.target.length > 0
      ? t.indexes.find(
          (i) =>
            i.unique && i.columns.length === oc.target.length && oc.target.every((n) => i.columns.some((c) => t.columns[c].name === n)),
        )
      : undefined;
  if (oc && oc.target.length > 0 && !targetIndex) {
    throw err(SqlState.invalidColumnReference, "there is no unique or exclusion constraint matching the ON CONFLICT specification", s.pos);
  }
  const touched = new Set<string>();
  for (const row0 of newRows) {
    const row = plBeforeRow(t, "INSERT", null, row0); // PL-Grizzly BEFORE triggers (sql/pl)
    if (row === null) continue;
    checkRow(t, row, checks);
    if (oc) {
      const c = findConflict(env.txn, t, row, targetIndex);
      if (c) {
        if (oc.action === "nothing") continue;
        const k = Buffer.from(rowKey(t, c.existing)).toString("latin1");
        if (touched.has(k)) {
          throw new KodiakError(SqlState.cardinalityViolation, "ON CONFLICT DO UPDATE command cannot affect row a second time");
        }
        const both = [...c.existing, ...row];
        if (upd!.where && upd!.where(both, env) !== true) continue;
        const nr = c.existing.slice();
        for (const st of upd!.sets) nr[st.col] = st.fn(both, env);
        checkRow(t, nr, checks);
        checkForeignKeys(env.txn, pc.catalog, t, nr);
        updateRow(env.txn, t, c.existing, nr);
        touched.add(Buffer.from(rowKey(t, nr)).toString("latin1"));
        written.push(nr);
        continue;
      }
    }
    checkForeignKeys(env.txn, pc.catalog, t, row);
    insertRow(env.txn, t, row);
    // Only ON CONFLICT DO UPDATE asks which rows this statement wrote.
    if (oc) touched.add(Buffer.from(rowKey(t, row)).toString("latin1"));
    written.push(row);
  }
  plAfterRows(
    t,
    "INSERT",
    written.map((r) => ({ old: null, new: r })),
  ); // PL-Grizzly AFTER triggers
  const ret = returning(s.returning, t, alias, written, pc, env);
  return { rowCount: written.length, columns: ret?.columns, rows: ret?.rows };
}

/** Rows of the target table matching WHERE (joined with FROM/USING items), deduplicated by key. */
function targetRows(
  t: TableMeta,
  alias: string,
  extra: readonly FromItem[],
  where: Expr | undefined,
  pc: PlanContext,
  env: Env,
): { node: PlanNode; rows: Row[] } {
  const items: FromItem[] = [
    { kind: "table", pos: 0, name: { schema: t.schema, name: t.name, pos: 0 }, alias: { name: alias, columns: [] } },
    ...extra,
  ];
  const core = {
    kind: "select" as const,
    pos: 0,
    distinct: false,
    distinctOn: undefined,
    items: [{ kind: "star" as const, pos: 0, qualifier: undefined }],
    from: items,
    where,
    groupBy: [],
    having: undefined,
    windows: [],
  };
  // Plan FROM/WHERE only; the star list is replaced by the raw joined rows.
  const node = planSelectRaw(core, pc);
  const seen = new Set<string>();
  const rows: Row[] = [];
  for (const r of runNode(node, env)) {
    const k = Buffer.from(rowKey(t, r)).toString("latin1");
    if (seen.has(k)) continue;
    seen.add(k);
    rows.push(r);
  }
  return { node, rows };
}

function planSelectRaw(core: Parameters<typeof planSelect>[0], pc: PlanContext): PlanNode {
  // A SELECT * over the join includes hidden columns only through this wrapper: project all raw columns.
  const node = planSelect({ ...core, items: [] }, [], new Scope([], undefined, new Map()), pc);
  return node.children[0] ?? node;
}

export function executeUpdate(s: UpdateStmt, pc: PlanContext, env: Env): DmlResult {
  const t = targetTable(pc.catalog, s.table, "update");
  const alias = s.alias ?? t.name;
  const { node, rows } = targetRows(t, alias, s.from, s.where, pc, env);
  const scope = new Scope(node.cols, undefined, new Map());
  const sets: { col: number; fn: Fn }[] = [];
  for (const sc of s.set) {
    sc.columns.forEach((name, k) => {
      const col = t.columns.findIndex((c) => c.name === name && !c.hidden);
      if (col < 0) throw err(SqlState.undefinedColumn, `column "${name}" of relation "${t.name}" does not exist`, sc.pos);
      const e = sc.values[k];
      let fn: Fn;
      if (e.kind === "default") {
        const d = columnDefaults(t, pc, () => 0n)[col];
        fn = (_r, en) => d(en);
      } else {
        const b: BoundExpr = bindExpr(e, scope, { ...ctxOf(pc), noAggregates: "UPDATE" });
        fn = assignFn(b, t, col, sc.pos);
      }
      sets.push({ col, fn });
    });
  }
  const checks = tableChecks(t, pc, env);
  const n = t.columns.length;
  const pending = rows
    .map((r) => {
      const old = r.slice(0, n);
      const nr = old.slice();
      for (const st of sets) nr[st.col] = st.fn(r, env);
      return { old, nr };
    })
    .flatMap((p) => {
      const nr = plBeforeRow(t, "UPDATE", p.old, p.nr); // PL-Grizzly BEFORE triggers (sql/pl)
      return nr === null ? [] : [{ old: p.old, nr }];
    });
  const pkCols = t.indexes.find((i) => i.primary)!.columns;
  const hasRefs = Object.values(pc.catalog.tables).some((c) => c.foreignKeys.some((f) => f.refTable === `${t.schema}.${t.name}`));
  for (const { old } of pending) deleteRowForUpdate(env, t, old);
  for (const { old, nr } of pending) {
    checkRow(t, nr, checks);
    checkForeignKeys(env.txn, pc.catalog, t, nr);
    if (hasRefs && pkCols.some((c) => String(old[c]) !== String(nr[c]))) checkNotReferenced(env.txn, pc.catalog, t, old);
    insertRow(env.txn, t, nr);
  }
  plAfterRows(
    t,
    "UPDATE",
    pending.map((p) => ({ old: p.old, new: p.nr })),
  ); // PL-Grizzly AFTER triggers
  const ret = returning(
    s.returning,
    t,
    alias,
    pending.map((p) => p.nr),
    pc,
    env,
  );
  return { rowCount: pending.length, columns: ret?.columns, rows: ret?.rows };
}

function deleteRowForUpdate(env: Env, t: TableMeta, old: Row): void {
  deleteRow(env.txn, t, old);
}

function assignFn(b: BoundExpr, t: TableMeta, col: number, pos: number): Fn {
  const to = t.columns[col].type;
  const from = b.type;
  const f = b.fn;
  return (r, env) => {
    try {
      return castValue(f(r, env), from, to);
    } catch (e) {
      if (e instanceof KodiakError && e.code === SqlState.cannotCoerce) {
        throw err(
          SqlState.datatypeMismatch,
          `column "${t.columns[col].name}" is of type ${to.id} but expression is of type ${from.id}`,
          pos,
        );
      }
      throw e;
    }
  };
}

export function executeDelete(s: DeleteStmt, pc: PlanContext, env: Env): DmlResult {
  const t = targetTable(pc.catalog, s.table, "delete from");
  const alias = s.alias ?? t.name;
  const { rows } = targetRows(t, alias, s.using, s.where, pc, env);
  const n = t.columns.length;
  const old = rows.map((r) => r.slice(0, n)).filter((r) => plBeforeRow(t, "DELETE", r, null) !== null); // PL-Grizzly BEFORE triggers
  const hasRefs = Object.values(pc.catalog.tables).some((c) => c.foreignKeys.some((f) => f.refTable === `${t.schema}.${t.name}`));
  for (const r of old) {
    // Delete first so a self-referencing cascade does not find the row itself again.
    deleteRow(env.txn, t, r);
    if (hasRefs) applyDeleteActions(env.txn, pc.catalog, t, r);
  }
  plAfterRows(
    t,
    "DELETE",
    old.map((r) => ({ old: r, new: null })),
  ); // PL-Grizzly AFTER triggers
  const ret = returning(s.returning, t, alias, old, pc, env);
  return { rowCount: old.length, columns: ret?.columns, rows: ret?.rows };
}

/**
 * Binds a DML statement's WHERE, SET and VALUES expressions without running anything, so the
 * parameter types of a prepared INSERT/UPDATE/DELETE are known at Parse time (pc.paramTypes).
 */
export function describeDmlParams(s: InsertStmt | UpdateStmt | DeleteStmt, pc: PlanContext): void {
  const t = targetTable(pc.catalog, s.table, s.kind === "insert" ? "insert into" : s.kind === "update" ? "update" : "delete from");
  const alias = s.alias ?? t.name;
  if (s.kind === "insert") {
    if (!s.source) return;
    const body = s.source.body;
    const targets = s.columns
      ? s.columns.map((n) => t.columns.findIndex((c) => c.name === n && !c.hidden))
      : t.columns.map((c, i) => (c.hidden ? -1 : i)).filter((i) => i >= 0);
    if (body.kind === "values" && !s.source.orderBy.length && !s.source.limit && !s.source.with) {
      // A bare $n as a VALUES item takes its target column's type, as in PostgreSQL.
      for (const r of body.rows) {
        r.forEach((e, k) => {
          const to = t.columns[targets[k] ?? -1]?.type;
          if (e.kind !== "param" || to === undefined) return;
          while (pc.paramTypes.length < e.index) pc.paramTypes.push(undefined);
          const cur = pc.paramTypes[e.index - 1];
          if (cur === undefined || cur.id === "unknown") pc.paramTypes[e.index - 1] = to;
        });
      }
      planValues(
        body.rows,
        new Scope([], undefined, new Map()),
        pc,
        targets.map((i) => t.columns[i]?.type ?? T.unknown),
      );
    } else planQuery(s.source, undefined, pc);
    return;
  }
  const items: FromItem[] = [
    { kind: "table", pos: 0, name: { schema: t.schema, name: t.name, pos: 0 }, alias: { name: alias, columns: [] } },
    ...(s.kind === "update" ? s.from : s.using),
  ];
  const core = {
    kind: "select" as const,
    pos: 0,
    distinct: false,
    distinctOn: undefined,
    items: [{ kind: "star" as const, pos: 0, qualifier: undefined }],
    from: items,
    where: s.where,
    groupBy: [],
    having: undefined,
    windows: [],
  };
  const node = planSelectRaw(core, pc);
  if (s.kind !== "update") return;
  const scope = new Scope(node.cols, undefined, new Map());
  for (const sc of s.set) {
    sc.columns.forEach((name, k) => {
      const e = sc.values[k];
      const col = t.columns.findIndex((c) => c.name === name && !c.hidden);
      if (col < 0 || e.kind === "default") return;
      const b = bindExpr(e, scope, { ...ctxOf(pc), noAggregates: "UPDATE" });
      if (b.type.id === "unknown") b.inferType?.(t.columns[col].type);
    });
  }
}

/** Result columns of a DML statement's RETURNING list (binds the target and list without running). */
export function describeReturning(s: InsertStmt | UpdateStmt | DeleteStmt, pc: PlanContext): Col[] {
  const t = targetTable(pc.catalog, s.table, "modify");
  const alias = s.alias ?? t.name;
  if (!s.returning) return [];
  const cols = tableScopeCols(t, alias);
  const source: PlanNode = { label: "rows", detail: "", cols, children: [], run: () => [] };
  const core = {
    kind: "select" as const,
    pos: 0,
    distinct: false,
    distinctOn: undefined,
    items: s.returning,
    from: [],
    where: undefined,
    groupBy: [],
    having: undefined,
    windows: [],
  };
  return [...planSelectOver(source, core, new Scope(cols, undefined, new Map()), pc).cols];
}

/** Inserts rows given as PostgreSQL text fields (COPY FROM): parses each field with its column's type. */
export function insertTextRows(
  t: TableMeta,
  columns: readonly string[],
  rows: readonly (readonly (string | null)[])[],
  pc: PlanContext,
  env: Env,
  nextId: (sequence?: string) => bigint,
): number {
  const targets = columns.map((n) => {
    const i = t.columns.findIndex((c) => c.name === n && !c.hidden);
    if (i < 0) throw new KodiakError(SqlState.undefinedColumn, `column "${n}" of relation "${t.name}" does not exist`);
    return i;
  });
  const defaults = columnDefaults(t, pc, nextId);
  const checks = tableChecks(t, pc, env);
  let line = 0;
  for (const fields of rows) {
    line++;
    if (fields.length !== targets.length) {
      throw new KodiakError(
        "22P04",
        `${fields.length < targets.length ? "missing data" : "extra data after last expected column"} (COPY line ${line})`,
      );
    }
    const row: Row = new Array(t.columns.length);
    const set = new Array<boolean>(t.columns.length).fill(false);
    for (let k = 0; k < targets.length; k++) {
      const f = fields[k];
      row[targets[k]] = f === null ? null : castValue(f, T.unknown, t.columns[targets[k]].type);
      set[targets[k]] = true;
    }
    for (let i = 0; i < t.columns.length; i++) if (!set[i]) row[i] = defaults[i](env);
    checkRow(t, row, checks);
    checkForeignKeys(env.txn, pc.catalog, t, row);
    insertRow(env.txn, t, row);
  }
  return rows.length;
}
