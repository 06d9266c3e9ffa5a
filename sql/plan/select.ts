// Plans queries: FROM (tables, views, CTEs, subqueries, joins) with predicate push-down, index
// selection and hash joins; WHERE; GROUP BY/HAVING with hash aggregation; window functions;
// SELECT list; DISTINCT [ON]; set operations; ORDER BY; LIMIT/OFFSET. Produces PlanNode trees.
import { systemRelation } from "../pg-catalog-engine.js";
import { plSystemTable } from "../pl/system-tables.js";
import { KodiakError, SqlState } from "../../util/index.js";
import { type CatalogData, findTable, findView, type TableMeta } from "../catalog/catalog.js";
import { parseStatement } from "../parser/parse.js";
import type { Expr, FromItem, FuncExpr, Query, QueryBody, SelectCore, SelectItem, SortItem } from "../parser/ast.js";
import { commonType, type DataType, T } from "../types/types.js";
import { castValue, type Row } from "../types/values.js";
import { chooseAccessPath, fullRange } from "./access.js";
import { type AggSpec, AggregateNode } from "./aggregate.js";
import { type BoundExpr, type Col, checkInterrupt, type Env, type Fn, type PlanNode } from "./context.js";
import { aggregateResultType, type BindContext, bindExpr, boolOperand, coerce } from "./expr.js";
import { isAggregateName, isWindowName } from "./functions.js";
import {
  FilterNode,
  FunctionScanNode,
  LimitNode,
  MaterializeNode,
  NestedLoopJoinNode,
  ProjectNode,
  RenameNode,
  ScanNode,
  SetOpNode,
  type SortKey,
  ValuesNode,
} from "./nodes.js";
import { blockColumnNames, referencedNames, scanProjection } from "./columns-used.js";
// The planner's sorts, hash joins and DISTINCTs are the work_mem-bounded (spilling) variants.
import { SpillingDistinctNode as DistinctNode, SpillingHashJoinNode as HashJoinNode, SpillingSortNode as SortNode } from "./spill/index.js";
import { planSubplan } from "./subplans.js";
import { planSetFunction, TABLE_FUNCTIONS, withOrdinality } from "./table-functions.js";
import { type CteBinding, exprKey, type GroupingContext, Scope } from "./scope.js";
import { WindowNode, type WindowSpecBound } from "./window.js";

export interface PlanContext {
  readonly catalog: CatalogData;
  readonly paramTypes: (DataType | undefined)[];
  /** Nesting depth guard for views and subqueries (54001 beyond). */
  depth: number;
}

const MAX_PLAN_DEPTH = 64;
const err = (code: string, msg: string, pos: number): KodiakError => new KodiakError(code, msg, { position: pos + 1 });

function bindCtx(pc: PlanContext, noAggregates?: string): BindContext {
  return {
    planSubquery: (q, scope) => planSubplan(() => planQuery(q, scope, pc), scope),
    paramTypes: pc.paramTypes,
    noAggregates,
  };
}

export function planQuery(q: Query, outer: Scope | undefined, pc: PlanContext): PlanNode {
  if (++pc.depth > MAX_PLAN_DEPTH) throw err(SqlState.statementTooComplex, "query is nested too deeply", q.pos);
  try {
    let scope = outer;
    if (q.with) scope = bindCtes(q, outer, pc);
    const ctesScope = scope ?? new Scope([], undefined, new Map());
    let node: PlanNode;
    if (q.body.kind === "select") node = planSelect(q.body, q.orderBy, ctesScope, pc);
    else {
      node = planBody(q.body, ctesScope, pc);
      if (q.orderBy.length > 0) node = orderByOutput(node, q.orderBy, ctesScope, pc);
    }
    if (q.limit || q.offset) {
      const scope0 = new Scope([], ctesScope, new Map());
      const lim = q.limit ? coerce(bindExpr(q.limit, scope0, bindCtx(pc, "LIMIT")), T.int8) : undefined;
      const off = q.offset ? coerce(bindExpr(q.offset, scope0, bindCtx(pc, "OFFSET")), T.int8) : undefined;
      node = new LimitNode(node, lim?.fn, off?.fn);
    }
    return node;
  } finally {
    pc.depth--;
  }
}

function bindCtes(q: Query, outer: Scope | undefined, pc: PlanContext): Scope {
  const ctes = new Map<string, CteBinding>();
  const scope = new Scope([], outer, ctes);
  for (const cte of q.with?.ctes ?? []) {
    const key = {};
    let node: PlanNode;
    if (
      q.with?.recursive &&
      cte.query.body.kind === "setOp" &&
      cte.query.body.op === "union" &&
      referencesName(cte.query.body.right, cte.name)
    ) {
      node = planRecursiveCte(cte.name, cte.columns, cte.query.body.left, cte.query.body.right, cte.query.body.all, scope, ctes, pc);
    } else {
      node = planQuery(cte.query, scope, pc);
    }
    const cols = renameCols(node.cols, cte.columns, cte.name, cte.pos);
    const mat = new MaterializeNode(node, cols, cte.name, key);
    ctes.set(cte.name, { name: cte.name, cols, node: () => mat });
  }
  return scope;
}

function referencesName(b: QueryBody, name: string): boolean {
  return JSON.stringify(b).includes(`"name":${JSON.stringify(name)}`);
}

function planRecursiveCte(
  name: string,
  columns: readonly string[],
  seed: QueryBody,
  step: QueryBody,
  all: boolean,
  scope: Scope,
  ctes: Map<string, CteBinding>,
  pc: PlanContext,
): PlanNode {
  const seedNode = planBody(seed, scope, pc);
  const cols = renameCols(
    seedNode.cols.map((c) => ({ ...c, type: c.type.id === "unknown" ? T.text : c.type })),
    columns,
    name,
    0,
  );
  const workKey = {};
  const work: PlanNode = new FunctionScanNode(
    `WorkTable Scan on ${name}`,
    cols,
    (env) => (env.cache.get(workKey) as Row[] | undefined) ?? [],
  );
  ctes.set(name, { name, cols, node: () => work });
  const stepNode = planBody(step, scope, pc);
  ctes.delete(name);
  const MAX_ITERATIONS = 1_000_000;
  return new FunctionScanNode(`Recursive Union on ${name}`, cols, (env) => {
    const seen = new Set<string>();
    const out: Row[] = [];
    const addAll = (rows: Row[]): Row[] => {
      const fresh: Row[] = [];
      for (const r0 of rows) {
        const r = r0.map((v, i) => castValue(v, i < stepNode.cols.length ? stepNode.cols[i].type : cols[i].type, cols[i].type));
        if (!all) {
          const k = JSON.stringify(r, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : v));
          if (seen.has(k)) continue;
          seen.add(k);
        }
        fresh.push(r);
        out.push(r);
      }
      return fresh;
    };
    let frontier = addAll(seedNode.run(env));
    for (let i = 0; frontier.length > 0; i++) {
      checkInterrupt(env);
      if (i > MAX_ITERATIONS || out.length > 10_000_000)
        throw new KodiakError(SqlState.programLimitExceeded, `recursive query "${name}" exceeded ${MAX_ITERATIONS} iterations`);
      env.cache.set(workKey, frontier);
      const stepEnv: Env = { ...env, cache: new Map([[workKey, frontier]]) };
      frontier = addAll(stepNode.run(stepEnv));
    }
    return out;
  });
}

