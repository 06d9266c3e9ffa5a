// Which subqueries (scalar, IN, EXISTS, ANY/ALL, ARRAY) a query level runs from inside its
// expressions, for EXPLAIN's "InitPlan" (uncorrelated: run once per statement) and "SubPlan"
// (correlated: run per outer row) lines. Expressions hold their subplans inside closures, so the
// planner reports each one here as it plans it. Planning is synchronous, so a module-level stack
// of collectors (one per query level being planned) is safe; nothing is kept when no level collects.
import type { PlanNode } from "./context.js";
import type { Scope } from "./scope.js";

export interface Subplan {
  readonly node: PlanNode;
  /** References columns of an enclosing query: re-run for each outer row. */
  readonly correlated: boolean;
}

const collecting: Subplan[][] = [];
const subplansByLevel = new WeakMap<PlanNode, readonly Subplan[]>();

/** Plans a subquery of an expression and records it for the query level being planned. */
export function planSubplan(plan: () => PlanNode, inner: Pick<Scope, "correlated">): PlanNode {
  const nested: Subplan[] = [];
  collecting.push(nested);
  let node: PlanNode;
  try {
    node = plan();
  } finally {
    collecting.pop();
  }
  if (nested.length > 0) subplansByLevel.set(node, nested);
  collecting[collecting.length - 1]?.push({ node, correlated: inner.correlated });
  return node;
}

/** Plans a top-level query, keeping the subplans its expressions run (EXPLAIN). */
export function planWithSubplans(plan: () => PlanNode): PlanNode {
  return planSubplan(plan, { correlated: false });
}

/** Subplans run by the expressions of the query level whose top node is `node`. */
export function subplansOf(node: PlanNode): readonly Subplan[] {
  return subplansByLevel.get(node) ?? [];
}
