// The cron scheduler of a coordinator (cluster or embedded engine). Every coordinator runs the
// lease loop (idle while there are no cron jobs); only the one holding the lease (kodiak.cron_lease, taken and renewed by a
// serializable transaction through Raft) runs the scheduler, and it claims a tick (commits its
// kodiak.cron_runs row) only while its lease is valid by its own monotonic clock. At most once
// does not depend on the lease: a tick's row is unique, so a second claim fails whatever the clocks.
//
// Clock assumption (liveness/exclusivity only): coordinators' wall clocks differ by less than
// CRON_CLOCK_SKEW_MS. A holder stops claiming CRON_CLOCK_SKEW_MS before the expiry it wrote, and
// others take the lease only after that expiry by their own wall clock.

import type { SqlEngine } from "../../sql/api.js";
import { CronScheduler } from "../../sql/pl/cron-scheduler.js";
import { SqlCronStore, type StoredCronJob } from "../../sql/pl/cron-store.js";
import { type Clock, KodiakError, type Logger, SqlState, systemClock, type TimerHandle } from "../../util/index.js";

/** How long a lease lasts after each renewal. */
export const CRON_LEASE_TTL_MS = 4_000;
/** How often the lease is renewed (or sought), plus up to CRON_LEASE_JITTER_MS at random. */
export const CRON_LEASE_RENEW_MS = 1_000;
export const CRON_LEASE_JITTER_MS = 250;
/** How often a coordinator looks for cron jobs while there are none (no lease is taken then). */
export const CRON_IDLE_CHECK_MS = 5_000;
/** Assumed bound on wall-clock differences between coordinators. */
export const CRON_CLOCK_SKEW_MS = 1_000;
/** Scheduler poll period (how late an on-time tick may start). */
export const CRON_SERVICE_POLL_MS = 500;
/** Bound on waiting for an in-flight lease round at shutdown. */
const STOP_WAIT_MS = 2_000;
/**
 * Worst case from the holder's death to another coordinator running ticks: its lease expires
 * (TTL after its last renewal), then the next lease round of a survivor, then one poll.
 */
export const CRON_TAKEOVER_BOUND_MS = CRON_LEASE_TTL_MS + CRON_LEASE_RENEW_MS + CRON_LEASE_JITTER_MS + CRON_SERVICE_POLL_MS;

export interface CronServiceOptions {
  /** This coordinator's id: the lease holder and the runner of its rows. */
  readonly id: string;
  readonly log: Logger;
  /** Lease and poll timers (real time). */
  readonly clock?: Clock;
  /** Time the schedule is evaluated in (default: clock; tests use a faster one). */
  readonly cronClock?: Clock;
  /** Delay of the first lease round (default CRON_IDLE_CHECK_MS). */
  readonly firstRoundMs?: number;
}

export class CronService {
  private readonly store: SqlCronStore;
  private readonly scheduler: CronScheduler<StoredCronJob>;
  private readonly clock: Clock;
  private timer: TimerHandle | null = null;
  private round: Promise<void> | null = null;
  private stopped = false;
  /** Monotonic instant until which this coordinator may claim ticks (0: not the holder). */
  private validUntil = 0;

  constructor(
    private readonly engine: SqlEngine,
    private readonly o: CronServiceOptions,
  ) {
    this.clock = o.clock ?? systemClock;
    this.store = new SqlCronStore(() => engine.openSession({ user: "kodiak_cron", database: "kodiak" }), o.id);
    const store = this.store;
    this.scheduler = new CronScheduler<StoredCronJob>(
      store,
      o.cronClock ?? this.clock,
      {
        claim: async (run) => {
          if (!this.holding()) throw new KodiakError(SqlState.lockNotAvailable, "the cron lease is not held");
          return store.claim(run);
        },
        update: (run) => store.update(run),
        runAction: (job) => this.runAction(job),
      },
      CRON_SERVICE_POLL_MS,
    );
  }

  /** True while this coordinator holds an unexpired lease (by its own clock, less the skew). */
  holding(): boolean {
    return this.clock.monotonicMs() < this.validUntil;
  }