function renameCols(cols: readonly Col[], names: readonly string[], rel: string, pos: number): Col[] {
  if (names.length > cols.length)
    throw err(
      SqlState.invalidColumnReference,
      `table "${rel}" has ${cols.length} columns available but ${names.length} columns specified`,
      pos,
    );
  return cols.filter((c) => !c.hidden).map((c, i) => ({ rel, name: names[i] ?? c.name, type: c.type.id === "unknown" ? T.text : c.type }));
}

function planBody(b: QueryBody, scope: Scope, pc: PlanContext): PlanNode {
  switch (b.kind) {
    case "select":
      return planSelect(b, [], scope, pc);
    case "nested":
      return planQuery(b.query, scope, pc);
    case "values":
      return planValues(b.rows, scope, pc);
    case "setOp":
      return planSetOp(b, scope, pc);
  }
}

export function planValues(rows: readonly (readonly Expr[])[], scope: Scope, pc: PlanContext, targetTypes?: readonly DataType[]): PlanNode {
  const inner = new Scope([], scope, new Map());
  const bound = rows.map((r) => r.map((e) => (e.kind === "default" ? undefined : bindExpr(e, inner, bindCtx(pc, "VALUES")))));
  const width = rows[0]?.length ?? 0;
  for (const r of rows) if (r.length !== width) throw err(SqlState.syntaxError, "VALUES lists must all be the same length", r[0]?.pos ?? 0);
  const types: DataType[] = [];
  for (let c = 0; c < width; c++) {
    let t: DataType = targetTypes?.[c] ?? T.unknown;
    if (!targetTypes) {
      for (const r of bound) {
        const x = r[c];
        if (!x) continue;
        const ct = commonType(t, x.type);
        if (!ct) throw err(SqlState.datatypeMismatch, `VALUES types ${t.id} and ${x.type.id} cannot be matched`, x.pos);
        t = ct;
      }
      if (t.id === "unknown") t = T.text;
    }
    types.push(t);
  }
  const fns = bound.map((r) => r.map((x, c): Fn => (x ? (targetTypes ? x.fn : coerce(x, types[c]).fn) : DEFAULT_MARKER)));
  const cols = types.map((t, i) => ({ rel: undefined, name: `column${i + 1}`, type: targetTypes ? (bound[0][i]?.type ?? t) : t }));
  return new ValuesNode(cols, fns);
}

/** Placeholder value for DEFAULT inside INSERT ... VALUES; replaced by the column default. */
export const DEFAULT_VALUE = Symbol("default");
export const DEFAULT_MARKER: Fn = () => DEFAULT_VALUE as unknown as null;

function planSetOp(b: Extract<QueryBody, { kind: "setOp" }>, scope: Scope, pc: PlanContext): PlanNode {
  const left = planBody(b.left, scope, pc);
  const right = planBody(b.right, scope, pc);
  const lc = left.cols.filter((c) => !c.hidden);
  const rc = right.cols.filter((c) => !c.hidden);
  if (lc.length !== rc.length)
    throw err(SqlState.syntaxError, `each ${b.op.toUpperCase()} query must have the same number of columns`, b.pos);
  const types = lc.map((c, i) => {
    const t = commonType(c.type, rc[i].type);
    if (!t) throw err(SqlState.datatypeMismatch, `${b.op.toUpperCase()} types ${c.type.id} and ${rc[i].type.id} cannot be matched`, b.pos);
    return t.id === "unknown" ? T.text : t;
  });
  const cast = (from: readonly Col[]) => (r: Row) => types.map((t, i) => castValue(r[i], from[i].type, t));
  return new SetOpNode(
    left,
    right,
    b.op,
    b.all,
    lc.map((c, i) => ({ rel: undefined, name: c.name, type: types[i] })),
    cast(lc),
    cast(rc),
  );
}

/** ORDER BY over the output of a set operation or VALUES: by output name or ordinal (or an expression over output columns). */
function orderByOutput(node: PlanNode, orderBy: readonly SortItem[], outer: Scope, pc: PlanContext): PlanNode {
  const scope = new Scope(
    node.cols.map((c) => ({ ...c, rel: undefined })),
    outer,
    new Map(),
  );
  const extra: Fn[] = [];
  const keys: SortKey[] = [];
  const width = node.cols.length;
  for (const s of orderBy) {
    let idx: number | undefined;
    if (s.expr.kind === "literal" && s.expr.value.type === "int") {
      idx = Number(s.expr.value.text) - 1;
      if (idx < 0 || idx >= width)
        throw err(SqlState.invalidColumnReference, `ORDER BY position ${s.expr.value.text} is not in select list`, s.expr.pos);
    } else {
      const b = bindExpr(s.expr, scope, bindCtx(pc, "ORDER BY"));
      if (b.column !== undefined) idx = b.column;
      else {
        extra.push(b.fn);
        idx = width + extra.length - 1;
      }
    }
    keys.push({ index: idx, descending: s.descending, nullsFirst: s.nullsFirst ?? s.descending });
  }
  if (extra.length === 0) return new SortNode(node, keys, "");
  const all: Fn[] = [
    ...node.cols.map(
      (_c, i): Fn =>
        (r) =>
          r[i],
    ),
    ...extra,
  ];
  const proj = new ProjectNode(node, all, [
    ...node.cols,
    ...extra.map((_f, i) => ({ rel: undefined, name: `?sort${i}`, type: T.text, hidden: true })),
  ]);
  const sorted = new SortNode(proj, keys, "");
  return new ProjectNode(
    sorted,
    node.cols.map(
      (_c, i): Fn =>
        (r) =>
          r[i],
    ),
    node.cols,
  );
}

// ---------------- FROM ----------------

interface Rel {
  node: PlanNode;
  cols: Col[];
  /** Base table (for index selection), with its alias. */
  table?: TableMeta;
  alias?: string;
}

