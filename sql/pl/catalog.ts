// In-memory store of PL-Grizzly definitions (types, functions, triggers, cron jobs) behind the
// PlCatalog seam. The engine's replicated catalog persists the same records; this class is
// the single-node/embedded form and the one tests use. Validation lives in definitions.ts.

import type { Block, Expr, FunctionDef, TriggerAction } from "./ast.js";
import type { PlCatalog, PlFunction } from "./host.js";
import type { PlType } from "./types.js";

export interface TriggerDef {
  readonly name: string;
  readonly table: string;
  readonly timing: "BEFORE" | "AFTER";
  readonly events: readonly ("INSERT" | "UPDATE" | "DELETE")[];
  readonly when: Expr | null;
  readonly action: TriggerAction;
  readonly source: string;
}

export interface CronJobDef {
  readonly name: string;
  readonly schedule: string;
  readonly timezone: string;
  readonly onMissed: "SKIP" | "RUN ONCE";
  readonly action: TriggerAction;
  readonly actionText: string;
  /** The CREATE CRON JOB statement as written (for .schema / kodiak_definitions). */
  readonly source?: string;
  paused: boolean;
  readonly createdAtMs: number;
  /** Schedules from this instant after RESUME (ticks while paused are not missed). */
  resumedAtMs: number;
}

export interface CronRun {
  readonly job: string;
  readonly scheduledForMs: number | null;
  readonly startedAtMs: number;
  finishedAtMs: number | null;
  status: "running" | "succeeded" | "failed" | "skipped" | "abandoned";
  error: string | null;
}

const fnKey = (name: string, receiver: string | null) => (receiver === null ? name : `${receiver}.${name}`);

export class MemoryCatalog implements PlCatalog {
  readonly types = new Map<string, PlType>();
  readonly functions = new Map<string, PlFunction>();
  readonly triggers = new Map<string, TriggerDef>();
  readonly cronJobs = new Map<string, CronJobDef>();
  /** CREATE TYPE statements as written, by type name (for .schema / kodiak_definitions). */
  readonly typeSources = new Map<string, string>();
  /** Run history; shared by the catalogs an engine rebuilds from its stored definitions. */
  readonly cronRuns: CronRun[];

  constructor(cronRuns: CronRun[] = []) {
    this.cronRuns = cronRuns;
  }

  type(name: string): PlType | undefined {
    return this.types.get(name);
  }

  func(name: string, receiver: string | null): PlFunction | undefined {
    return this.functions.get(fnKey(name, receiver));
  }

  putFunction(fn: PlFunction): void {
    this.functions.set(fnKey(fn.def.name, fn.def.receiver), fn);
  }

  dropFunction(name: string, receiver: string | null): boolean {
    return this.functions.delete(fnKey(name, receiver));
  }

  triggersOn(table: string): TriggerDef[] {
    return [...this.triggers.values()].filter((t) => t.table === table).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  triggerKey(table: string, name: string): string {
    return `${table}.${name}`;
  }

  functionDefs(): FunctionDef[] {
    return [...this.functions.values()].map((f) => f.def);
  }
}

export type { Block };
