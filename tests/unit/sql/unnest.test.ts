// unnest(anyarray) as a FROM item; expected rows are PostgreSQL 15's for the same statements.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SqlState } from "../../../util/index.js";
import { exec, failure, newEngine, rows } from "./helpers.js";

describe("unnest(array) in FROM", () => {
  it("gives one row per element in order, NULL elements included, column named unnest", async () => {
    const s = await (await newEngine()).session();
    assert.deepEqual(await rows(s, "SELECT * FROM unnest(ARRAY[3, 1, NULL, 2])"), [[3], [1], [null], [2]]);
    const [r] = await exec(s, "SELECT * FROM unnest(ARRAY['a', 'b'])");
    assert.deepEqual(
      r?.columns?.map((c) => c.name),
      ["unnest"],
    );
  });

  it("a NULL or empty array gives no rows", async () => {
    const s = await (await newEngine()).session();
    assert.deepEqual(await rows(s, "SELECT count(*) FROM unnest(NULL::int[])"), [[0n]]);
    assert.deepEqual(await rows(s, "SELECT count(*) FROM unnest('{}'::int[])"), [[0n]]);
  });

  it("takes the alias as column name, or the column alias list's name", async () => {
    const s = await (await newEngine()).session();
    assert.deepEqual(await rows(s, "SELECT x FROM unnest(ARRAY['p', 'q']) x ORDER BY x DESC"), [["q"], ["p"]]);
    assert.deepEqual(await rows(s, "SELECT t.y + 1 FROM unnest(ARRAY[10, 20]) AS t(y)"), [[11], [21]]);
  });

  it("flattens a two-dimensional array to its elements, typed as the element", async () => {
    const s = await (await newEngine()).session();
    assert.deepEqual(await rows(s, "SELECT u * 2 FROM unnest(ARRAY[[1, 2], [3, 4]]) u"), [[2], [4], [6], [8]]);
  });

  it("joins with a table and sees the enclosing query in a correlated subquery (psql's \\d+ query shape)", async () => {
    const s = await (await newEngine()).session();
    await rows(s, "CREATE TABLE opts (id int PRIMARY KEY, o text[])");
    await rows(s, "INSERT INTO opts VALUES (1, ARRAY['a=1', 'b=2']), (2, NULL)");
    assert.deepEqual(
      await rows(s, "SELECT id, array_to_string(array(SELECT 'toast.' || x FROM unnest(o) x), ', ') FROM opts ORDER BY id"),
      [
        [1, "toast.a=1, toast.b=2"],
        [2, ""],
      ],
    );
    assert.deepEqual(await rows(s, "SELECT id, v FROM opts, unnest(ARRAY['x', 'y']) v WHERE id = 1 ORDER BY v"), [
      [1, "x"],
      [1, "y"],
    ]);
  });

  it("rejects a non-array argument (42883) and a second column alias (42804), and the session goes on", async () => {
    const s = await (await newEngine()).session();
    const e = await failure(s, "SELECT * FROM unnest(1)");
    assert.equal(e.code, SqlState.undefinedFunction);
    assert.match(e.message, /function unnest\(integer\) does not exist/);
    assert.equal((await failure(s, "SELECT * FROM unnest(ARRAY[1]) AS t(a, b)")).code, SqlState.datatypeMismatch);
    assert.deepEqual(await rows(s, "SELECT 1"), [[1]]);
  });
});

describe("WITH ORDINALITY on a FROM function", () => {
  it("numbers the rows from 1 in a bigint column named ordinality or by the alias list", async () => {
    const s = await (await newEngine()).session();
    assert.deepEqual(await rows(s, "SELECT * FROM unnest(ARRAY['a', 'b']) WITH ORDINALITY"), [
      ["a", 1n],
      ["b", 2n],
    ]);
    const [r] = await exec(s, "SELECT * FROM unnest(ARRAY['a']) WITH ORDINALITY");
    assert.deepEqual(
      r?.columns?.map((c) => c.name),
      ["unnest", "ordinality"],
    );
    assert.deepEqual(await rows(s, "SELECT n, v FROM unnest(ARRAY[5, 6]) WITH ORDINALITY AS t(v, n) ORDER BY n DESC"), [
      [2n, 6],
      [1n, 5],
    ]);
    assert.deepEqual(await rows(s, "SELECT s, o FROM generate_series(10, 12) WITH ORDINALITY AS g(s, o) WHERE o = 2"), [[11, 2n]]);
    assert.equal((await failure(s, "SELECT * FROM unnest(ARRAY[1]) WITH ORDINALITY AS t(a, b, c)")).code, SqlState.datatypeMismatch);
  });
});
