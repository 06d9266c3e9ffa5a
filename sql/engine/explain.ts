// Renders plan trees for EXPLAIN (and EXPLAIN ANALYZE with actual rows, loops and time per node,
// plus what each operator reported: sort method, batches, memory and disk used when it spilled).
import type { Env, PlanNode } from "../plan/context.js";
import { subplansOf } from "../plan/subplans.js";

export function explainLines(root: PlanNode, stats: Env["stats"], notes?: ReadonlyMap<object, readonly string[]>): string[] {
  const lines: string[] = [];
  let subplanCount = 0;
  const visit = (n: PlanNode, depth: number): void => {
    const s = stats?.get(n);
    const actual = s ? ` (actual time=${s.ms.toFixed(3)} rows=${Math.round(s.rows / Math.max(s.loops, 1))} loops=${s.loops})` : "";
    const prefix = depth === 0 ? "" : `${"  ".repeat(depth * 3 - 2)}->  `;
    lines.push(`${prefix}${n.label}${actual}`);
    const indent = " ".repeat(depth === 0 ? 2 : depth * 6);
    if (n.detail) lines.push(`${indent}${n.detail}`);
    for (const note of notes?.get(n) ?? []) lines.push(`${indent}${note}`);
    for (const sub of subplansOf(n)) {
      const id = ++subplanCount;
      lines.push(`${indent}${sub.correlated ? `SubPlan ${id}` : `InitPlan ${id} (returns $${id - 1})`}`);
      visit(sub.node, depth + 1);
    }
    for (const c of n.children) visit(c, depth + 1);
  };
  visit(root, 0);
  return lines;
}
