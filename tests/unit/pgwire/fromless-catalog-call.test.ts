// A FROM-less SELECT of a schema-qualified catalog function is SQL, not a PL-Grizzly member call
// (psql and drivers send `SELECT pg_catalog.f(...)` without FROM).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { newEngine, rows } from "../sql/helpers.js";

describe("FROM-less SELECT of pg_catalog.f(...)", () => {
  it("runs as a SQL function call", async () => {
    const { engine, session } = await newEngine();
    const s = await session();
    assert.deepEqual(await rows(s, "SELECT pg_catalog.upper('a')"), [["A"]]);
    assert.deepEqual(await rows(s, "SELECT pg_catalog.format_type(23, -1) AS t, 1 + 1 AS two"), [["integer", 2]]);
    assert.deepEqual(await rows(s, "SELECT pg_catalog.abs(-3) AS x"), [[3]]);
    // The same call with a FROM clause agrees.
    assert.deepEqual(await rows(s, "SELECT pg_catalog.abs(-3) AS x FROM (VALUES (1)) v"), [[3]]);
    await s.close();
    await engine.close();
  });
});
