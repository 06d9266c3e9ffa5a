// Characters above U+FFFF (emoji, CJK extension B) in every lexical place that takes arbitrary text:
// string literals (plain, E'', $$), identifiers and comments; text after them is sliced correctly. Lengths count characters, as
// in PostgreSQL, not UTF-16 code units.
import assert from "node:assert/strict";
import { test } from "node:test";
import { exec, failure, newEngine, rows } from "./helpers.js";

test("literals, identifiers and comments may hold characters above U+FFFF", async () => {
  const { session } = await newEngine();
  const s = await session();
  assert.deepEqual(await rows(s, "SELECT '🐻', E'🐻\\n', $$𠀋🐻$$, length('🐻é') -- 🐻 comment"), [["🐻", "🐻\n", "𠀋🐻", 2]]);
  assert.deepEqual(await rows(s, "SELECT 1 /* 🐻 /* nested 🐻 */ */ AS one"), [[1]]);
  await exec(s, 'CREATE TABLE "🐻bears" ("név🐻" text PRIMARY KEY)');
  await exec(s, `INSERT INTO "🐻bears" VALUES ('grizzly 🐻'), ('𠀋')`);
  assert.deepEqual(await rows(s, 'SELECT "név🐻", length("név🐻") FROM "🐻bears" ORDER BY 1'), [
    ["grizzly 🐻", 9],
    ["𠀋", 1],
  ]);
  // Unquoted, it is an identifier character, as in PostgreSQL (any non-ASCII character is).
  const r = await exec(s, "SELECT 1 🐻");
  assert.equal(r[0]?.columns?.[0]?.name, "🐻");
  // An unterminated literal after one is reported at the quote (UTF-16 offsets, 1-based).
  const e = await failure(s, "SELECT '🐻', '🐻");
  assert.equal(e.code, "42601");
  assert.equal(e.position, 14);
});
