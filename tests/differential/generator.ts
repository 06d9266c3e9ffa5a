// Random schemas, data and queries for differential testing against PostgreSQL: small integer,
// text and numeric columns with NULLs; queries with joins, aggregates, subqueries, set operations,
// DISTINCT and ORDER BY + LIMIT. Everything is drawn from a seeded Random, so a seed replays.
import type { Random } from "../../util/index.js";

export interface Table {
  name: string;
  cols: { name: string; type: "int" | "text" | "num" }[];
  rows: string[][]; // SQL literals
  /** Secondary indexes, as column lists (exercise index access paths). */
  indexes: string[][];
}

const TEXTS = ["'a'", "'b'", "'ab'", "'B'", "''", "'abc'", "'b%'", "'z'"];

function pick<T>(r: Random, xs: readonly T[]): T {
  return xs[r.int(xs.length)];
}

function literal(r: Random, type: "int" | "text" | "num", nullPct = 15): string {
  if (r.int(100) < nullPct) return "NULL";
  if (type === "int") return String(r.int(11) - 5);
  if (type === "num") return `${r.int(21) - 10}.${r.int(4) * 25}`;
  return pick(r, TEXTS);
}

export function genSchema(r: Random): Table[] {
  const tables: Table[] = [];
  const n = 2 + r.int(2);
  for (let t = 0; t < n; t++) {
    const cols: Table["cols"] = [
      { name: "a", type: "int" },
      { name: "b", type: "int" },
      { name: "c", type: pick(r, ["text", "int"] as const) },
      { name: "d", type: pick(r, ["num", "text", "int"] as const) },
    ];
    const rows: string[][] = [];
    const count = r.int(12);
    for (let i = 0; i < count; i++) rows.push(cols.map((c) => literal(r, c.type)));
    const indexes: string[][] = [];
    if (r.int(2) === 0) indexes.push([pick(r, ["a", "b", "c"])]);
    if (r.int(3) === 0) indexes.push(["b", "a"]);
    tables.push({ name: `t${t}`, cols, rows, indexes });
  }
  return tables;
}

export function schemaSql(tables: readonly Table[]): string[] {
  const out: string[] = [];
  for (const t of tables) {
    out.push(`DROP TABLE IF EXISTS ${t.name}`);
    out.push(
      `CREATE TABLE ${t.name} (${t.cols.map((c) => `${c.name} ${c.type === "int" ? "INTEGER" : c.type === "num" ? "NUMERIC(8,2)" : "TEXT"}`).join(", ")})`,
    );
    if (t.rows.length > 0) out.push(`INSERT INTO ${t.name} VALUES ${t.rows.map((row) => `(${row.join(", ")})`).join(", ")}`);
    t.indexes.forEach((cols, i) => {
      out.push(`CREATE INDEX ${t.name}_i${i} ON ${t.name} (${cols.join(", ")})`);
    });
  }
  return out;
}

interface Ctx {
  r: Random;
  /** Visible columns: qualified name and type. */
  cols: { ref: string; type: "int" | "text" | "num" }[];
  tables: readonly Table[];
  depth: number;
}

function colOf(c: Ctx, type: "int" | "text" | "num"): string | undefined {
  const xs = c.cols.filter((x) => x.type === type);
  return xs.length ? pick(c.r, xs).ref : undefined;
}

function intExpr(c: Ctx, d = 0): string {
  const r = c.r;
  const leaf = (): string => colOf(c, "int") ?? literal(r, "int", 5);
  if (d > 2) return leaf();
  switch (r.int(10)) {
    case 0:
    case 1:
    case 2:
      return leaf();
    case 3:
      return `(${intExpr(c, d + 1)} ${pick(r, ["+", "-", "*"])} ${intExpr(c, d + 1)})`;
    case 4:
      return `(${intExpr(c, d + 1)} ${pick(r, ["/", "%"])} NULLIF(${intExpr(c, d + 1)}, 0))`;
    case 5:
      return `abs(${intExpr(c, d + 1)})`;
    case 6:
      return `coalesce(${intExpr(c, d + 1)}, ${literal(r, "int", 0)})`;
    case 7:
      return `CASE WHEN ${boolExpr(c, d + 1)} THEN ${intExpr(c, d + 1)} ELSE ${intExpr(c, d + 1)} END`;
    case 8:
      return `-${leaf()}`;
    default:
      return literal(r, "int", 10);
  }
}

function textExpr(c: Ctx, d = 0): string {
  const r = c.r;
  const leaf = (): string => colOf(c, "text") ?? literal(r, "text", 5);
  if (d > 2) return leaf();
  switch (r.int(6)) {
    case 0:
      return `(${textExpr(c, d + 1)} || ${textExpr(c, d + 1)})`;
    case 1:
      return `${pick(r, ["lower", "upper"])}(${textExpr(c, d + 1)})`;
    case 2:
      return `coalesce(${textExpr(c, d + 1)}, 'n')`;
    default:
      return leaf();
  }
}