function tableCols(t: TableMeta, alias: string): Col[] {
  return t.columns.map((c) => ({ rel: alias, name: c.name, type: c.type, hidden: c.hidden }));
}

function planFromItem(item: FromItem, scope: Scope, pc: PlanContext, needed: ReadonlySet<string> | undefined): Rel {
  switch (item.kind) {
    case "table": {
      const alias = item.alias?.name ?? item.name.name;
      if (!item.name.schema) {
        const cte = scope.findCte(item.name.name);
        if (cte) {
          const cols = renameCols(cte.cols, item.alias?.columns ?? [], alias, item.pos);
          return { node: new RenameNode(cte.node(), cols), cols };
        }
      }
      const t = findTable(pc.catalog, item.name.schema, item.name.name);
      if (t) {
        const cols = tableCols(t, alias);
        if (item.alias?.columns.length) {
          item.alias.columns.forEach((n, i) => {
            cols[i] = { ...cols[i], name: n };
          });
        }
        return { node: scanNode(t, alias, cols, undefined, undefined, undefined, undefined, needed), cols, table: t, alias };
      }
      const v = findView(pc.catalog, item.name.schema, item.name.name);
      if (v) {
        const parsed = parseStatement(v.sql).statement;
        if (parsed.kind !== "query") throw err(SqlState.internalError, `view "${v.name}" is not a query`, item.pos);
        const node = planQuery(parsed, new Scope([], undefined, new Map()), pc);
        const cols = renameCols(renameCols(node.cols, v.columns, alias, item.pos), item.alias?.columns ?? [], alias, item.pos);
        return { node: new RenameNode(node, cols), cols };
      }
      const plSys = item.name.schema ? undefined : plSystemTable(item.name.name, alias); // PL-Grizzly system tables (sql/pl)
      if (plSys) return { node: plSys, cols: [...plSys.cols] };
      // pg_catalog / information_schema relations psql and drivers query.
      const sys = systemRelation(pc.catalog, item.name.schema, item.name.name, alias);
      if (sys) return sys;
      throw err(
        SqlState.undefinedTable,
        `relation "${item.name.schema ? `${item.name.schema}.` : ""}${item.name.name}" does not exist`,
        item.name.pos,
      );
    }
    case "subquery": {
      const node = planQuery(item.query, item.lateral ? scope : rootScope(scope), pc);
      const alias = item.alias?.name ?? "unnamed_subquery";
      const cols = renameCols(node.cols, item.alias?.columns ?? [], alias, item.pos);
      return { node: new RenameNode(node, cols), cols };
    }
    case "function": {
      const names = item.alias?.columns ?? [];
      if (!item.ordinality) return planTableFunction(item.func, item.alias?.name, names, scope, pc);
      // Every table function here has one column: the aliases name it, then the ordinality column.
      const rel = planTableFunction(item.func, item.alias?.name, names.slice(0, 1), scope, pc);
      return withOrdinality(rel, names, item.func.name, item.pos);
    }
    case "join":
      return planJoin(item, scope, pc, needed);
  }
}

/** Scope for non-lateral subqueries in FROM: sees CTEs and enclosing queries, not sibling FROM items. */
function rootScope(scope: Scope): Scope {
  return scope;
}

function planTableFunction(f: FuncExpr, alias: string | undefined, colNames: readonly string[], scope: Scope, pc: PlanContext): Rel {
  const name = f.name.toLowerCase();
  const inner = new Scope([], scope, new Map());
  if (TABLE_FUNCTIONS.has(name)) {
    const bound = f.args.map((a) => bindExpr(a, inner, bindCtx(pc, "FROM")));
    return planSetFunction(name, bound, alias, colNames, f.pos);
  }
  if (name !== "generate_series") throw err(SqlState.undefinedFunction, `function ${name} does not exist`, f.pos);
  const args = f.args.map((a) => bindExpr(a, inner, bindCtx(pc, "FROM")));
  const t = args.some((a) => a.type.id === "int8") ? T.int8 : args.some((a) => a.type.id === "numeric") ? T.numeric : T.int4;
  const fns = args.map((a) => coerce(a, t.id === "numeric" ? T.float8 : t).fn);
  const rel = alias ?? name;
  const cols: Col[] = [{ rel, name: colNames[0] ?? alias ?? name, type: t.id === "numeric" ? T.float8 : t }];
  const MAX_SERIES_ROWS = 50_000_000;
  const node = new FunctionScanNode(`Function Scan on ${name}`, cols, (env) => {
    const vs = fns.map((fn) => fn([], env));
    if (vs.some((v) => v === null)) return [];
    const big = typeof vs[0] === "bigint";
    const start = Number(vs[0]);
    const stop = Number(vs[1]);
    const step = vs[2] === undefined ? 1 : Number(vs[2]);
    if (step === 0) throw new KodiakError(SqlState.invalidParameterValue, "step size cannot equal zero");
    const out: Row[] = [];
    for (let x = start; step > 0 ? x <= stop : x >= stop; x += step) {
      if (out.length >= MAX_SERIES_ROWS) throw new KodiakError(SqlState.programLimitExceeded, "generate_series produced too many rows");
      out.push([big ? BigInt(x) : x]);
    }
    return out;
  });
  return { node, cols };
}

function scanNode(
  t: TableMeta,
  alias: string,
  cols: Col[],
  filter: BoundExpr | undefined,
  conjuncts: readonly Expr[] | undefined,
  scope?: Scope,
  pc?: PlanContext,
  needed?: ReadonlySet<string>,
): PlanNode {
  const pk = t.indexes.find((i) => i.primary)!;
  let path: ReturnType<typeof chooseAccessPath>;
  if (conjuncts && scope && pc) {
    const relScope = new Scope(cols, scope, new Map());
    path = chooseAccessPath(
      t,
      conjuncts,
      (e) => {
        if (e.kind !== "column") return undefined;
        try {
          const i = relScope.lookup(e.parts, e.pos);
          return i !== undefined && (e.parts.length === 1 || e.parts[e.parts.length - 2] === alias) ? i : undefined;
        } catch {
          return undefined;
        }
      },
      (e) => bindExpr(e, new Scope([], scope, new Map()), bindCtx(pc, "WHERE")),
      (e) => {
        // A column of an enclosing query (correlated subquery): fixed for one execution of this scan.
        if (e.kind !== "column") return false;
        try {
          if (relScope.lookup(e.parts, e.pos) !== undefined) return false;
          bindExpr(e, new Scope([], scope, new Map()), bindCtx(pc, "WHERE"));
          return true;
        } catch {
          return false;
        }
      },
    );
  }
  const index = path?.index ?? pk;
  const ranges = path ? path.ranges : () => [fullRange(t, pk.id)];
  return new ScanNode(
    cols,
    t.name,
    ranges,
    filter?.fn,
    path ? `Index Cond: ${path.describe}` : "",
    index.primary && !path ? undefined : index.name,
    scanProjection(cols, [alias, t.name], needed, filter && conjuncts ? referencedNames(conjuncts) : undefined),
  );
}

