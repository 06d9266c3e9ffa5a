// Runs embedded SQL from PL code through the SqlHost: `{path}` becomes a bound parameter ($n) in
// value position or one quoted identifier in relation position (section 5.2), never pasted
// text. Also applies body rules: no transaction control, read-only ASYNC bodies.

import { SqlState } from "../../util/index.js";
import type { SqlText } from "./ast.js";
import type { Ctx } from "./context.js";
import { PlError } from "./errors.js";
import { fieldOf, lookupName } from "./expr.js";
import type { BoundParam, HostResult } from "./host.js";
import type { Scope } from "./scope.js";
import { bindParam, firstColumn, rowsAsStructs } from "./sqlconv.js";
import { isText, T } from "./types.js";
import { arrayValue, nullOf, type PlValue } from "./values.js";

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Builds the statement text and its parameters from the parts. */
export function buildSql(sql: SqlText, s: Scope, c: Ctx): { text: string; params: BoundParam[] } {
  let text = "";
  const params: BoundParam[] = [];
  for (const p of sql.parts) {
    if (typeof p === "string") {
      text += p;
      continue;
    }
    let v = lookupName(p.path[0]!, s, c);
    for (const f of p.path.slice(1)) v = fieldOf(v, f);
    if (p.relation) text += relationText(v, p.path);
    else {
      params.push(paramOf(v));
      text += `$${params.length}`;
    }
  }
  return { text, params };
}

/** A `{path}` in relation position: one quoted identifier. */
export function relationText(v: PlValue, path: readonly string[]): string {
  if (v.v === null) throw new PlError(SqlState.nullValueNotAllowed, `relation name {${path.join(".")}} is NULL`);
  if (!isText(v.t) && v.t.k !== "unknown") throw new PlError(SqlState.datatypeMismatch, `relation name {${path.join(".")}} must be TEXT`);
  return quoteIdent(String(v.v));
}

/** A `{path}` in value position: a bound parameter (untyped literals as TEXT). */
export function paramOf(v: PlValue): BoundParam {
  return bindParam(v.t.k === "unknown" && v.v !== null ? { t: T.text, v: v.v } : v);
}

function checkVerb(sql: SqlText, c: Ctx): void {
  if (sql.verb === "tx") throw new PlError("2D000", "transaction control is not allowed in PL code");
  if (c.readOnly && (sql.verb === "dml" || sql.verb === "ddl")) {
    throw new PlError(SqlState.readOnlySqlTransaction, "cannot execute a write in an ASYNC function (read-only)");
  }
}

export function runStatement(sql: SqlText, s: Scope, c: Ctx): HostResult {
  checkVerb(sql, c);
  c.env.budget.check();
  const { text, params } = buildSql(sql, s, c);
  return c.env.host.execute(text, params);
}

/** The checks runStatement makes before it builds the text (compiled code builds it itself). */
export function beforeStatement(sql: SqlText, c: Ctx): void {
  checkVerb(sql, c);
  c.env.budget.check();
}

/** A query as a value: scalar subquery, ARRAY(query), or rows as STRUCTs. */
export function runQuery(sql: SqlText, mode: "scalar" | "array" | "rows", s: Scope, c: Ctx): PlValue {
  return queryValue(runStatement(sql, s, c), mode);
}

/** The value of a query's result in one of the query-expression modes. */
export function queryValue(r: HostResult, mode: "scalar" | "array" | "rows"): PlValue {
  const cols = r.columns ?? [];
  if (mode === "rows" || (mode === "array" && cols.length > 1)) {
    const { type, rows } = rowsAsStructs(r);
    return arrayValue(type, rows);
  }
  if (cols.length !== 1) throw new PlError(SqlState.syntaxError, "subquery must return only one column");
  const { type, values } = firstColumn(r);
  if (mode === "array") return arrayValue(type, values);
  if (values.length > 1) throw new PlError(SqlState.cardinalityViolation, "more than one row returned by a subquery used as an expression");
  return values[0] ?? nullOf(type);
}
