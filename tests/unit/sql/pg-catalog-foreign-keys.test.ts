// Foreign keys as psql 15 reads them: pg_constraint rows, pg_get_constraintdef, relhastriggers and
// its FK queries (pg_partition_ancestors in FROM and in a select list). Expected values are what
// PostgreSQL 15 returns for the same schema.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { newEngine, rows } from "./helpers.js";

async function schema() {
  const s = await (await newEngine()).session();
  await rows(s, "CREATE TABLE parent (id int PRIMARY KEY, code int, name text, UNIQUE (id, code))");
  await rows(s, "CREATE TABLE child (id int PRIMARY KEY, pid int REFERENCES parent(id) ON DELETE CASCADE, pc int)");
  await rows(s, "CREATE TABLE pair (a int, b int, CONSTRAINT pair_fk FOREIGN KEY (a, b) REFERENCES parent (id, code) ON DELETE SET NULL)");
  await rows(s, "CREATE TABLE loner (x int)");
  return s;
}

describe("foreign keys in pg_catalog", () => {
  it("pg_constraint lists them with contype f, confrelid, conkey, confkey and confdeltype", async () => {
    const s = await schema();
    assert.deepEqual(
      await rows(
        s,
        "SELECT conname, conrelid::regclass, confrelid::regclass, conkey, confkey, confdeltype, confupdtype, conparentid " +
          "FROM pg_catalog.pg_constraint WHERE contype = 'f' ORDER BY conname",
      ),
      [
        ["child_pid_fkey", "child", "parent", [2], [1], "c", "a", 0n],
        ["pair_fk", "pair", "parent", [1, 2], [1, 2], "n", "a", 0n],
      ],
    );
  });

  it("pg_get_constraintdef prints FOREIGN KEY ... REFERENCES with the ON DELETE action", async () => {
    const s = await schema();
    assert.deepEqual(
      await rows(s, "SELECT pg_catalog.pg_get_constraintdef(oid, true) FROM pg_catalog.pg_constraint WHERE contype = 'f' ORDER BY conname"),
      [
        ["FOREIGN KEY (pid) REFERENCES parent(id) ON DELETE CASCADE"],
        ["FOREIGN KEY (a, b) REFERENCES parent(id, code) ON DELETE SET NULL"],
      ],
    );
  });

  it("relhastriggers is true for referencing and referenced tables only", async () => {
    const s = await schema();
    assert.deepEqual(
      await rows(
        s,
        "SELECT relname, relhastriggers FROM pg_catalog.pg_class WHERE relname IN ('parent', 'child', 'pair', 'loner') ORDER BY relname",
      ),
      [
        ["child", true],
        ["loner", false],
        ["pair", true],
        ["parent", true],
      ],
    );
  });

  it("answers psql 15's outgoing and incoming foreign key queries", async () => {
    const s = await schema();
    const [[oid]] = (await rows(s, "SELECT 'child'::regclass::bigint")) as [[bigint]];
    assert.deepEqual(
      await rows(
        s,
        `SELECT conrelid = '${oid}'::pg_catalog.regclass AS sametable, conname, pg_catalog.pg_get_constraintdef(oid, true) AS condef,
           conrelid::pg_catalog.regclass AS ontable
         FROM pg_catalog.pg_constraint, pg_catalog.pg_partition_ancestors('${oid}')
         WHERE conrelid = relid AND contype = 'f' AND conparentid = 0 ORDER BY sametable DESC, conname`,
      ),
      [[true, "child_pid_fkey", "FOREIGN KEY (pid) REFERENCES parent(id) ON DELETE CASCADE", "child"]],
    );
    assert.deepEqual(
      await rows(
        s,
        `SELECT conname, conrelid::pg_catalog.regclass AS ontable FROM pg_catalog.pg_constraint c
         WHERE confrelid IN (SELECT pg_catalog.pg_partition_ancestors('parent') UNION ALL VALUES ('parent'::pg_catalog.regclass))
           AND contype = 'f' AND conparentid = 0 ORDER BY conname`,
      ),
      [
        ["child_pid_fkey", "child"],
        ["pair_fk", "pair"],
      ],
    );
  });

  it("pg_partition_ancestors(x) WITH ORDINALITY is the relation itself at depth 1", async () => {
    const s = await schema();
    assert.deepEqual(
      await rows(s, "SELECT a.relid::regclass, a.depth FROM pg_catalog.pg_partition_ancestors('child') WITH ORDINALITY AS a(relid, depth)"),
      [["child", 1n]],
    );
  });

  it("pg_attribute has attstorage (p fixed-length, x varlena, m numeric) and attstattarget -1", async () => {
    const s = await (await newEngine()).session();
    await rows(s, "CREATE TABLE st (i int, t text, n numeric)");
    assert.deepEqual(
      await rows(
        s,
        "SELECT attname, attstorage, attstattarget FROM pg_catalog.pg_attribute WHERE attrelid = 'st'::regclass ORDER BY attnum",
      ),
      [
        ["i", "p", -1],
        ["t", "x", -1],
        ["n", "m", -1],
      ],
    );
  });
});
