// Read-only system relations of PL-Grizzly for the planner (called from sql/plan/select.ts):
// kodiak_cron_jobs, kodiak_cron_runs, kodiak_functions, kodiak_types, kodiak_triggers and
// kodiak_definitions (every definition as its CREATE statement),
// produced from the active session's PL catalog — except kodiak_cron_runs, which reads the
// replicated table kodiak.cron_runs (cron-store.ts) in the statement's transaction once it exists.

import { fromSqlValue } from "../engine/convert.js";
import type { Col, Env, PlanNode } from "../plan/context.js";
import type { Row } from "../types/values.js";
import { findTable } from "../catalog/catalog.js";
import { scanTable } from "../engine/tables.js";
import { typeOfSqlType } from "../engine/convert.js";
import { MemoryCatalog } from "./catalog.js";
import type { ResultColumn, SqlValue } from "../api.js";
import {
  CRON_JOBS_COLUMNS,
  CRON_RUNS_COLUMNS,
  cronJobsRows,
  DEFINITIONS_COLUMNS,
  definitionsRows,
  cronRunsRows,
  FUNCTIONS_COLUMNS,
  functionsRows,
  TRIGGERS_COLUMNS,
  TYPES_COLUMNS,
  triggersRows,
  typesRows,
} from "./cron-tables.js";
import { activePl } from "./engine-bridge.js";

/** kodiak_cron_runs from kodiak.cron_runs (undefined until the cron store created it). */
function storedCronRuns(env: Env): Row[] | undefined {
  const t = findTable(env.catalog, "kodiak", "cron_runs");
  if (t === undefined) return undefined;
  const at = CRON_RUNS_COLUMNS.map((c) => t.columns.findIndex((x) => x.name === c.name));
  if (at.some((i) => i < 0)) return undefined;
  return scanTable(env.txn, t).map((r) => at.map((i) => r[i]!));
}

interface SystemTable {
  readonly columns: readonly ResultColumn[];
  readonly rows: (c: MemoryCatalog, nowMs: number) => SqlValue[][];
  /** Rows kept in a replicated table, when there is one (preferred over `rows`). */
  readonly stored?: (env: Env) => Row[] | undefined;
}

const TABLES: Record<string, SystemTable> = {
  kodiak_cron_jobs: { columns: CRON_JOBS_COLUMNS, rows: (c, nowMs) => cronJobsRows(c, nowMs) },
  kodiak_cron_runs: { columns: CRON_RUNS_COLUMNS, rows: cronRunsRows, stored: storedCronRuns },
  kodiak_functions: { columns: FUNCTIONS_COLUMNS, rows: functionsRows },
  kodiak_types: { columns: TYPES_COLUMNS, rows: typesRows },
  kodiak_triggers: { columns: TRIGGERS_COLUMNS, rows: triggersRows },
  kodiak_definitions: { columns: DEFINITIONS_COLUMNS, rows: definitionsRows },
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
    run: (planEnv) => {
      const stored = table.stored?.(planEnv);
      if (stored !== undefined) return stored;
      const env = activePl()?.env;
      const catalog = env?.catalog;
      if (env === undefined || !(catalog instanceof MemoryCatalog)) return [];
      return table.rows(catalog, env.nowMs()).map((r) => r.map((v, i) => fromSqlValue(v, cols[i]!.type)));
    },
  };
}