  start(): void {
    this.schedule(this.o.firstRoundMs ?? CRON_IDLE_CHECK_MS);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = this.clock.setTimeout(() => {
      this.round = this.leaseRound()
        .catch(() => true)
        .then((active) => {
          this.round = null;
          this.schedule((active ? CRON_LEASE_RENEW_MS : CRON_IDLE_CHECK_MS) + Math.floor(Math.random() * CRON_LEASE_JITTER_MS));
        });
    }, delayMs);
  }

  /** One lease round; false when there are no cron jobs (the next round comes later). */
  private async leaseRound(): Promise<boolean> {
    const started = this.clock.monotonicMs();
    let expires: number | undefined;
    let active = true;
    try {
      // No jobs, no lease: a database without cron jobs gets no cron tables and no lease writes.
      active = (await this.store.jobs()).length > 0;
      if (active) expires = await this.store.acquireLease(this.clock.nowMs(), CRON_LEASE_TTL_MS);
    } catch (e) {
      this.o.log.debug({ err: String(e) }, "cron lease round failed");
    }
    if (this.stopped) return active;
    if (expires === undefined) {
      if (this.scheduler.running) this.o.log.info({ id: this.o.id }, "cron lease lost or no jobs; scheduler stopped");
      this.validUntil = 0;
      this.scheduler.stop();
      return active;
    }
    this.validUntil = started + CRON_LEASE_TTL_MS - CRON_CLOCK_SKEW_MS;
    if (!this.scheduler.running) {
      try {
        await this.scheduler.start();
        this.o.log.info({ id: this.o.id }, "cron lease taken; scheduler running");
      } catch (e) {
        this.o.log.warn({ err: String(e) }, "cron scheduler start failed; retrying at the next lease round");
      }
    }
    return true;
  }

  /** Resolves when the current lease round and scheduler pass (if any) are over (tests). */
  async settled(): Promise<void> {
    await this.round;
    await this.scheduler.idle();
  }

  private async runAction(job: StoredCronJob): Promise<void> {
    const s = await this.engine.openSession({ user: "kodiak_cron", database: "kodiak" });
    try {
      for await (const _ of s.run(job.actionSql)) {
        // results of a cron action are discarded
      }
    } finally {
      await s.close();
    }
  }

  /** Stops the loop and gives the lease up (bounded) so another coordinator takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    this.scheduler.stop();
    const wasHolder = this.validUntil > 0;
    this.validUntil = 0;
    const bounded = <T>(p: Promise<T>) =>
      Promise.race([p.then(() => undefined), new Promise<void>((r) => this.clock.setTimeout(r, STOP_WAIT_MS))]);
    if (this.round !== null) await bounded(this.round.catch(() => undefined));
    if (wasHolder) await bounded(this.store.releaseLease().catch(() => undefined));
    await bounded(this.store.close().catch(() => undefined));
  }
}

/**
 * The schedule's clock for tests (KODIAK_CRON_TEST_CLOCK="originMs:scale"): time runs `scale`
 * times faster from originMs, the same function of wall time in every process, so coordinators
 * agree on ticks. Unset: undefined (real time).
 */
export function cronTestClock(env: NodeJS.ProcessEnv = process.env, base: Clock = systemClock): Clock | undefined {
  const v = env.KODIAK_CRON_TEST_CLOCK;
  if (v === undefined || v === "") return undefined;
  const m = /^(\d+):(\d+)$/.exec(v);
  if (m === null) throw new Error(`KODIAK_CRON_TEST_CLOCK must be ORIGIN_MS:SCALE, got '${v}'`);
  const origin = Number(m[1]);
  const scale = Number(m[2]);
  return { ...base, nowMs: () => origin + (base.nowMs() - origin) * scale };
}

/** Starts the cron service of a coordinator over its engine. */
export function startCronService(engine: SqlEngine, id: string, log: Logger): CronService {
  const cronClock = cronTestClock();
  const s = new CronService(engine, { id, log: log.child({ component: "cron" }), ...(cronClock !== undefined ? { cronClock } : {}) });
  s.start();
  return s;
}
