// The replicated cron state over a real SQL engine (KvSqlEngine on the in-memory KV store): the
// lease excludes a second holder until it expires or is released, a tick is claimed once, rows
// left 'running' become 'abandoned' (and a late update does not overwrite that), and the
// coordinator's CronService runs ticks only while holding the lease.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CRON_LEASE_TTL_MS, CronService } from "../../../coordinator/cron/index.js";
import type { SqlSession } from "../../../sql/api.js";
import { KvSqlEngine } from "../../../sql/engine/engine.js";
import { MemoryKvStore } from "../../../sql/kv/index.js";
import type { CronRun } from "../../../sql/pl/catalog.js";
import { parseTimestamptz, SqlCronStore } from "../../../sql/pl/cron-store.js";
import { ManualClock, silentLogger } from "../../../util/index.js";

const T0 = Date.parse("2025-01-01T00:00:00Z");

async function rows(s: SqlSession, sql: string): Promise<unknown[][]> {
  let last: unknown[][] = [];
  for await (const r of s.run(sql)) last = (r.rows ?? []) as unknown[][];
  return last;
}

function setup(clock = new ManualClock(T0)) {
  const engine = new KvSqlEngine(new MemoryKvStore(), { clock });
  const open = () => engine.openSession({ user: "t", database: "t" });
  return { engine, open, a: new SqlCronStore(open, "a"), b: new SqlCronStore(open, "b") };
}

const run = (job: string, scheduledForMs: number | null): CronRun => ({
  job,
  scheduledForMs,
  startedAtMs: T0,
  finishedAtMs: null,
  status: "running",
  error: null,
});

describe("cron store (replicated tables)", () => {
  it("the lease has one holder until it expires or is released", async () => {
    const { a, b } = setup();
    assert.equal(await a.acquireLease(T0, 4000), T0 + 4000);
    assert.equal(await b.acquireLease(T0 + 1000, 4000), undefined);
    assert.equal(await a.acquireLease(T0 + 2000, 4000), T0 + 6000, "the holder renews");
    assert.equal(await b.acquireLease(T0 + 5999, 4000), undefined);
    assert.equal(await b.acquireLease(T0 + 6001, 4000), T0 + 10_001, "taken after expiry");
    assert.equal(await a.acquireLease(T0 + 6002, 4000), undefined);
    await b.releaseLease();
    assert.equal(await a.acquireLease(T0 + 6003, 4000), T0 + 10_003, "taken at once after release");
  });

  it("a tick is claimed once; RUN NOW rows (scheduled_for NULL) never collide", async () => {
    const { a, b, open } = setup();
    assert.equal(await a.claim(run("j", T0)), true);
    assert.equal(await b.claim(run("j", T0)), false);
    assert.equal(await b.claim(run("k", T0)), true);
    assert.equal(await a.claim(run("j", null)), true);
    assert.equal(await a.claim(run("j", null)), true);
    assert.deepEqual(
      [...(await a.lastTicks())],
      [
        ["j", T0],
        ["k", T0],
      ],
    );
    const s = await open();
    assert.deepEqual(
      await rows(s, "SELECT job, scheduled_for, status FROM kodiak_cron_runs WHERE scheduled_for IS NOT NULL ORDER BY job"),
      [
        ["j", "2025-01-01 00:00:00+00", "running"],
        ["k", "2025-01-01 00:00:00+00", "running"],
      ],
    );
    // The view is read-only like the other PL system tables.
    await assert.rejects(rows(s, "DELETE FROM kodiak_cron_runs"), (e: unknown) => (e as { code?: string }).code === "42501");
  });

  it("rows left running become abandoned, and the dead runner's late update does not revive them", async () => {
    const { a, b, open } = setup();
    const r = run("j", T0);
    assert.equal(await a.claim(r), true);
    await b.abandonRunning();
    r.status = "succeeded";
    r.finishedAtMs = T0 + 5;
    await a.update(r);
    assert.deepEqual(await rows(await open(), "SELECT status FROM kodiak_cron_runs"), [["abandoned"]]);
  });

  it("a scheduler that takes the lease back does not abandon its own runs still in flight", async () => {
    const { a, b, open } = setup();
    assert.equal(await a.claim(run("mine", T0)), true);
    assert.equal(await b.claim(run("theirs", T0)), true);
    await a.abandonRunning();
    assert.deepEqual(await rows(await open(), "SELECT job, status FROM kodiak_cron_runs ORDER BY job"), [
      ["mine", "running"],
      ["theirs", "abandoned"],
    ]);
  });

  it("parses timestamptz output", () => {
    assert.equal(parseTimestamptz("2025-01-01 00:05:00.25+00"), T0 + 300_250);
    assert.equal(parseTimestamptz("2025-01-01 01:00:00+01"), T0);
    assert.equal(parseTimestamptz("2025-01-01 05:30:00+05:30"), T0);
  });
});

describe("coordinator cron service (manual clock)", () => {
  it("runs ticks only while holding the lease; a second service takes over after expiry", async () => {
    const clock = new ManualClock(T0);
    const { engine, open } = setup(clock);
    const s = await open();
    await rows(s, "CREATE TABLE hits (n INT)");
    await rows(s, "CREATE CRON JOB j SCHEDULE '* * * * *' ON MISSED RUN ONCE DO { INSERT INTO hits VALUES (1) }");
    const one = new CronService(engine, { id: "one", log: silentLogger, clock });
    const two = new CronService(engine, { id: "two", log: silentLogger, clock });
    const settle = async (ms: number) => {
      for (let t = 0; t < ms; t += 250) {
        clock.advance(250);
        // Timers fire synchronously; let each round's SQL finish before time moves on.
        for (let i = 0; i < 3; i++) {
          await new Promise((r) => setImmediate(r));
          await Promise.all([one.settled(), two.settled()]);
        }
      }
    };
    one.start();
    await settle(500);
    two.start();
    await settle(3 * 60_000);
    assert.equal(one.holding(), true);
    assert.equal(two.holding(), false);
    const runners = await rows(s, "SELECT DISTINCT runner FROM kodiak.cron_runs");
    assert.deepEqual(runners, [["one"]]);
    await one.stop();
    await settle(CRON_LEASE_TTL_MS);
    assert.equal(two.holding(), true);
    await settle(2 * 60_000);
    await two.stop();
    assert.deepEqual(await rows(s, "SELECT runner, count(*) > 0 FROM kodiak.cron_runs GROUP BY runner ORDER BY runner"), [
      ["one", true],
      ["two", true],
    ]);
    assert.deepEqual(
      await rows(s, "SELECT count(*) FROM (SELECT scheduled_for FROM kodiak_cron_runs GROUP BY scheduled_for HAVING count(*) > 1) d"),
      [[0n]],
    );
    const hits = await rows(s, "SELECT count(*) FROM hits");
    const done = await rows(s, "SELECT count(*) FROM kodiak_cron_runs WHERE status = 'succeeded'");
    assert.deepEqual(hits, done);
    await engine.close();
  });
});
