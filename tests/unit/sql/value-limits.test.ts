// Values past Kodiak's size limits (sql/plan/limits.ts: 64 Mi characters of text) fail with 54000
// and a clear message instead of exhausting the heap; the session stays usable.
import assert from "node:assert/strict";
import { test } from "node:test";
import { MAX_TEXT_CHARS } from "../../../sql/plan/limits.js";
import { exec, failure, newEngine, rows } from "./helpers.js";

test("repeat, lpad/rpad, ||, concat and string_agg past the text limit fail with 54000", async () => {
  const { session } = await newEngine();
  const s = await session();
  const over = MAX_TEXT_CHARS + 1;
  const cases = [
    `SELECT repeat('ab', ${over / 2 + 1})`,
    `SELECT lpad('x', ${over})`,
    `SELECT rpad('x', ${over}, 'yz')`,
    `SELECT repeat('x', ${MAX_TEXT_CHARS}) || 'y'`,
    `SELECT concat(repeat('x', ${MAX_TEXT_CHARS}), 'y')`,
    `SELECT string_agg(repeat('x', 1048576), ',') FROM generate_series(1, 64)`,
  ];
  for (const q of cases) {
    const e = await failure(s, q);
    assert.equal(e.code, "54000", q);
    assert.match(e.message, /exceeds the maximum text length of 67108864 characters/, q);
  }
  assert.deepEqual(await rows(s, `SELECT octet_length(repeat('x', ${MAX_TEXT_CHARS})), length(lpad('x', 1000, 'ab'))`), [
    [MAX_TEXT_CHARS, 1000],
  ]);
  await exec(s, "CREATE TABLE t (a TEXT)");
  assert.equal((await failure(s, `INSERT INTO t SELECT repeat('x', ${over})`)).code, "54000");
  assert.deepEqual(await rows(s, "SELECT count(*) FROM t"), [[0n]]);
});
