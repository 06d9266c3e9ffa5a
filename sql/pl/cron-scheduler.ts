// In-process cron scheduler (embedded mode; in a cluster the coordinator holding the cron lease
// runs it). Time comes only from the Clock seam. Each tick's run row is recorded through
// CronHost.claim before the action runs, and a claimed tick is never started again (at most
// once). Missed ticks follow the job's policy: SKIP records the latest as 'skipped', RUN ONCE
// runs the latest once, late; earlier missed ticks are not recorded.

import type { Clock, TimerHandle } from "../../util/index.js";
import { type CronJobDef, type CronRun, MemoryCatalog } from "./catalog.js";
import { cronNext, parseCron } from "./cron.js";
import { isKodiakError } from "../../util/index.js";

/** How late a tick may be noticed and still count as on time (not missed). */
export const CRON_ON_TIME_GRACE_MS = 60_000;
/** Poll period of the in-process scheduler. */
export const CRON_POLL_MS = 1000;
/** Bound on ticks examined per job per poll (a job can never fall this far behind). */
export const CRON_TICKS_PER_POLL_MAX = 100_000;

/** What the scheduler needs of a job (CronJobDef has it; so do kodiak_cron_jobs rows). */
export interface CronJobView {
  readonly name: string;
  readonly schedule: string;
  readonly timezone: string;
  readonly onMissed: "SKIP" | "RUN ONCE";
  readonly paused: boolean;
  readonly createdAtMs: number;
  readonly resumedAtMs: number;
}

/** Where jobs and the run log's state come from: the memory catalog, or the replicated tables. */
export interface CronSource<J extends CronJobView> {
  jobs(): Promise<readonly J[]>;
  /** Latest recorded scheduled_for per job (the schedule resumes after it). */
  lastTicks(): Promise<ReadonlyMap<string, number>>;
  /** Marks rows left 'running' by a dead scheduler 'abandoned' (never re-run them). */
  abandonRunning(): Promise<void>;
}

export interface CronHost<J extends CronJobView = CronJobDef> {
  /** Runs the job's action as a top-level statement in a fresh session and transaction. */
  runAction(job: J): Promise<void>;
  /**
   * Records a run row; false if (job, scheduledFor) already exists (never run it twice). Throws
   * when the claim cannot be made now (the pass stops and the tick is retried at the next one).
   */
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

/** The memory catalog as a CronSource (embedded tests; runs in catalog.cronRuns). */
export function memoryCronSource(catalog: () => MemoryCatalog): CronSource<CronJobDef> {
  return {
    jobs: async () => [...catalog().cronJobs.values()],
    async lastTicks() {
      const m = new Map<string, number>();
      for (const r of catalog().cronRuns) {
        if (r.scheduledForMs !== null && r.scheduledForMs > (m.get(r.job) ?? Number.NEGATIVE_INFINITY)) m.set(r.job, r.scheduledForMs);
      }
      return m;
    },
    async abandonRunning() {
      for (const r of catalog().cronRuns) if (r.status === "running") r.status = "abandoned";
    },
  };
}

export function nextRunMs(job: CronJobView, afterMs: number): number | null {
  if (job.paused) return null;
  return cronNext(parseCron(job.schedule), Math.max(afterMs, job.resumedAtMs), job.timezone);
}

export class CronScheduler<J extends CronJobView = CronJobDef> {
  private timer: TimerHandle | null = null;
  private readonly cursors = new Map<string, number>();
  private busy = false;
  private inFlight: Promise<unknown> | null = null;
  private readonly source: CronSource<J>;

  constructor(
    source: CronSource<J> | MemoryCatalog | (() => MemoryCatalog),
    private readonly clock: Clock,
    private readonly host: CronHost<J>,
    private readonly pollMs = CRON_POLL_MS,
  ) {
    if (source instanceof MemoryCatalog) this.source = memoryCronSource(() => source) as unknown as CronSource<J>;
    else if (typeof source === "function") this.source = memoryCronSource(source) as unknown as CronSource<J>;
    else this.source = source;
  }

  /** Starts polling; rows left 'running' by a previous scheduler become 'abandoned'. */
  async start(): Promise<void> {
    await this.source.abandonRunning();
    this.timer = this.clock.setInterval(() => {
      if (this.inFlight !== null) return;
      this.inFlight = this.poll()
        .catch(() => {
          // a failed pass (e.g. the cluster briefly has no leader) is retried at the next poll
        })
        .finally(() => {
          this.inFlight = null;
        });
    }, this.pollMs);
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = null;
  }

  /** Resolves when the timer's current pass (if any) is over. */
  async idle(): Promise<void> {
    await this.inFlight;
  }

  get running(): boolean {
    return this.timer !== null;
  }

  /** Where a job's schedule resumes: its last recorded tick, else creation/resume time. */
  private cursor(job: J, recorded: ReadonlyMap<string, number>): number {
    return Math.max(this.cursors.get(job.name) ?? 0, job.resumedAtMs, job.createdAtMs, recorded.get(job.name) ?? 0);
  }

  /** One scheduling pass at the clock's current time. Returns the runs it started or skipped. */
  async poll(): Promise<CronRun[]> {
    if (this.busy) return [];
    this.busy = true;
    try {
      const jobs = await this.source.jobs();
      const recorded = await this.source.lastTicks();
      const now = this.clock.nowMs();
      const out: CronRun[] = [];
      for (const job of jobs) {
        if (job.paused) {
          this.cursors.set(job.name, now);
          continue;
        }
        const due = this.dueTicks(job, now, this.cursor(job, recorded));
        if (due.length === 0) {
          this.cursors.set(job.name, now);
          continue;
        }
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
        // Only once the tick is handled: a pass that fails (no leader, lease lost) retries it.
        this.cursors.set(job.name, now);
      }
      return out;
    } finally {
      this.busy = false;
    }
  }

  private dueTicks(job: J, now: number, from: number): number[] {
    const ticks: number[] = [];
    const schedule = parseCron(job.schedule);
    let t = from;
    for (let i = 0; i < CRON_TICKS_PER_POLL_MAX; i++) {
      const next = cronNext(schedule, t, job.timezone);
      if (next === null || next > now) break;
      ticks.push(next);
      t = next;
    }
    return ticks;
  }

  /** Claims then runs one tick; null when another scheduler already claimed it. */
  async runTick(job: J, scheduledForMs: number | null): Promise<CronRun | null> {
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
  runNow(job: J): Promise<CronRun | null> {
    return this.runTick(job, null);
  }
}
