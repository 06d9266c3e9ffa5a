import assert from "node:assert/strict";
import { test } from "node:test";
import { PendingRequests } from "../../../node/runtime/index.js";
import { KodiakError, ManualClock } from "../../../util/index.js";

test("a pending request resolves once, and unknown ids are ignored", async () => {
  const p = new PendingRequests<number>(new ManualClock(), "proposal", 4);
  const done = p.add("a", 1000);
  assert.equal(p.resolve("a", 42), true);
  assert.equal(p.resolve("a", 43), false);
  assert.equal(await done, 42);
  assert.equal(p.size, 0);
});

test("the queue is bounded: beyond the limit a request fails with 53300", async () => {
  const p = new PendingRequests<number>(new ManualClock(), "proposal", 2);
  const a = p.add("a", 1000);
  const b = p.add("b", 1000);
  assert.throws(
    () => p.add("c", 1000),
    (e: unknown) => e instanceof KodiakError && e.code === "53300",
  );
  p.rejectAll(new KodiakError("57P01", "stop"));
  await assert.rejects(a, /stop/);
  await assert.rejects(b, /stop/);
});

test("a request not applied before its deadline fails with outcome unknown (40003)", async () => {
  const clock = new ManualClock();
  const p = new PendingRequests<number>(clock, "proposal", 2);
  const a = p.add("a", 500);
  clock.advance(499);
  assert.equal(p.size, 1);
  clock.advance(1);
  await assert.rejects(a, (e: unknown) => e instanceof KodiakError && e.code === "40003");
  assert.equal(p.size, 0);
});