function planJoin(item: Extract<FromItem, { kind: "join" }>, scope: Scope, pc: PlanContext, needed: ReadonlySet<string> | undefined): Rel {
  const left = planFromItem(item.left, scope, pc, needed);
  const right = planFromItem(item.right, scope, pc, needed);
  let cols = [...left.cols, ...right.cols];
  const jt = item.joinType;
  let on: Expr | undefined = item.on;
  let using = item.using;
  if (item.natural) {
    using = left.cols.filter((c) => !c.hidden && right.cols.some((r) => !r.hidden && r.name === c.name)).map((c) => c.name);
  }
  let usingPairs: [number, number][] = [];
  if (using) {
    usingPairs = using.map((n) => {
      const li = left.cols.findIndex((c) => c.name === n && !c.hidden);
      const ri = right.cols.findIndex((c) => c.name === n && !c.hidden);
      if (li < 0 || ri < 0)
        throw err(
          SqlState.undefinedColumn,
          `column "${n}" specified in USING clause does not exist in ${li < 0 ? "left" : "right"} table`,
          item.pos,
        );
      return [li, left.cols.length + ri];
    });
  }
  const joinScope = new Scope(cols, scope, new Map());
  const ctx = bindCtx(pc, "JOIN conditions");
  const nl = left.cols.length;
  const leftKeys: Fn[] = [];
  const rightKeys: Fn[] = [];
  const residual: BoundExpr[] = [];
  for (const [li, ri] of usingPairs) {
    const t = commonType(left.cols[li].type, right.cols[ri - nl].type) ?? T.text;
    const lt = left.cols[li].type;
    const rt = right.cols[ri - nl].type;
    leftKeys.push((r) => castValue(r[li], lt, t));
    rightKeys.push((r) => castValue(r[ri - nl], rt, t));
  }
  if (on) {
    for (const c of conjuncts(on)) {
      const eq = equiKey(c, joinScope, nl, ctx);
      if (eq && jt !== "cross") {
        leftKeys.push(eq[0]);
        rightKeys.push(eq[1]);
      } else residual.push(boolOperand(bindExpr(c, joinScope, ctx), "JOIN/ON"));
    }
  }
  on = undefined;
  const resFn = andAll(residual);
  const kind = jt === "cross" ? "inner" : jt;
  let node: PlanNode;
  if (leftKeys.length > 0) node = new HashJoinNode(left.node, right.node, kind, leftKeys, rightKeys, resFn, "");
  else node = new NestedLoopJoinNode(left.node, right.node, kind, resFn, "");
  if (usingPairs.length > 0) {
    // USING/NATURAL: the joined column appears once (merged for FULL joins), then the rest.
    const dropRight = new Set(usingPairs.map(([, ri]) => ri));
    const proj: Fn[] = [];
    const newCols: Col[] = [];
    for (const [li, ri] of usingPairs) {
      const c = left.cols[li];
      const t = commonType(c.type, cols[ri].type) ?? c.type;
      const lt = c.type;
      const rt = cols[ri].type;
      proj.push(
        jt === "full" || jt === "right"
          ? (r) => (r[li] !== null ? castValue(r[li], lt, t) : castValue(r[ri], rt, t))
          : (r) => castValue(r[li], lt, t),
      );
      newCols.push({ rel: undefined, name: c.name, type: t });
    }
    const usedLeft = new Set(usingPairs.map(([li]) => li));
    cols.forEach((c, i) => {
      if (dropRight.has(i) || usedLeft.has(i)) {
        // still addressable by qualified name
        newCols.push({ ...c, hidden: true });
      } else newCols.push(c);
      proj.push((r) => r[i]);
    });
    node = new ProjectNode(node, proj, newCols);
    cols = newCols;
  }
  return { node, cols };
}

/** Estimated rows of a FROM item: ANALYZE row count (1000 if never analyzed), reduced per pushed filter. */
function estimateRows(rel: Rel, pc: PlanContext, filters: number): number {
  const DEFAULT_ROWS = 1000;
  const FILTER_SELECTIVITY = 0.3;
  const base = rel.table ? (pc.catalog.stats?.[`${rel.table.schema}.${rel.table.name}`]?.rows ?? DEFAULT_ROWS) : DEFAULT_ROWS;
  return Math.max(1, base * FILTER_SELECTIVITY ** filters);
}

function andAll(preds: readonly BoundExpr[]): Fn | undefined {
  if (preds.length === 0) return undefined;
  if (preds.length === 1) return preds[0].fn;
  const fns = preds.map((p) => p.fn);
  return (r, env) => {
    let sawNull = false;
    for (const f of fns) {
      const v = f(r, env);
      if (v === false) return false;
      if (v === null) sawNull = true;
    }
    return sawNull ? null : true;
  };
}

function conjuncts(e: Expr): Expr[] {
  if (e.kind === "and") return [...conjuncts(e.left), ...conjuncts(e.right)];
  return [e];
}

/** Columns (as indexes into `cols`) an expression references directly; undefined if it has subqueries or outer refs. */
function referencedCols(e: Expr, scope: Scope): Set<number> | undefined {
  const out = new Set<number>();
  let ok = true;
  const visit = (x: unknown): void => {
    if (!ok || x === null || typeof x !== "object") return;
    if (Array.isArray(x)) {
      for (const y of x) visit(y);
      return;
    }
    const node = x as { kind?: string };
    if (
      node.kind === "subquery" ||
      node.kind === "exists" ||
      node.kind === "inQuery" ||
      node.kind === "quantified" ||
      node.kind === "arrayQuery"
    ) {
      ok = false;
      return;
    }
    if (node.kind === "func" && (isAggregateName((node as FuncExpr).name) || (node as FuncExpr).over !== undefined)) {
      ok = false;
      return;
    }
    if (node.kind === "column") {
      const c = node as Extract<Expr, { kind: "column" }>;
      let i: number | undefined;
      try {
        i = scope.lookup(c.parts, c.pos);
      } catch {
        ok = false;
        return;
      }
      if (i === undefined) {
        ok = false;
        return;
      }
      out.add(i);
      return;
    }
    for (const v of Object.values(node)) if (typeof v === "object") visit(v);
  };
  visit(e);
  return ok ? out : undefined;
}

