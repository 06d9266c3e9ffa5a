// Cron expression parsing, validation (22023) and next-tick computation with time zones and DST.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cronNext, parseCron } from "../../../sql/pl/index.js";

const at = (s: string) => Date.parse(s);
const next = (expr: string, after: string, tz?: string) => {
  const r = cronNext(parseCron(expr), at(after), tz);
  return r === null ? null : new Date(r).toISOString();
};

describe("cron next tick (PLG-084 / PLG-085 vectors)", () => {
  it("UTC schedules", () => {
    assert.equal(next("0 9 * * 1", "2025-01-01T00:00:00Z"), "2025-01-06T09:00:00.000Z");
    assert.equal(next("*/15 * * * *", "2025-05-05T10:07:30Z"), "2025-05-05T10:15:00.000Z");
    assert.equal(next("0 * * * *", "2025-01-01T05:00:00Z"), "2025-01-01T06:00:00.000Z");
    assert.equal(next("0 0 29 2 *", "2025-03-01T00:00:00Z"), "2028-02-29T00:00:00.000Z");
    assert.equal(next("0 12 13 * 5", "2025-06-01T00:00:00Z"), "2025-06-06T12:00:00.000Z");
    assert.equal(next("0 0 * * 7", "2025-06-01T00:00:00Z"), "2025-06-08T00:00:00.000Z");
    assert.equal(next("5-20/5 * * * *", "2025-01-01T10:20:00Z"), "2025-01-01T11:05:00.000Z");
    assert.equal(next("@monthly", "2025-01-31T23:59:00Z"), "2025-02-01T00:00:00.000Z");
  });
  it("time zones and daylight saving", () => {
    assert.equal(next("0 9 * * *", "2025-01-10T12:00:00Z", "Asia/Tokyo"), "2025-01-11T00:00:00.000Z");
    assert.equal(next("30 2 * * *", "2025-03-09T05:00:00Z", "America/New_York"), "2025-03-09T07:30:00.000Z");
    assert.equal(next("30 1 * * *", "2025-11-02T04:00:00Z", "America/New_York"), "2025-11-02T05:30:00.000Z");
    assert.equal(next("30 1 * * *", "2025-11-02T05:30:00Z", "America/New_York"), "2025-11-03T06:30:00.000Z");
  });
  it("names, lists and steps", () => {
    assert.equal(next("0 0 * JAN,mar sun", "2025-01-01T00:00:00Z"), "2025-01-05T00:00:00.000Z");
    assert.equal(next("10/20 * * * *", "2025-01-01T00:00:00Z"), "2025-01-01T00:10:00.000Z");
  });
});

describe("invalid cron expressions are 22023", () => {
  for (const bad of [
    "61 * * * *",
    "0 0 30 2 *",
    "* * * *",
    "0 0 * * 8",
    "5-1 * * * *",
    "*/0 * * * *",
    "0 0 * FOO *",
    "@reboot",
    "0 0 31 4,6 *",
  ]) {
    it(`rejects '${bad}'`, () => {
      assert.throws(
        () => parseCron(bad),
        (e: { code?: string }) => e.code === "22023",
      );
    });
  }
  it("unknown time zone", () => {
    assert.throws(
      () => cronNext(parseCron("0 0 * * *"), 0, "Mars/Olympus"),
      (e: { code?: string }) => e.code === "22023",
    );
  });
});
