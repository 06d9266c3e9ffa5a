// Coordinator limits without a network, on a manual clock: admission control (FIFO slots, bounded
// wait line, wait timeout, cancel) and idle-session expiry.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AdmissionController } from "../../coordinator/grpc/admission.js";
import { SessionRegistry } from "../../coordinator/grpc/sessions.js";
import { KodiakError, ManualClock, silentLogger } from "../../util/index.js";
import { FakeEngine } from "./api-fake-engine.js";

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => "ok",
    (e: unknown) => (e instanceof KodiakError ? e.code : String(e)),
  );

describe("admission control", () => {
  it("grants slots in arrival order and refuses beyond the wait line with 53300", async () => {
    const clock = new ManualClock();
    const a = new AdmissionController({ maxRunning: 1, maxQueued: 2, queueTimeoutMs: 1000 }, clock);
    const order: string[] = [];
    const r1 = await a.acquire();
    const tagged = (name: string) =>
      a.acquire().then((r) => {
        order.push(name);
        return r;
      });
    const w2 = tagged("second");
    const w3 = tagged("third");
    assert.equal(await codeOf(a.acquire()), "53300");
    assert.equal(a.queuedCount, 2);
    r1();
    (await w2)();
    (await w3)();
    assert.deepEqual(order, ["second", "third"]);
    assert.equal(a.runningCount, 0);
  });

  it("gives up waiting after the queue timeout, and on abort, without leaking slots", async () => {
    const clock = new ManualClock();
    const a = new AdmissionController({ maxRunning: 1, maxQueued: 4, queueTimeoutMs: 1000 }, clock);
    const r1 = await a.acquire();
    const timedOut = codeOf(a.acquire());
    const ac = new AbortController();
    const aborted = codeOf(a.acquire(ac.signal));
    ac.abort();
    assert.equal(await aborted, "57014");
    clock.advance(1000);
    assert.equal(await timedOut, "53300");
    assert.equal(a.queuedCount, 0);
    r1();
    r1();
    assert.equal(a.runningCount, 0, "releasing twice frees one slot only");
    (await a.acquire())();
  });
});

describe("sessions", () => {
  it("closes a session idle past the timeout and refuses sessions beyond the limit", async () => {
    const clock = new ManualClock();
    const engine = new FakeEngine();
    const reg = new SessionRegistry(
      engine,
      { maxSessions: 2, idleTimeoutMs: 1000, maxWaitingPerSession: 1, idleInTransactionTimeoutMs: 1000 },
      clock,
      silentLogger,
    );
    const s1 = await reg.open({ user: "u", database: "d" });
    await reg.open({ user: "u", database: "d" });
    assert.equal(await codeOf(reg.open({ user: "u", database: "d" })), "53300");
    clock.advance(600);
    reg.get(s1.id);
    clock.advance(600);
    await new Promise((r) => setImmediate(r));
    assert.equal(reg.size, 1, "the unused session is gone, the used one stays");
    assert.equal(engine.openSessions, 1);
    assert.throws(
      () => reg.get("nope"),
      (e: unknown) => e instanceof KodiakError && e.code === "08003",
    );
    await reg.closeAll();
    assert.equal(engine.openSessions, 0);
  });

  it("rolls back a session left inside a transaction sooner than an idle one", async () => {
    const clock = new ManualClock();
    const engine = new FakeEngine();
    await engine.openSession({ user: "u", database: "d" }).then(async (s) => {
      for await (const _ of s.run("CREATE TABLE w (a int)"));
      await s.close();
    });
    const limits = { maxSessions: 10, idleTimeoutMs: 10_000, maxWaitingPerSession: 1, idleInTransactionTimeoutMs: 500 };
    const reg = new SessionRegistry(engine, limits, clock, silentLogger);
    const inTx = await reg.open({ user: "u", database: "d" });
    const idle = await reg.open({ user: "u", database: "d" });
    for await (const _ of inTx.sql.run("BEGIN; INSERT INTO w VALUES (1)"));
    clock.advance(600);
    await new Promise((r) => setImmediate(r));
    assert.equal(reg.find(inTx.id), undefined, "the abandoned transaction's session is closed");
    assert.notEqual(reg.find(idle.id), undefined);
    assert.equal(engine.tables.get("w")?.rows.length, 0, "its insert was never committed");
    await reg.closeAll();
  });
});