/** `l = r` with l only on the left side (< nl) and r only on the right: hash keys (both coerced to a common type). */
function equiKey(c: Expr, scope: Scope, nl: number, ctx: BindContext): [Fn, Fn] | undefined {
  if (c.kind !== "binary" || c.op !== "=") return undefined;
  const lr = referencedCols(c.left, scope);
  const rr = referencedCols(c.right, scope);
  if (!lr || !rr || lr.size === 0 || rr.size === 0) return undefined;
  const side = (s: Set<number>): "l" | "r" | "both" => {
    let l = false;
    let r = false;
    for (const i of s) {
      if (i < nl) l = true;
      else r = true;
    }
    return l && r ? "both" : l ? "l" : "r";
  };
  const sl = side(lr);
  const sr = side(rr);
  if (sl === "both" || sr === "both" || sl === sr) return undefined;
  const a = bindExpr(c.left, scope, ctx);
  const b = bindExpr(c.right, scope, ctx);
  const t = commonType(a.type, b.type);
  if (!t) return undefined;
  // Keys are evaluated on one side's row only: the right side's expression is bound again over
  // the right side's columns alone (same columns, so the same names resolve to them).
  const rightScope = new Scope(scope.cols.slice(nl), scope.parent, scope.ctes);
  const leftExpr = sl === "l" ? a : b;
  const rightExpr = bindExpr(sl === "l" ? c.right : c.left, rightScope, ctx);
  return [coerce(leftExpr, t).fn, coerce(rightExpr, t).fn];
}

/** An ON conjunct of a flattened join, with the leaves (first, end) of the join it belongs to. */
interface JoinCondition {
  readonly expr: Expr;
  readonly first: number;
  readonly end: number;
}

/**
 * A tree of inner (and cross) joins with ON conditions as its leaves plus its ON conjuncts:
 * `a JOIN b ON c` is `FROM a, b WHERE c`, and planned that way single-table conditions reach the
 * scans and the join order follows table sizes. Undefined when the item is not such a tree.
 */
function flattenInnerJoins(item: FromItem): { leaves: FromItem[]; conditions: JoinCondition[] } | undefined {
  if (item.kind !== "join") return undefined;
  const leaves: FromItem[] = [];
  const conditions: JoinCondition[] = [];
  const walk = (it: FromItem): void => {
    const inner = it.kind === "join" && (it.joinType === "inner" || it.joinType === "cross") && !it.natural && it.using === undefined;
    if (!inner) {
      leaves.push(it);
      return;
    }
    const first = leaves.length;
    walk(it.left);
    walk(it.right);
    if (it.on) for (const c of conjuncts(it.on)) conditions.push({ expr: c, first, end: leaves.length });
  };
  walk(item);
  return leaves.length > 1 ? { leaves, conditions } : undefined;
}

/**
 * Whether every ON conjunct, bound over all the joined columns, names only columns of its own
 * join (so it means what it means inside that join) and is a valid join condition. When not, the
 * joins are planned one by one, which reports errors with the usual wording and scope.
 */
function onConditionsStayInside(
  conds: readonly JoinCondition[],
  offsets: readonly number[],
  width: number,
  full: Scope,
  pc: PlanContext,
): boolean {
  for (const c of conds) {
    const refs = referencedCols(c.expr, full);
    if (refs === undefined) return false;
    const lo = offsets[c.first];
    const hi = c.end < offsets.length ? offsets[c.end] : width;
    for (const i of refs) if (i < lo || i >= hi) return false;
    try {
      boolOperand(bindExpr(c.expr, full, bindCtx(pc, "JOIN conditions")), "JOIN/ON");
    } catch {
      return false;
    }
  }
  return true;
}

