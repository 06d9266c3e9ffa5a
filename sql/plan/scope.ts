// Name resolution scopes for the binder: the columns visible at a point of a query, the enclosing
// query's scope (for correlated references), CTEs in effect, and the grouping context when
// binding expressions above an aggregation.
import { KodiakError, SqlState } from "../../util/index.js";
import type { Expr, FuncExpr } from "../parser/ast.js";
import type { BoundExpr, Col, PlanNode } from "./context.js";

export interface CteBinding {
  readonly name: string;
  readonly cols: readonly Col[];
  /** Plan producing the CTE rows (materialized once per statement). */
  readonly node: () => PlanNode;
}

export interface AggCall {
  readonly func: FuncExpr;
  readonly args: readonly BoundExpr[];
  readonly filter: BoundExpr | undefined;
  readonly key: string;
}

export interface GroupingContext {
  /** Input scope (before aggregation). */
  readonly input: Scope;
  readonly keyExprs: readonly string[];
  readonly keyBound: readonly BoundExpr[];
  readonly aggs: AggCall[];
  /** Window function calls (bound after aggregation), slot offset after the aggregates. */
  readonly windows: { readonly func: FuncExpr; readonly key: string }[] | undefined;
}

export class Scope {
  /** Set when an expression bound in this scope (or a nested one) referenced an enclosing scope. */
  correlated = false;
  grouping: GroupingContext | undefined;
  /** Window calls bound in this scope, with their slot in the row (after the regular columns). */
  windowSlots: Map<string, number> | undefined;

  constructor(
    readonly cols: readonly Col[],
    readonly parent: Scope | undefined,
    readonly ctes: ReadonlyMap<string, CteBinding>,
    /** A subquery boundary: rows of scopes beyond it come from Env.outer. */
    readonly boundary = false,
  ) {}

  findCte(name: string): CteBinding | undefined {
    return this.ctes.get(name) ?? this.parent?.findCte(name);
  }

  /** Index of a column in this scope only; undefined if absent; 42702 if ambiguous. */
  lookup(parts: readonly string[], position: number): number | undefined {
    const name = parts[parts.length - 1];
    const rel = parts.length >= 2 ? parts[parts.length - 2] : undefined;
    let found: number | undefined;
    for (let i = 0; i < this.cols.length; i++) {
      const c = this.cols[i];
      if (c.name !== name || (rel !== undefined && c.rel !== rel)) continue;
      // Hidden columns (row ids, columns merged by JOIN USING) are reachable only when qualified.
      if (c.hidden && rel === undefined) continue;
      if (found !== undefined) {
        // The same relation and name twice (duplicate GROUP BY keys): the same value.
        if (this.cols[found].rel === c.rel) continue;
        throw new KodiakError(SqlState.ambiguousColumn, `column reference "${name}" is ambiguous`, { position: position + 1 });
      }
      found = i;
    }
    return found;
  }

  hasRel(rel: string): boolean {
    return this.cols.some((c) => c.rel === rel);
  }
}

/** A structural key of an expression, ignoring positions (GROUP BY matching, aggregate dedup). */
export function exprKey(e: Expr | FuncExpr): string {
  return JSON.stringify(e, (k, v: unknown) => (k === "pos" ? undefined : v));
}