function numExpr(c: Ctx, d = 0): string {
  const col = colOf(c, "num");
  if (!col || c.r.int(3) === 0) return `(${intExpr(c, d + 1)} * 1.5)`;
  return c.r.int(2) ? col : `(${col} + ${intExpr(c, d + 1)})`;
}

function boolExpr(c: Ctx, d = 0): string {
  const r = c.r;
  if (d > 2) return `${intExpr(c, 3)} ${pick(r, ["=", "<", ">", "<=", ">=", "<>"])} ${intExpr(c, 3)}`;
  switch (r.int(17)) {
    case 14: {
      const t = pick(r, c.tables);
      const outer = colOf(c, "int") ?? "0";
      return `${intExpr(c, d + 1)} ${pick(r, ["", "NOT "])}IN (SELECT s.b FROM ${t.name} s WHERE s.a = ${outer})`;
    }
    case 15: {
      const t = pick(r, c.tables);
      return `${intExpr(c, d + 1)} ${pick(r, ["<", ">", "="])} (SELECT ${pick(r, ["max", "min", "count", "sum"])}(s.a) FROM ${t.name} s)`;
    }
    case 16: {
      const t = pick(r, c.tables);
      return `${intExpr(c, d + 1)} ${pick(r, ["<", "=", ">"])} ${pick(r, ["ANY", "ALL"])} (SELECT s.b FROM ${t.name} s)`;
    }
    case 0:
    case 1:
    case 2:
      return `${intExpr(c, d + 1)} ${pick(r, ["=", "<", ">", "<=", ">=", "<>"])} ${intExpr(c, d + 1)}`;
    case 3:
      return `(${boolExpr(c, d + 1)} ${pick(r, ["AND", "OR"])} ${boolExpr(c, d + 1)})`;
    case 4:
      return `NOT (${boolExpr(c, d + 1)})`;
    case 5:
      return `${pick(r, [intExpr(c, d + 1), textExpr(c, d + 1)])} IS ${pick(r, ["", "NOT "])}NULL`;
    case 6:
      return `${intExpr(c, d + 1)} ${pick(r, ["", "NOT "])}BETWEEN ${intExpr(c, d + 1)} AND ${intExpr(c, d + 1)}`;
    case 7:
      return `${intExpr(c, d + 1)} ${pick(r, ["", "NOT "])}IN (${[literal(r, "int"), literal(r, "int"), literal(r, "int", 30)].join(", ")})`;
    case 8:
      return `${textExpr(c, d + 1)} ${pick(r, ["LIKE", "NOT LIKE"])} ${pick(r, ["'a%'", "'%b'", "'_'", "'%'", "'a_c'"])}`;
    case 9:
      return `${textExpr(c, d + 1)} ${pick(r, ["=", "<", ">", "<>"])} ${textExpr(c, d + 1)}`;
    case 10: {
      const t = pick(r, c.tables);
      return `EXISTS (SELECT 1 FROM ${t.name} s WHERE s.a = ${intExpr(c, 3)})`;
    }
    case 11: {
      const t = pick(r, c.tables);
      return `${intExpr(c, d + 1)} ${pick(r, ["", "NOT "])}IN (SELECT s.b FROM ${t.name} s WHERE s.a ${pick(r, ["<", ">", "<>"])} ${literal(r, "int", 0)})`;
    }
    case 12:
      return `${intExpr(c, d + 1)} IS ${pick(r, ["", "NOT "])}DISTINCT FROM ${intExpr(c, d + 1)}`;
    default:
      return `${numExpr(c, d + 1)} ${pick(r, ["<", ">", "="])} ${numExpr(c, d + 1)}`;
  }
}

function fromClause(c: Ctx): string {
  const r = c.r;
  const n = 1 + r.int(Math.min(3, c.tables.length));
  const parts: string[] = [];
  c.cols = [];
  const chosen: Table[] = [];
  for (let i = 0; i < n; i++) chosen.push(pick(r, c.tables));
  chosen.forEach((t, i) => {
    const alias = `x${i}`;
    const prevCols = [...c.cols];
    for (const col of t.cols) c.cols.push({ ref: `${alias}.${col.name}`, type: col.type });
    if (i === 0) parts.push(`${t.name} ${alias}`);
    else {
      const kind = r.int(6);
      if (kind === 0) parts.push(`, ${t.name} ${alias}`);
      else if (kind === 1) parts.push(`CROSS JOIN ${t.name} ${alias}`);
      else {
        const jt = pick(r, ["JOIN", "LEFT JOIN", "RIGHT JOIN", "FULL JOIN", "JOIN"]);
        const left = pick(
          r,
          prevCols.filter((x) => x.type === "int"),
        ).ref;
        const extra = r.int(3) === 0 ? ` AND ${alias}.b ${pick(r, ["<", ">", "<>"])} ${left}` : "";
        parts.push(`${jt} ${t.name} ${alias} ON ${alias}.a = ${left}${extra}`);
      }
    }
  });
  return parts.join(" ");
}

export interface GenQuery {
  sql: string;
  /** Results are compared in order (the query has a total ORDER BY). */
  ordered: boolean;
}