/** Plans the comma-separated FROM list with WHERE conjuncts pushed down and equi-joins hashed. */
function planFrom(
  items: readonly FromItem[],
  where: Expr | undefined,
  scope: Scope,
  pc: PlanContext,
  needed: ReadonlySet<string> | undefined,
  flattenJoins = true,
): { node: PlanNode; cols: Col[] } {
  const conj = where ? conjuncts(where) : [];
  if (items.length === 0) {
    const node: PlanNode = new ValuesNode([], [[]]);
    if (conj.length === 0) return { node, cols: [] };
    const s = new Scope([], scope, new Map());
    const pred = boolOperand(bindExpr(where!, s, bindCtx(pc, "WHERE")), "WHERE");
    return { node: new FilterNode(node, pred.fn, ""), cols: [] };
  }
  const flat = flattenJoins && items.length === 1 ? flattenInnerJoins(items[0]) : undefined;
  const rels = (flat?.leaves ?? items).map((it) => planFromItem(it, scope, pc, needed));
  const allCols = rels.flatMap((r) => r.cols);
  const fullScope = new Scope(allCols, scope, new Map());
  const offsets: number[] = [];
  let off = 0;
  for (const r of rels) {
    offsets.push(off);
    off += r.cols.length;
  }
  if (flat) {
    if (!onConditionsStayInside(flat.conditions, offsets, off, fullScope, pc)) return planFrom(items, where, scope, pc, needed, false);
    conj.push(...flat.conditions.map((c) => c.expr));
  }
  const relOf = (i: number): number => {
    let k = 0;
    while (k + 1 < offsets.length && offsets[k + 1] <= i) k++;
    return k;
  };
  const pending: { expr: Expr; rels: Set<number> | undefined }[] = conj.map((c) => {
    const refs = referencedCols(c, fullScope);
    return { expr: c, rels: refs ? new Set([...refs].map(relOf)) : undefined };
  });
  // Push single-relation predicates into their relation (scan filter + index selection).
  const pushedCount = rels.map(() => 0);
  for (let k = 0; k < rels.length; k++) {
    const mine = pending.filter((p) => p.rels && p.rels.size === 1 && p.rels.has(k));
    pushedCount[k] = mine.length;
    if (mine.length === 0) continue;
    const rel = rels[k];
    const relScope = new Scope(rel.cols, scope, new Map());
    const ctx = bindCtx(pc, "WHERE");
    const bound = mine.map((p) => boolOperand(bindExpr(p.expr, relScope, ctx), "WHERE"));
    const pred = andAll(bound)!;
    if (rel.table && rel.node instanceof ScanNode) {
      rel.node = scanNode(
        rel.table,
        rel.alias!,
        rel.cols,
        { fn: pred, type: T.bool, constant: false, pos: 0 },
        mine.map((p) => p.expr),
        scope,
        pc,
        needed,
      );
    } else rel.node = new FilterNode(rel.node, pred, "");
    for (const p of mine) pending.splice(pending.indexOf(p), 1);
  }
  if (pending.length === 0 && rels.length === 1) return { node: rels[0].node, cols: rels[0].cols };
  // Join order by estimated cost (greedy, left-deep): start from the smallest relation, then add the
  // connected relation (an equality with the joined set) giving the smallest estimated result.
  const est = rels.map((rel, k) => estimateRows(rel, pc, conj.length > 0 ? pushedCount[k] : 0));
  const first = est.indexOf(Math.min(...est));
  const joined = [first];
  let node = rels[first].node;
  let cols = [...rels[first].cols];
  let current = est[first];
  const remaining = rels.map((_r, i) => i).filter((i) => i !== first);
  while (remaining.length > 0) {
    const connected = (k: number): boolean =>
      pending.some(
        (p) => p.rels?.has(k) && [...p.rels].every((x) => x === k || joined.includes(x)) && p.expr.kind === "binary" && p.expr.op === "=",
      );
    let pick = -1;
    let best = Number.POSITIVE_INFINITY;
    remaining.forEach((k, i) => {
      const out = connected(k) ? Math.max(current, est[k]) : current * est[k] * 10;
      if (out < best) {
        best = out;
        pick = i;
      }
    });
    const prevEstimate = current;
    current = best;
    const k = remaining.splice(pick, 1)[0];
    const right = rels[k];
    const nl = cols.length;
    const newCols = [...cols, ...right.cols];
    const jScope = new Scope(newCols, scope, new Map());
    const covered = new Set([...joined, k]);
    const ready = pending.filter((p) => p.rels && [...p.rels].every((x) => covered.has(x)));
    const ctx = bindCtx(pc, "WHERE");
    const lk: Fn[] = [];
    const rk: Fn[] = [];
    const residual: BoundExpr[] = [];
    for (const p of ready) {
      const eq = equiKey(p.expr, jScope, nl, ctx);
      if (eq) {
        lk.push(eq[0]);
        rk.push(eq[1]);
      } else residual.push(boolOperand(bindExpr(p.expr, jScope, ctx), "WHERE"));
      pending.splice(pending.indexOf(p), 1);
    }
    const buildLeft = prevEstimate < est[k];
    node =
      lk.length > 0
        ? new HashJoinNode(node, right.node, "inner", lk, rk, andAll(residual), "", buildLeft)
        : new NestedLoopJoinNode(node, right.node, "inner", andAll(residual), "");
    cols = newCols;
    joined.push(k);
  }
  // Reorder columns back to FROM order if the join order changed it.
  const order = joined;
  if (order.some((k, i) => k !== i)) {
    const map: number[] = [];
    const posOf = new Map<number, number>();
    let o = 0;
    for (const k of order) {
      posOf.set(k, o);
      o += rels[k].cols.length;
    }
    for (let k = 0; k < rels.length; k++) for (let c = 0; c < rels[k].cols.length; c++) map.push(posOf.get(k)! + c);
    node = new ProjectNode(
      node,
      map.map(
        (i): Fn =>
          (r) =>
            r[i],
      ),
      allCols,
    );
    cols = allCols;
  }
  if (pending.length > 0) {
    const s = new Scope(cols, scope, new Map());
    const pred = andAll(pending.map((p) => boolOperand(bindExpr(p.expr, s, bindCtx(pc, "WHERE")), "WHERE")))!;
    node = new FilterNode(node, pred, "");
  }
  return { node, cols };
}

// ---------------- SELECT ----------------

function containsAggregate(e: unknown): boolean {
  if (e === null || typeof e !== "object") return false;
  if (Array.isArray(e)) return e.some(containsAggregate);
  const n = e as { kind?: string };
  if (n.kind === "subquery" || n.kind === "exists" || n.kind === "inQuery" || n.kind === "arrayQuery" || n.kind === "quantified") {
    // Only the left operand of IN/quantified belongs to this query level.
    if (n.kind === "inQuery") return containsAggregate((e as { operand: unknown }).operand);
    if (n.kind === "quantified") return containsAggregate((e as { left: unknown }).left);
    return false;
  }
  if (n.kind === "func") {
    const f = e as FuncExpr;
    if (f.over === undefined && isAggregateName(f.name.toLowerCase())) return true;
  }
  return Object.values(n).some((v) => typeof v === "object" && containsAggregate(v));
}

function collectWindows(e: unknown, out: FuncExpr[]): void {
  if (e === null || typeof e !== "object") return;
  if (Array.isArray(e)) {
    for (const x of e) collectWindows(x, out);
    return;
  }
  const n = e as { kind?: string };
  if (n.kind === "subquery" || n.kind === "exists" || n.kind === "inQuery" || n.kind === "arrayQuery") return;
  if (n.kind === "func" && (e as FuncExpr).over !== undefined) {
    out.push(e as FuncExpr);
    return;
  }
  for (const v of Object.values(n)) if (typeof v === "object") collectWindows(v, out);
}

function outputName(e: Expr): string {
  switch (e.kind) {
    case "column":
      return e.parts[e.parts.length - 1];
    case "func":
      return e.name.toLowerCase();
    case "cast":
      return e.operand.kind === "column" || e.operand.kind === "func"
        ? outputName(e.operand)
        : e.type.name.replace("double precision", "float8").replace(/^integer$|^int$/, "int4");
    case "case":
      return "case";
    case "exists":
      return "exists";
    case "array":
    case "arrayQuery":
      return "array";
    case "subquery": {
      const b = e.query.body;
      if (b.kind === "select" && b.items.length === 1 && b.items[0].kind === "expr") return b.items[0].alias ?? outputName(b.items[0].expr);
      return "?column?";
    }
    default:
      return "?column?";
  }
}

function expandItems(items: readonly SelectItem[], cols: readonly Col[]): { expr: Expr; name: string; pos: number; fromStar?: number }[] {
  const out: { expr: Expr; name: string; pos: number; fromStar?: number }[] = [];
  for (const it of items) {
    if (it.kind === "expr") {
      out.push({ expr: it.expr, name: it.alias ?? outputName(it.expr), pos: it.pos });
      continue;
    }
    const q = it.qualifier;
    const rel = q?.[q.length - 1];
    let any = false;
    cols.forEach((c, i) => {
      if (c.hidden || (rel !== undefined && c.rel !== rel)) return;
      any = true;
      out.push({
        expr: { kind: "column", pos: it.pos, parts: c.rel ? [c.rel, c.name] : [c.name] },
        name: c.name,
        pos: it.pos,
        fromStar: i,
      });
    });
    if (rel !== undefined && !any && !cols.some((c) => c.rel === rel))
      throw err(SqlState.undefinedTable, `missing FROM-clause entry for table "${rel}"`, it.pos);
    if (rel === undefined && cols.length === 0) throw err(SqlState.syntaxError, "SELECT * with no tables specified is not valid", it.pos);
  }
  return out;
}

