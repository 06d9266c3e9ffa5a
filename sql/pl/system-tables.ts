// Read-only system relations of PL-Grizzly for the planner (called from sql/plan/select.ts):
// kodiak_cron_jobs and kodiak_cron_runs, produced from the active session's PL catalog.

import { fromSqlValue } from "../engine/convert.js";
import type { Col, PlanNode } from "../plan/context.js";
import { typeOfSqlType } from "../engine/convert.js";
import { systemClock } from "../../util/index.js";
import { MemoryCatalog } from "./catalog.js";
import { CRON_JOBS_COLUMNS, CRON_RUNS_COLUMNS, cronJobsRows, cronRunsRows } from "./cron-tables.js";
import { activePl } from "./engine-bridge.js";

export const PL_SYSTEM_TABLES: ReadonlySet<string> = new Set(["kodiak_cron_jobs", "kodiak_cron_runs"]);

/** A plan node scanning a PL system table, or undefined when `name` is not one. */
export function plSystemTable(name: string, alias: string): PlanNode | undefined {
  if (!PL_SYSTEM_TABLES.has(name)) return undefined;
  const columns = name === "kodiak_cron_jobs" ? CRON_JOBS_COLUMNS : CRON_RUNS_COLUMNS;
  const cols: Col[] = columns.map((c) => ({ rel: alias, name: c.name, type: typeOfSqlType(c.type) }));
  return {
    label: "System Scan",
    detail: `on ${name}`,
    cols,
    children: [],
    run: () => {
      const catalog = activePl()?.env.catalog;
      if (!(catalog instanceof MemoryCatalog)) return [];
      const rows = name === "kodiak_cron_jobs" ? cronJobsRows(catalog, systemClock.nowMs()) : cronRunsRows(catalog);
      return rows.map((r) => r.map((v, i) => fromSqlValue(v, cols[i]!.type)));
    },
  };
}
