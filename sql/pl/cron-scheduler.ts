// In-process cron scheduler (embedded mode; in a cluster the coordinator holding the cron lease
// runs it). Time comes only from the Clock seam. Each tick's run row is recorded through
// CronHost.claim before the action runs, and a claimed tick is never started again (at most
// once). Missed ticks follow the job's policy: SKIP records the latest as 'skipped', RUN ONCE
// runs the latest once, late; earlier missed ticks are not recorded.

import type { Clock, TimerHandle } from "../../util/index.js";
import type { CronJobDef, CronRun, MemoryCatalog } from "./catalog.js";
import { cronNext, parseCron } from "./cron.js";
import { isKodiakError } from "../../util/index.js";

/** How late a tick may be noticed and still count as on time (not missed). */
export const CRON_ON_TIME_GRACE_MS = 60_000;
/** Poll period of the in-process scheduler. */
export const CRON_POLL_MS = 1000;
/** Bound on ticks examined per job per poll (a job can never fall this far behind). */
export const CRON_TICKS_PER_POLL_MAX = 100_000;

export interface CronHost {
  /** Runs the job's action as a top-level statement in a fresh session and transaction. */
  runAction(job: CronJobDef): Promise<void>;
  /** Records a run row; false if (job, scheduledFor) already exists (never run it twice). */
  claim(run: CronRun): Promise<boolean>;
  /** Persists a run row's new status. */
  update(run: CronRun): Promise<void>;
}

/** Memory-backed CronHost pieces for embedded mode and tests: runs live in the catalog. */
export function memoryRunLog(catalog: MemoryCatalog): Pick<CronHost, "claim" | "update"> {
  return {
    async claim(run) {
      if (run.scheduledForMs !== null && catalog.cronRuns.some((r) => r.job === run.job && r.scheduledForMs === run.scheduledForMs))
        return false;
      catalog.cronRuns.push(run);
      return true;
    },
    async update() {},
  };
}

export function nextRunMs(job: CronJobDef, afterMs: number): number | null {
  if (job.paused) return null;
  return cronNext(parseCron(job.schedule), Math.max(afterMs, job.resumedAtMs), job.timezone);
}

export class CronScheduler {
  private timer: TimerHandle | null = null;
  private readonly cursors = new Map<string, number>();
  private busy = false;

  private readonly catalogOf: () => MemoryCatalog;

  constructor(
    catalog: MemoryCatalog | (() => MemoryCatalog),
    private readonly clock: Clock,
    private readonly host: CronHost,
  ) {
    this.catalogOf = typeof catalog === "function" ? catalog : () => catalog;
  }

  private get catalog(): MemoryCatalog {
    return this.catalogOf();
  }

  /** Starts polling; rows left 'running' by a previous scheduler become 'abandoned'. */
  async start(): Promise<void> {
    for (const r of this.catalog.cronRuns) {
      if (r.status === "running") {
        r.status = "abandoned";
        await this.host.update(r);
      }
    }
    this.timer = this.clock.setInterval(() => {
      void this.poll();
    }, CRON_POLL_MS);
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = null;
  }

  /** Where a job's schedule resumes: its last recorded tick, else creation/resume time. */
  private cursor(job: CronJobDef): number {
    const known = this.cursors.get(job.name);
    const recorded = this.catalog.cronRuns.filter((r) => r.job === job.name && r.scheduledForMs !== null).map((r) => r.scheduledForMs!);
    return Math.max(known ?? 0, job.resumedAtMs, job.createdAtMs, ...recorded);
  }

  /** One scheduling pass at the clock's current time. Returns the runs it started or skipped. */
  async poll(): Promise<CronRun[]> {
    if (this.busy) return [];
    this.busy = true;
    try {
      const now = this.clock.nowMs();
      const out: CronRun[] = [];
      for (const job of [...this.catalog.cronJobs.values()]) {
        if (job.paused) {
          this.cursors.set(job.name, now);
          continue;
        }
        const due = this.dueTicks(job, now);
        this.cursors.set(job.name, now);
        if (due.length === 0) continue;
        const latest = due[due.length - 1]!;
        const onTime = now - latest <= CRON_ON_TIME_GRACE_MS;
        if (onTime || job.onMissed === "RUN ONCE") {
          const run = await this.runTick(job, latest);
          if (run !== null) out.push(run);
        } else {
          const run: CronRun = {
            job: job.name,
            scheduledForMs: latest,
            startedAtMs: now,
            finishedAtMs: now,
            status: "skipped",
            error: null,
          };
          if (await this.host.claim(run)) out.push(run);
        }
      }
      return out;
    } finally {
      this.busy = false;
    }
  }

  private dueTicks(job: CronJobDef, now: number): number[] {
    const ticks: number[] = [];
    const schedule = parseCron(job.schedule);
    let t = this.cursor(job);
    for (let i = 0; i < CRON_TICKS_PER_POLL_MAX; i++) {
      const next = cronNext(schedule, t, job.timezone);
      if (next === null || next > now) break;
      ticks.push(next);
      t = next;
    }
    return ticks;
  }

  /** Claims then runs one tick; null when another scheduler already claimed it. */
  async runTick(job: CronJobDef, scheduledForMs: number | null): Promise<CronRun | null> {
    const run: CronRun = {
      job: job.name,
      scheduledForMs,
      startedAtMs: this.clock.nowMs(),
      finishedAtMs: null,
      status: "running",
      error: null,
    };
    if (!(await this.host.claim(run))) return null;
    try {
      await this.host.runAction(job);
      run.status = "succeeded";
    } catch (e) {
      run.status = "failed";
      run.error = isKodiakError(e) ? `${e.code}: ${e.message}` : `XX000: ${String(e)}`;
    }
    run.finishedAtMs = this.clock.nowMs();
    await this.host.update(run);
    return run;
  }

  /** ALTER CRON JOB … RUN NOW: runs once, synchronously, scheduled_for NULL; works when paused. */
  runNow(job: CronJobDef): Promise<CronRun | null> {
    return this.runTick(job, null);
  }
}