export function planSelect(core: SelectCore, orderBy: readonly SortItem[], outer: Scope, pc: PlanContext): PlanNode {
  const from = planFrom(core.from, core.where, outer, pc, blockColumnNames(core, orderBy));
  let node = from.node;
  const inputScope = new Scope(from.cols, outer, new Map());
  const items = expandItems(core.items, from.cols);
  const hasAgg =
    core.groupBy.length > 0 ||
    core.having !== undefined ||
    items.some((i) => containsAggregate(i.expr)) ||
    orderBy.some((s) => containsAggregate(s.expr));
  let exprScope = inputScope;
  if (hasAgg) {
    const ctx = bindCtx(pc, "GROUP BY");
    // GROUP BY may name output columns or positions, as in PostgreSQL.
    const groupExprs = core.groupBy.map((g) => {
      if (g.kind === "literal" && g.value.type === "int") {
        const k = Number(g.value.text) - 1;
        if (k < 0 || k >= items.length)
          throw err(SqlState.invalidColumnReference, `GROUP BY position ${g.value.text} is not in select list`, g.pos);
        return items[k].expr;
      }
      if (g.kind === "column" && g.parts.length === 1 && inputScope.lookup(g.parts, g.pos) === undefined) {
        const m = items.find((i) => i.name === g.parts[0]);
        if (m) return m.expr;
      }
      return g;
    });
    const keyBound = groupExprs.map((g) => bindExpr(g, inputScope, ctx));
    const grouping: GroupingContext = { input: inputScope, keyExprs: groupExprs.map(exprKey), keyBound, aggs: [], windows: undefined };
    const keyCols: Col[] = keyBound.map((b, i) => {
      const g = groupExprs[i];
      if (b.column !== undefined) return { ...from.cols[b.column], hidden: false };
      return { rel: undefined, name: g.kind === "column" ? g.parts[g.parts.length - 1] : `?group${i}`, type: b.type };
    });
    // Bind everything above the aggregation first so the aggregate list is complete.
    const aggScope = new Scope(keyCols, outer, new Map());
    aggScope.grouping = grouping;
    exprScope = aggScope;
    const having = core.having ? boolOperand(bindExpr(core.having, aggScope, bindCtx(pc, "HAVING")), "HAVING") : undefined;
    const pre = items.map((i) => bindExprOrWindow(i.expr, aggScope, pc));
    const preOrder = orderBy.map((s) => orderTarget(s, items, aggScope, pc));
    const aggCols: Col[] = grouping.aggs.map((a, i) => ({ rel: undefined, name: `?agg${i}`, type: aggregateResultType(a) }));
    const specs: AggSpec[] = grouping.aggs.map((a) => aggSpec(a.func, a.args, a.filter, inputScope, pc));
    node = new AggregateNode(
      node,
      keyBound.map((b) => b.fn),
      specs,
      [...keyCols, ...aggCols],
    );
    // Re-create the scope over the aggregate's output (key columns + aggregates) for the final binding.
    const postScope = new Scope([...keyCols, ...aggCols], outer, new Map());
    postScope.grouping = grouping;
    if (having) node = new FilterNode(node, having.fn, "");
    void pre;
    void preOrder;
    exprScope = postScope;
  }
  // Window functions: evaluated over the (possibly aggregated) rows, appended as extra columns.
  const windows: FuncExpr[] = [];
  for (const i of items) collectWindows(i.expr, windows);
  for (const s of orderBy) collectWindows(s.expr, windows);
  if (windows.length > 0) {
    const base = exprScope.cols.length;
    const specs: WindowSpecBound[] = [];
    const slots = new Map<string, number>();
    const wcols: Col[] = [];
    for (const w of windows) {
      const key = exprKey(w);
      if (slots.has(key)) continue;
      const spec = bindWindow(w, core, exprScope, pc);
      slots.set(key, base + specs.length);
      specs.push(spec);
      wcols.push({ rel: undefined, name: w.name, type: spec.type });
    }
    node = new WindowNode(node, specs, [...exprScope.cols, ...wcols]);
    const wScope = new Scope([...exprScope.cols, ...wcols], outer, new Map());
    wScope.grouping = exprScope.grouping;
    wScope.windowSlots = slots;
    exprScope = wScope;
  }
  // Projection (+ hidden sort keys).
  const ctx = bindCtx(pc, "SELECT");
  const bound = items.map((i) => bindExpr(i.expr, exprScope, ctx));
  // Untyped literals stay "unknown" here so set operations can resolve them against the other side;
  // result columns report them as text.
  const outCols: Col[] = items.map((i, k) => ({ rel: undefined, name: i.name, type: bound[k].type }));
  const fns: Fn[] = bound.map((b) => b.fn);
  const keys: SortKey[] = [];
  const extraCols: Col[] = [];
  for (const s of orderBy) {
    const target = orderTarget(s, items, exprScope, pc);
    let idx: number;
    if (typeof target === "number") idx = target;
    else {
      const k = exprKey(s.expr);
      const same = items.findIndex((i) => exprKey(i.expr) === k);
      if (same >= 0) idx = same;
      else {
        if (core.distinct)
          throw err(SqlState.invalidColumnReference, "for SELECT DISTINCT, ORDER BY expressions must appear in select list", s.expr.pos);
        fns.push(target.fn);
        extraCols.push({ rel: undefined, name: "?sort", type: target.type, hidden: true });
        idx = fns.length - 1;
      }
    }
    keys.push({ index: idx, descending: s.descending, nullsFirst: s.nullsFirst ?? s.descending });
  }
  node = new ProjectNode(node, fns, [...outCols, ...extraCols]);
  if (core.distinctOn) {
    const onIdx = core.distinctOn.map((e) => {
      const t = orderTarget({ expr: e, descending: false, nullsFirst: undefined }, items, exprScope, pc);
      if (typeof t === "number") return t;
      const k = exprKey(e);
      const same = items.findIndex((i) => exprKey(i.expr) === k);
      if (same < 0)
        throw err(SqlState.invalidColumnReference, "SELECT DISTINCT ON expressions must match initial ORDER BY expressions", e.pos);
      return same;
    });
    if (keys.length > 0) node = new SortNode(node, keys, "");
    node = new DistinctNode(node, onIdx);
  } else {
    if (core.distinct)
      node = new DistinctNode(
        node,
        outCols.map((_c, i) => i),
      );
    if (keys.length > 0) node = new SortNode(node, keys, keys.map((k) => `${k.index}${k.descending ? " DESC" : ""}`).join(", "));
  }
  if (extraCols.length > 0) {
    node = new ProjectNode(
      node,
      outCols.map(
        (_c, i): Fn =>
          (r) =>
            r[i],
      ),
      outCols,
    );
  }
  return node;
}