export function genQuery(r: Random, tables: readonly Table[]): GenQuery {
  const c: Ctx = { r, cols: [], tables, depth: 0 };
  const from = fromClause(c);
  const where = r.int(4) ? ` WHERE ${boolExpr(c)}` : "";
  const shape = r.int(12);
  if (shape === 10) {
    const t = pick(r, tables);
    const inner: Ctx = { r, cols: t.cols.map((x) => ({ ref: `s.${x.name}`, type: x.type })), tables, depth: 0 };
    return {
      sql: `WITH w AS (SELECT s.a, s.b, s.c FROM ${t.name} s WHERE ${boolExpr(inner)}) SELECT w.a, count(*), max(w.b) FROM w GROUP BY w.a`,
      ordered: false,
    };
  }
  if (shape === 11) {
    const items = [colOf(c, "text") ?? intExpr(c), intExpr(c)];
    const order = `${pick(r, ["1", "2"])}${pick(r, ["", " DESC"])}, ${items.map((_x, i) => `${i + 1}`).join(", ")}`;
    return { sql: `SELECT DISTINCT ${items.join(", ")} FROM ${from}${where} ORDER BY ${order} LIMIT ${1 + r.int(5)}`, ordered: true };
  }
  if (shape < 4) {
    const n = 1 + r.int(3);
    const items = Array.from({ length: n }, () => pick(r, [intExpr, textExpr, intExpr, numExpr])(c));
    const distinct = r.int(4) === 0 ? "DISTINCT " : "";
    if (r.int(2) === 0) {
      const order = items.map((_x, i) => `${i + 1}${pick(r, ["", " DESC"])}${pick(r, ["", " NULLS FIRST", " NULLS LAST"])}`).join(", ");
      const limit = r.int(2) ? ` LIMIT ${r.int(6)}${r.int(2) ? ` OFFSET ${r.int(4)}` : ""}` : "";
      // Ties on all output columns are identical rows, so the order is total.
      return { sql: `SELECT ${distinct}${items.join(", ")} FROM ${from}${where} ORDER BY ${order}${limit}`, ordered: true };
    }
    return { sql: `SELECT ${distinct}${items.join(", ")} FROM ${from}${where}`, ordered: false };
  }
  if (shape < 7) {
    const g = pick(
      r,
      c.cols.filter((x) => x.type !== "num"),
    ).ref;
    const aggCol = colOf(c, "int") ?? "1";
    const aggs = [
      "count(*)",
      `count(${aggCol})`,
      `sum(${intExpr(c, 2)})`,
      `min(${aggCol})`,
      `max(${textExpr(c, 2)})`,
      `avg(${aggCol})`,
      `count(DISTINCT ${aggCol})`,
      `sum(${numExpr(c, 2)})`,
    ];
    const chosen = [pick(r, aggs), pick(r, aggs)];
    const having = r.int(3) === 0 ? ` HAVING count(*) ${pick(r, [">", ">=", "<"])} ${r.int(3)}` : "";
    if (r.int(4) === 0) return { sql: `SELECT ${chosen.join(", ")} FROM ${from}${where}`, ordered: false };
    return { sql: `SELECT ${g}, ${chosen.join(", ")} FROM ${from}${where} GROUP BY ${g}${having}`, ordered: false };
  }
  if (shape < 8) {
    const t2 = pick(r, tables);
    const op = pick(r, ["UNION", "UNION ALL", "EXCEPT", "INTERSECT", "EXCEPT ALL", "INTERSECT ALL"]);
    return { sql: `SELECT ${intExpr(c)} FROM ${from}${where} ${op} SELECT s.a FROM ${t2.name} s`, ordered: false };
  }
  if (shape < 9) {
    const t2 = pick(r, tables);
    const outerCol = colOf(c, "int") ?? "0";
    return {
      sql: `SELECT ${outerCol}, (SELECT ${pick(r, ["max", "min", "sum", "count"])}(s.b) FROM ${t2.name} s WHERE s.a ${pick(r, ["=", "<", ">"])} ${outerCol}) FROM ${from}${where}`,
      ordered: false,
    };
  }
  const ic = colOf(c, "int") ?? "1";
  const w = pick(r, [
    "row_number()",
    "rank()",
    "dense_rank()",
    `sum(${ic})`,
    "count(*)",
    `lag(${ic})`,
    `lead(${ic}, 2)`,
    `first_value(${ic})`,
    `last_value(${ic})`,
    `max(${ic})`,
    "ntile(3)",
  ]);
  const framed = /^(sum|count|max|first_value|last_value)/.test(w);
  const frame = framed
    ? pick(r, [
        "",
        " ROWS BETWEEN 1 PRECEDING AND CURRENT ROW",
        " ROWS BETWEEN UNBOUNDED PRECEDING AND 1 FOLLOWING",
        " ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING",
        " RANGE BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING",
      ])
    : "";
  const part = colOf(c, "int") ?? "1";
  const allCols = c.cols.filter((x) => x.type === "int").map((x) => x.ref);
  return {
    sql: `SELECT ${part}, ${w} OVER (PARTITION BY ${part} ORDER BY ${allCols.join(", ")}${frame}) FROM ${from}${where}`,
    ordered: false,
  };
}
