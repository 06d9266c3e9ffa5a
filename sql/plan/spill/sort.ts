// ORDER BY (and the sort under DISTINCT ON) bounded by work_mem: SortNode's plan, with the rows
// sorted by sortRowsBounded, which spills sorted runs and merges them when past the budget.
import type { Row } from "../../types/values.js";
import { type Env, runNode } from "../context.js";
import { compareRows, SortNode } from "../nodes.js";
import { sortRowsBounded } from "./external-sort.js";

export class SpillingSortNode extends SortNode {
  override run(env: Env): Row[] {
    return sortRowsBounded(runNode(this.child, env), compareRows(this.keys), env.spill, this);
  }
}