function bindExprOrWindow(e: Expr, scope: Scope, pc: PlanContext): void {
  // Walks the expression binding aggregates (registering them in the grouping context); window
  // calls are bound later, so skip them here but still visit their arguments.
  const ws: FuncExpr[] = [];
  collectWindows(e, ws);
  if (ws.length === 0) {
    bindExpr(e, scope, bindCtx(pc, "SELECT"));
    return;
  }
  for (const w of ws) for (const a of w.args) bindExpr(a, scope, bindCtx(pc, "window function arguments"));
}

/** ORDER BY item: an output column index (name/ordinal) or an expression bound in the input scope. */
function orderTarget(s: SortItem, items: readonly { expr: Expr; name: string }[], scope: Scope, pc: PlanContext): number | BoundExpr {
  const e = s.expr;
  if (e.kind === "literal" && e.value.type === "int") {
    const k = Number(e.value.text) - 1;
    if (k < 0 || k >= items.length)
      throw err(SqlState.invalidColumnReference, `ORDER BY position ${e.value.text} is not in select list`, e.pos);
    return k;
  }
  if (e.kind === "column" && e.parts.length === 1) {
    const matches = items.map((it, i) => (it.name === e.parts[0] ? i : -1)).filter((i) => i >= 0);
    if (matches.length > 1) {
      const k0 = exprKey(items[matches[0]].expr);
      if (!matches.every((m) => exprKey(items[m].expr) === k0))
        throw err(SqlState.ambiguousColumn, `ORDER BY "${e.parts[0]}" is ambiguous`, e.pos);
    }
    if (matches.length > 0) return matches[0];
  }
  if (scope.windowSlots === undefined) {
    const ws: FuncExpr[] = [];
    collectWindows(e, ws);
    if (ws.length > 0) return 0; // bound again after windows are planned
  }
  return bindExpr(e, scope, bindCtx(pc, "ORDER BY"));
}

function aggSpec(f: FuncExpr, args: readonly BoundExpr[], filter: BoundExpr | undefined, input: Scope, pc: PlanContext): AggSpec {
  const name = f.name.toLowerCase();
  const ctx = bindCtx(pc, "aggregate ORDER BY");
  const ob = f.withinGroup[0] ?? f.orderBy[0];
  let fnArgs = args.map((a) => a.fn);
  const argType = args[0]?.type;
  if (name === "string_agg") {
    if (args.length !== 2) throw err(SqlState.undefinedFunction, "function string_agg requires two arguments", f.pos);
    fnArgs = [coerce(args[0], T.text).fn, coerce(args[1], T.text).fn];
  }
  if ((name === "sum" || name === "avg") && argType && argType.id === "unknown") {
    throw err("42725", `function ${name}(unknown) is not unique`, f.pos);
  }
  if (
    (name === "sum" || name === "avg") &&
    argType &&
    !["int2", "int4", "int8", "numeric", "float4", "float8", "interval"].includes(argType.id)
  ) {
    throw err(SqlState.undefinedFunction, `function ${name}(${argType.id}) does not exist`, f.pos);
  }
  if (!f.star && args.length === 0 && name !== "count") throw err(SqlState.undefinedFunction, `function ${name}() does not exist`, f.pos);
  if (f.star && name !== "count") throw err(SqlState.syntaxError, `${name}(*) is not allowed`, f.pos);
  const orderBound = ob ? bindExpr(ob.expr, input, ctx) : undefined;
  return {
    name,
    args: fnArgs,
    argType: name.startsWith("percentile") ? orderBound?.type : argType,
    star: f.star,
    distinct: f.distinct,
    filter: filter?.fn,
    orderBy: orderBound ? { fn: orderBound.fn, descending: ob!.descending } : undefined,
    fraction: name.startsWith("percentile") ? coerce(args[0], T.float8).fn : undefined,
  };
}

function bindWindow(w: FuncExpr, core: SelectCore, scope: Scope, pc: PlanContext): WindowSpecBound {
  let spec = w.over;
  if (typeof spec === "string") {
    const named = core.windows.find((x) => x.name === spec);
    if (!named) throw err(SqlState.undefinedObject, `window "${spec}" does not exist`, w.pos);
    spec = named.spec;
  } else if (spec?.ref) {
    const s0 = spec;
    const named = core.windows.find((x) => x.name === s0.ref);
    if (!named) throw err(SqlState.undefinedObject, `window "${s0.ref}" does not exist`, w.pos);
    spec = { ...named.spec, orderBy: s0.orderBy.length ? s0.orderBy : named.spec.orderBy, frame: s0.frame ?? named.spec.frame };
  }
  const ctx = bindCtx(pc, "window definitions");
  const name = w.name.toLowerCase();
  if (!isWindowName(name) && !isAggregateName(name))
    throw err(SqlState.undefinedFunction, `function ${name} is not a window function`, w.pos);
  const args = w.args.map((a) => bindExpr(a, scope, ctx));
  const partition = (spec?.partitionBy ?? []).map((e) => bindExpr(e, scope, ctx).fn);
  const order = (spec?.orderBy ?? []).map((s) => ({
    fn: bindExpr(s.expr, scope, ctx).fn,
    descending: s.descending,
    nullsFirst: s.nullsFirst ?? s.descending,
  }));
  let type: DataType;
  switch (name) {
    case "row_number":
    case "rank":
    case "dense_rank":
    case "ntile":
      type = T.int8;
      break;
    case "percent_rank":
    case "cume_dist":
      type = T.float8;
      break;
    case "lag":
    case "lead":
    case "first_value":
    case "last_value":
    case "nth_value":
      type = args[0]?.type ?? T.text;
      break;
    default:
      type = aggregateResultType({ func: w, args });
  }
  const filter = w.filter ? boolOperand(bindExpr(w.filter, scope, ctx), "FILTER").fn : undefined;
  return {
    name,
    args: args.map((a) => a.fn),
    argType: args[0]?.type,
    type,
    partition,
    order,
    frame: spec?.frame,
    frameOffsets: spec?.frame
      ? [spec.frame.start.offset, spec.frame.end.offset].map((o) =>
          o ? coerce(bindExpr(o, new Scope([], scope, new Map()), ctx), T.int8).fn : undefined,
        )
      : [undefined, undefined],
    star: w.star,
    distinct: w.distinct,
    filter,
    aggSpec: isAggregateName(name) ? (inputArgs) => aggSpec(w, inputArgs, undefined, scope, pc) : undefined,
    boundArgs: args,
  };
}
