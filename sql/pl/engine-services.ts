// Engine-wide PL-Grizzly state, owned by the SqlEngine: the in-memory catalogs rebuilt from the
// definitions stored in the engine's catalog (cached per catalog version), and RUN NOW: a run
// recorded in the replicated kodiak.cron_runs (cron-store.ts) whose action runs as a top-level
// statement of a fresh session. The periodic scheduler runs in the coordinator (coordinator/cron),
// under the cron lease, for cluster and embedded engines alike.

import type { SessionOptions, SqlSession } from "../api.js";
import type { CatalogData } from "../catalog/catalog.js";
import { findTable } from "../catalog/catalog.js";
import { type Clock, systemClock } from "../../util/index.js";
import { type CronJobDef, type CronRun, MemoryCatalog } from "./catalog.js";
import { CronScheduler } from "./cron-scheduler.js";
import { SqlCronStore } from "./cron-store.js";
import { cronActionSql } from "./cron-tables.js";
import { rowTypeOf } from "./dml-triggers.js";
import { rebuildCatalog } from "./stored-definitions.js";

export { cronActionSql };

/** Runner name of RUN NOW rows in kodiak.cron_runs. */
export const ENGINE_RUNNER = "engine";

export class PlEngineServices {
  /** Cron run history (kodiak_cron_runs), shared by every rebuilt catalog. */
  readonly runs: CronRun[] = [];
  readonly cron: CronScheduler<CronJobDef>;
  readonly store: SqlCronStore;
  private readonly cache = new WeakMap<CatalogData, MemoryCatalog>();
  private readonly standalone = new MemoryCatalog(this.runs);

  constructor(
    openSession: (options: SessionOptions) => Promise<SqlSession>,
    /** The committed catalog (for the scheduler and RUN NOW); undefined without an engine. */
    private readonly committed?: () => CatalogData,
    /** Time for the scheduler, statement budgets and timestamps (the engine's Clock seam). */
    readonly clock: Clock = systemClock,
  ) {
    this.store = new SqlCronStore(() => openSession({ user: "kodiak_cron", database: "kodiak" }), ENGINE_RUNNER);
    const store = this.store;
    this.cron = new CronScheduler(() => this.latest(), clock, {
      claim: (r) => store.claim(r),
      update: (r) => store.update(r),
      runAction: async (job) => {
        const s = await openSession({ user: "kodiak_cron", database: "kodiak" });
        try {
          for await (const _ of s.run(cronActionSql(job))) {
            // results of a cron action are discarded
          }
        } finally {
          await s.close();
        }
      },
    });
  }

  /** The definitions in effect for a catalog version (read-only: do not define into it). */
  catalogFor(data: CatalogData | undefined): MemoryCatalog {
    if (data === undefined) return this.standalone;
    let c = this.cache.get(data);
    if (c === undefined) {
      c = this.fresh(data);
      this.cache.set(data, c);
    }
    return c;
  }

  /** A private copy to run PL DDL against (its effect is stored, then rebuilt). */
  fresh(data: CatalogData | undefined): MemoryCatalog {
    if (data === undefined) return this.standalone;
    return rebuildCatalog(
      data.pl,
      this.runs,
      (t) => {
        const table = findTable(data, undefined, t);
        return table === undefined ? undefined : rowTypeOf(table.columns.filter((c) => !c.hidden));
      },
      () => this.clock.nowMs(),
    );
  }

  latest(): MemoryCatalog {
    return this.catalogFor(this.committed?.());
  }

  /** ALTER CRON JOB … RUN NOW: runs synchronously (for the caller), recording scheduled_for NULL. */
  async runNow(name: string): Promise<void> {
    const job = this.latest().cronJobs.get(name);
    if (job !== undefined) await this.cron.runNow(job);
  }

  stop(): void {
    this.cron.stop();
  }
}
