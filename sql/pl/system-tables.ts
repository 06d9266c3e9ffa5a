// Read-only system relations of PL-Grizzly for the planner (called from sql/plan/select.ts):
// kodiak_cron_jobs, kodiak_cron_runs, kodiak_functions, kodiak_types and kodiak_triggers,
// produced from the active session's PL catalog.

import { fromSqlValue } from "../engine/convert.js";
import type { Col, PlanNode } from "../plan/context.js";
import { typeOfSqlType } from "../engine/convert.js";
import { MemoryCatalog } from "./catalog.js";
import type { ResultColumn, SqlValue } from "../api.js";
import {
  CRON_JOBS_COLUMNS,
  CRON_RUNS_COLUMNS,
  cronJobsRows,
  cronRunsRows,
  FUNCTIONS_COLUMNS,
  functionsRows,
  TRIGGERS_COLUMNS,
  TYPES_COLUMNS,
  triggersRows,
  typesRows,
} from "./cron-tables.js";
import { activePl } from "./engine-bridge.js";

const TABLES: Record<string, { columns: readonly ResultColumn[]; rows: (c: MemoryCatalog, nowMs: number) => SqlValue[][] }> = {
  kodiak_cron_jobs: { columns: CRON_JOBS_COLUMNS, rows: (c, nowMs) => cronJobsRows(c, nowMs) },
  kodiak_cron_runs: { columns: CRON_RUNS_COLUMNS, rows: cronRunsRows },
  kodiak_functions: { columns: FUNCTIONS_COLUMNS, rows: functionsRows },
  kodiak_types: { columns: TYPES_COLUMNS, rows: typesRows },
  kodiak_triggers: { columns: TRIGGERS_COLUMNS, rows: triggersRows },
};

export const PL_SYSTEM_TABLES: ReadonlySet<string> = new Set(Object.keys(TABLES));

/** A plan node scanning a PL system table, or undefined when `name` is not one. */
export function plSystemTable(name: string, alias: string): PlanNode | undefined {
  const table = Object.hasOwn(TABLES, name) ? TABLES[name] : undefined;
  if (table === undefined) return undefined;
  const cols: Col[] = table.columns.map((c) => ({ rel: alias, name: c.name, type: typeOfSqlType(c.type) }));
  return {
    label: "System Scan",
    detail: `on ${name}`,
    cols,
    children: [],
    run: () => {
      const env = activePl()?.env;
      const catalog = env?.catalog;
      if (env === undefined || !(catalog instanceof MemoryCatalog)) return [];
      return table.rows(catalog, env.nowMs()).map((r) => r.map((v, i) => fromSqlValue(v, cols[i]!.type)));
    },
  };
}
