// The in-process cron scheduler under a manual clock: on-time ticks run once, missed ticks follow
// SKIP / RUN ONCE, paused jobs neither run nor record, RUN NOW records scheduled_for NULL, failures
// record '<SQLSTATE>: <message>', and a tick is never run twice (also by a second scheduler).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cronJobsRows, cronRunsRows, CronScheduler, MemoryCatalog, memoryRunLog, PlSession } from "../../../sql/pl/index.js";
import { ManualClock } from "../../../util/index.js";
import { StubHost } from "./harness.js";

const T0 = Date.parse("2025-01-01T00:00:00Z");

function setup() {
  const clock = new ManualClock(T0);
  const catalog = new MemoryCatalog();
  const host = new StubHost();
  let scheduler: CronScheduler;
  const fresh = () =>
    new PlSession({ host, catalog, clock, runCronAction: async (name) => void (await scheduler.runNow(catalog.cronJobs.get(name)!)) });
  const makeScheduler = () =>
    new CronScheduler(catalog, clock, { ...memoryRunLog(catalog), runAction: (job) => fresh().executeCronAction(job) });
  scheduler = makeScheduler();
  const run = async (sql: string) => {
    for await (const _ of fresh().run(sql)) {
      // drain
    }
  };
  return { clock, catalog, run, scheduler, makeScheduler };
}

describe("cron scheduler", () => {
  it("runs an on-time tick once and records it", async () => {
    const { clock, catalog, run, scheduler } = setup();
    await run("CREATE CRON JOB j SCHEDULE '*/5 * * * *' DO { LET a = 1 };");
    clock.advance(5 * 60_000);
    const runs = await scheduler.poll();
    assert.deepEqual(
      runs.map((r) => [r.status, new Date(r.scheduledForMs!).toISOString()]),
      [["succeeded", "2025-01-01T00:05:00.000Z"]],
    );
    assert.deepEqual(await scheduler.poll(), []);
    assert.equal(catalog.cronRuns.length, 1);
  });
  it("a failing action records failed with '<SQLSTATE>: <message>'", async () => {
    const { clock, catalog, run, scheduler } = setup();
    await run("CREATE CRON JOB j SCHEDULE '* * * * *' DO { LET z = 1 / 0 };");
    clock.advance(60_000);
    await scheduler.poll();
    assert.deepEqual(
      cronRunsRows(catalog).map((r) => [r[4], r[5]]),
      [["failed", "22012: division by zero"]],
    );
  });
  it("missed ticks: SKIP records only the latest as skipped; RUN ONCE runs it once, late", async () => {
    const { clock, catalog, run, makeScheduler } = setup();
    await run(
      "CREATE CRON JOB s SCHEDULE '0 * * * *' DO { LET a = 1 }; CREATE CRON JOB r SCHEDULE '0 * * * *' ON MISSED RUN ONCE DO { LET a = 1 };",
    );
    clock.advance(3 * 3600_000 + 30 * 60_000);
    const runs = await makeScheduler().poll();
    assert.deepEqual(
      runs.map((x) => [x.job, x.status, new Date(x.scheduledForMs!).toISOString()]),
      [
        ["s", "skipped", "2025-01-01T03:00:00.000Z"],
        ["r", "succeeded", "2025-01-01T03:00:00.000Z"],
      ],
    );
    assert.equal(catalog.cronRuns.length, 2);
  });
  it("a paused job neither runs nor records; RUN NOW works on it with scheduled_for NULL", async () => {
    const { clock, catalog, run, scheduler } = setup();
    await run("CREATE CRON JOB j SCHEDULE '@hourly' TIMEZONE 'Europe/Paris' ON MISSED RUN ONCE DO { LET a = 1 }; ALTER CRON JOB j PAUSE;");
    assert.deepEqual(
      cronJobsRows(catalog, clock.nowMs()).map((r) => [r[2], r[3], r[5], r[6]]),
      [["Europe/Paris", "RUN ONCE", true, null]],
    );
    clock.advance(5 * 3600_000);
    assert.deepEqual(await scheduler.poll(), []);
    await run("ALTER CRON JOB j RUN NOW;");
    assert.deepEqual(
      cronRunsRows(catalog).map((r) => [r[1], r[4]]),
      [[null, "succeeded"]],
    );
    await run("ALTER CRON JOB j RESUME;");
    assert.equal(cronJobsRows(catalog, clock.nowMs())[0]![6], "2025-01-01 06:00:00+00");
  });
  it("a tick claimed by one scheduler is never run by another; leftover running rows become abandoned", async () => {
    const { clock, catalog, run, scheduler, makeScheduler } = setup();
    await run("CREATE CRON JOB j SCHEDULE '* * * * *' DO { LET a = 1 };");
    clock.advance(60_000);
    await scheduler.poll();
    const second = makeScheduler();
    assert.deepEqual(await second.runTick(catalog.cronJobs.get("j")!, T0 + 60_000), null);
    catalog.cronRuns.push({ job: "j", scheduledForMs: T0 + 120_000, startedAtMs: T0, finishedAtMs: null, status: "running", error: null });
    await makeScheduler().start();
    assert.equal(catalog.cronRuns[1]!.status, "abandoned");
    assert.equal(catalog.cronRuns.filter((r) => r.scheduledForMs === T0 + 60_000).length, 1);
  });
  it("DROP and ALTER of a missing job are 42704; duplicates 42710", async () => {
    const { run } = setup();
    await run("CREATE CRON JOB j SCHEDULE '@daily' DO { };");
    await assert.rejects(run("CREATE CRON JOB j SCHEDULE '@daily' DO { };"), { code: "42710" });
    await assert.rejects(run("ALTER CRON JOB nope PAUSE;"), { code: "42704" });
    await run("DROP CRON JOB j;");
    await assert.rejects(run("DROP CRON JOB j;"), { code: "42704" });
  });
});
