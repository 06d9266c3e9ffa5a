// Rows of the read-only PL-Grizzly system tables — kodiak_cron_jobs and kodiak_cron_runs
// (section 13), kodiak_functions, kodiak_types and kodiak_triggers (the catalog listing) — as
// SqlValues with PostgreSQL column types, for the engine to expose as virtual tables.

import { PgOid, type ResultColumn, type SqlValue } from "../api.js";
import type { CronJobDef, MemoryCatalog } from "./catalog.js";
import { nextRunMs } from "./cron-scheduler.js";
import { typeName } from "./types.js";
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
  // Beyond the reference: what the cluster scheduler needs (schedule resumes from; statement run).
  col("resumed_at", "timestamptz"),
  col("action_sql", "text"),
];

/** The SQL that runs a job's action: `SELECT f()` or the `DO { … }` block. */
export function cronActionSql(job: CronJobDef): string {
  if ("fn" in job.action) return `SELECT ${job.action.fn}()`;
  const text = job.actionText.trim();
  return /^do\b/i.test(text) ? text : `DO ${text}`;
}

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
    ts(j.resumedAtMs),
    cronActionSql(j),
  ]);
}

export function cronRunsRows(catalog: MemoryCatalog): SqlValue[][] {
  return catalog.cronRuns.map((r) => [r.job, ts(r.scheduledForMs), ts(r.startedAtMs), ts(r.finishedAtMs), r.status, r.error]);
}

export const FUNCTIONS_COLUMNS: readonly ResultColumn[] = [
  col("name", "text"),
  col("receiver", "text"),
  col("arguments", "text"),
  col("returns", "text"),
  col("kind", "text"),
  col("immutable", "bool"),
  col("source", "text"),
];

export function functionsRows(catalog: MemoryCatalog): SqlValue[][] {
  return [...catalog.functions.values()].map((f) => [
    f.def.name,
    f.def.receiver,
    f.def.params.map((p, i) => `${p.name}: ${typeName(f.paramTypes[i]!)}${p.default === null ? "" : " = …"}`).join(", "),
    typeName(f.returnType),
    f.def.async ? "ASYNC" : "SYNC",
    f.def.immutable,
    f.def.source,
  ]);
}

export const TYPES_COLUMNS: readonly ResultColumn[] = [
  col("name", "text"),
  col("kind", "text"),
  col("fields", "text"),
  col("sqlstate", "text"),
  col("source", "text"),
];

export function typesRows(catalog: MemoryCatalog): SqlValue[][] {
  return [...catalog.types.entries()].map(([name, t]) => {
    const fields = t.k === "struct" ? t.fields : t.k === "exception" ? (t.def?.fields ?? []) : [];
    return [
      name,
      t.k === "struct" ? "STRUCT" : "EXCEPTION",
      fields.map((f) => `${f.name}: ${typeName(f.type)}`).join(", "),
      t.k === "exception" ? (t.def?.sqlstate ?? null) : null,
      catalog.typeSources.get(name) ?? null,
    ];
  });
}

export const TRIGGERS_COLUMNS: readonly ResultColumn[] = [
  col("name", "text"),
  col("table_name", "text"),
  col("timing", "text"),
  col("events", "text"),
  col("source", "text"),
];

export function triggersRows(catalog: MemoryCatalog): SqlValue[][] {
  return [...catalog.triggers.values()].map((t) => [t.name, t.table, t.timing, t.events.join(" OR "), t.source]);
}

export const DEFINITIONS_COLUMNS: readonly ResultColumn[] = [
  col("kind", "text"),
  col("name", "text"),
  col("table_name", "text"),
  col("source", "text"),
];

const statement = (src: string): string => (src.trimEnd().endsWith(";") ? src.trim() : `${src.trim()};`);

/** The CREATE statement of a cron job, rebuilt from its fields when its text was not kept. */
function cronSource(j: CronJobDef): string {
  if (j.source !== undefined) return j.source;
  const tz = j.timezone === "UTC" ? "" : ` TIMEZONE ${sqlQuote(j.timezone)}`;
  const missed = j.onMissed === "SKIP" ? "" : " ON MISSED RUN ONCE";
  const action = "fn" in j.action ? `EXECUTE FUNCTION ${j.action.fn}()` : cronActionSql(j);
  return `CREATE CRON JOB ${j.name} SCHEDULE ${sqlQuote(j.schedule)}${tz}${missed} ${action}`;
}

const sqlQuote = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/**
 * Every PL definition as the statement that recreates it (kodiak_definitions, the REPL's .schema):
 * types, then functions, triggers and cron jobs — each kind in creation order, so replaying the
 * rows in order recreates the catalog. A paused cron job is followed by its ALTER … PAUSE.
 */
export function definitionsRows(catalog: MemoryCatalog): SqlValue[][] {
  const out: SqlValue[][] = [];
  for (const name of catalog.types.keys()) {
    const src = catalog.typeSources.get(name);
    out.push(["type", name, null, src === undefined ? null : statement(src)]);
  }
  for (const f of catalog.functions.values()) {
    const name = f.def.receiver === null ? f.def.name : `${f.def.receiver}.${f.def.name}`;
    out.push(["function", name, null, statement(f.def.source)]);
  }
  for (const t of catalog.triggers.values()) out.push(["trigger", t.name, t.table, statement(t.source)]);
  for (const j of catalog.cronJobs.values()) {
    const src = statement(cronSource(j));
    out.push(["cron job", j.name, null, j.paused ? `${src}\nALTER CRON JOB ${j.name} PAUSE;` : src]);
  }
  return out;
}
