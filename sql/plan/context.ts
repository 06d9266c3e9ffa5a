// Shared shapes of the planner and executor: result columns, the execution environment, bound
// (compiled) expressions and plan nodes. Plan nodes produce their output as arrays of rows
// (batches); expressions are closures over a row, compiled once per statement.
import type { CatalogData } from "../catalog/catalog.js";
import type { Transaction } from "../engine/txn.js";
import type { DataType } from "../types/types.js";
import type { Row, Value } from "../types/values.js";
import type { SpillContext } from "./spill/memory.js";

export interface Col {
  /** Relation alias the column is visible under (undefined for computed columns). */
  readonly rel: string | undefined;
  readonly name: string;
  readonly type: DataType;
  /** Hidden columns (row id) are not expanded by `*`. */
  readonly hidden?: boolean;
}

export interface Env {
  readonly params: readonly Value[];
  /** Rows of enclosing queries, innermost first (correlated subqueries). */
  readonly outer: readonly Row[];
  readonly txn: Transaction;
  readonly catalog: CatalogData;
  /** Results of uncorrelated subqueries, computed once per statement. */
  readonly cache: Map<object, unknown>;
  /** Cancellation: checked between batches. */
  readonly signal: AbortSignal | undefined;
  /** statement_timeout: performance.now() value after which the statement fails with 57014. */
  readonly deadline?: number;
  /** Transaction start time (wall clock, ms) for now()/current_timestamp; from the engine's Clock. */
  readonly nowMs?: number;
  /** Per-node statistics, collected for EXPLAIN ANALYZE. */
  readonly stats: Map<PlanNode, { rows: number; ms: number; loops: number }> | undefined;
  /** work_mem and temp files for sorts, hash joins and aggregations (absent: no spilling). */
  readonly spill?: SpillContext;
}

export type Fn = (row: Row, env: Env) => Value;

export interface BoundExpr {
  readonly fn: Fn;
  readonly type: DataType;
  /** No column, parameter or subquery references: may be folded at plan time. */
  readonly constant: boolean;
  readonly pos: number;
  /** Set when the expression is a plain reference to input column `column`. */
  readonly column?: number;
  /** Parameters of unknown type learn their type from the first implicit cast applied to them. */
  readonly inferType?: (t: DataType) => void;
}

export interface PlanNode {
  readonly label: string;
  readonly detail: string;
  readonly cols: readonly Col[];
  readonly children: readonly PlanNode[];
  run(env: Env): Row[];
}

/** Runs a node, recording rows and time when EXPLAIN ANALYZE asked for it. */
export function runNode(node: PlanNode, env: Env): Row[] {
  checkInterrupt(env);
  if (!env.stats) return node.run(env);
  const t0 = performance.now();
  const rows = node.run(env);
  const s = env.stats.get(node) ?? { rows: 0, ms: 0, loops: 0 };
  s.rows += rows.length;
  s.ms += performance.now() - t0;
  s.loops++;
  env.stats.set(node, s);
  return rows;
}

import { KodiakError, SqlState } from "../../util/index.js";

/** Throws 57014 when the statement was cancelled or ran past statement_timeout. */
export function checkInterrupt(env: Env): void {
  if (env.signal?.aborted) throw new KodiakError(SqlState.queryCanceled, "canceling statement due to user request");
  if (env.deadline !== undefined && performance.now() > env.deadline) {
    throw new KodiakError(SqlState.queryCanceled, "canceling statement due to statement timeout");
  }
}
