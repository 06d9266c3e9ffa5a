// Rows of the read-only system tables kodiak_cron_jobs and kodiak_cron_runs (section 13), as
// SqlValues with PostgreSQL column types, for the engine to expose as virtual tables.

import { PgOid, type ResultColumn, type SqlValue } from "../api.js";
import type { MemoryCatalog } from "./catalog.js";
import { nextRunMs } from "./cron-scheduler.js";
import { formatTimestamp } from "./values.js";

const col = (name: string, t: "text" | "bool" | "timestamptz"): ResultColumn => ({ name, type: { name: t, oid: PgOid[t], typmod: -1 } });
const ts = (ms: number | null): SqlValue => (ms === null ? null : formatTimestamp(ms, true));

export const CRON_JOBS_COLUMNS: readonly ResultColumn[] = [
  col("name", "text"),
  col("schedule", "text"),
  col("timezone", "text"),
  col("on_missed", "text"),
  col("action", "text"),
  col("paused", "bool"),
  col("next_run", "timestamptz"),
  col("created_at", "timestamptz"),
];

export const CRON_RUNS_COLUMNS: readonly ResultColumn[] = [
  col("job", "text"),
  col("scheduled_for", "timestamptz"),
  col("started_at", "timestamptz"),
  col("finished_at", "timestamptz"),
  col("status", "text"),
  col("error", "text"),
];

export function cronJobsRows(catalog: MemoryCatalog, nowMs: number): SqlValue[][] {
  return [...catalog.cronJobs.values()].map((j) => [
    j.name,
    j.schedule,
    j.timezone,
    j.onMissed,
    j.actionText,
    j.paused,
    ts(nextRunMs(j, nowMs)),
    ts(j.createdAtMs),
  ]);
}

export function cronRunsRows(catalog: MemoryCatalog): SqlValue[][] {
  return catalog.cronRuns.map((r) => [r.job, ts(r.scheduledForMs), ts(r.startedAtMs), ts(r.finishedAtMs), r.status, r.error]);
}
