// Renders plan trees for EXPLAIN (and EXPLAIN ANALYZE with actual rows, loops and time per node).
import type { Env, PlanNode } from "../plan/context.js";

export function explainLines(root: PlanNode, stats: Env["stats"]): string[] {
  const lines: string[] = [];
  const visit = (n: PlanNode, depth: number): void => {
    const s = stats?.get(n);
    const actual = s ? ` (actual time=${s.ms.toFixed(3)} rows=${Math.round(s.rows / Math.max(s.loops, 1))} loops=${s.loops})` : "";
    const prefix = depth === 0 ? "" : `${"  ".repeat(depth * 3 - 2)}->  `;
    lines.push(`${prefix}${n.label}${actual}`);
    if (n.detail) lines.push(`${" ".repeat(depth === 0 ? 2 : depth * 6)}${n.detail}`);
    for (const c of n.children) visit(c, depth + 1);
  };
  visit(root, 0);
  return lines;
}
