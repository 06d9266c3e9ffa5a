// Engine-wide PL-Grizzly state, owned by the SqlEngine: the definitions catalog shared by all
// sessions and the cron scheduler (embedded mode; started explicitly, stopped with the engine).
// A cron action runs as a top-level statement of a fresh session.

import type { SessionOptions, SqlSession } from "../api.js";
import { systemClock } from "../../util/index.js";
import { type CronJobDef, MemoryCatalog } from "./catalog.js";
import { CronScheduler, memoryRunLog } from "./cron-scheduler.js";

/** The SQL that runs a job's action: `SELECT f()` or the `DO { … }` block. */
export function cronActionSql(job: CronJobDef): string {
  if ("fn" in job.action) return `SELECT ${job.action.fn}()`;
  const text = job.actionText.trim();
  return /^do\b/i.test(text) ? text : `DO ${text}`;
}

export class PlEngineServices {
  readonly catalog = new MemoryCatalog();
  readonly cron: CronScheduler;

  constructor(openSession: (options: SessionOptions) => Promise<SqlSession>) {
    this.cron = new CronScheduler(this.catalog, systemClock, {
      ...memoryRunLog(this.catalog),
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

  /** ALTER CRON JOB … RUN NOW: runs synchronously (for the caller), recording scheduled_for NULL. */
  async runNow(name: string): Promise<void> {
    const job = this.catalog.cronJobs.get(name);
    if (job !== undefined) await this.cron.runNow(job);
  }

  stop(): void {
    this.cron.stop();
  }
}
