import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CatalogData } from "../../../sql/catalog/catalog.js";
import type { BoundExpr, Env } from "../../../sql/plan/context.js";
import { catalogInput, pgCatalogFunction, systemRelation } from "../../../sql/pg-catalog-engine.js";
import { T } from "../../../sql/types/types.js";

/** A catalog as the engine stores it: people (with a primary key) and a table with a hidden row id. */
const catalog: CatalogData = {
  version: 1,
  nextTableId: 102,
  schemas: ["public", "pg_catalog", "information_schema"],
  views: {},
  tables: {
    "public.people": {
      id: 100,
      schema: "public",
      name: "people",
      columns: [
        { name: "id", type: T.int4, notNull: true, default: undefined, hidden: false },
        { name: "name", type: { id: "varchar", typmod: 24 }, notNull: false, default: "'x'", hidden: false },
      ],
      primaryKey: [0],
      indexes: [{ id: 1, name: "people_pkey", columns: [0], descending: [false], unique: true, primary: true }],
      checks: [],
      foreignKeys: [],
      nextIndexId: 2,
    },
    "public.log": {
      id: 101,
      schema: "public",
      name: "log",
      columns: [
        { name: "rowid", type: T.int8, notNull: true, default: undefined, hidden: true },
        { name: "msg", type: T.text, notNull: false, default: undefined, hidden: false },
      ],
      primaryKey: [0],
      indexes: [{ id: 1, name: "log_rowid", columns: [0], descending: [false], unique: true, primary: true }],
      checks: [],
      foreignKeys: [],
      nextIndexId: 2,
    },
  },
};

const env = { catalog } as unknown as Env;
const constant = (v: unknown): BoundExpr => ({ fn: () => v as never, type: T.int8, constant: true, pos: 0 });

describe("pg_catalog served from the engine's catalog", () => {
  it("maps tables to relations with stable OIDs, leaving out hidden row ids and their indexes", () => {
    const input = catalogInput(catalog);
    assert.deepEqual(
      input.relations.map((r) => [r.name, r.oid, r.columns.map((c) => c.name), r.indexes.map((i) => [i.name, i.oid])]),
      [
        ["people", 16384 + 100 * 64, ["id", "name"], [["people_pkey", 16384 + 100 * 64 + 1]]],
        ["log", 16384 + 101 * 64, ["msg"], []],
      ],
    );
  });

  it("answers pg_catalog.pg_class (qualified or not) as a values scan; other names fall through", () => {
    const rel = systemRelation(catalog, "pg_catalog", "pg_class", "c")!;
    const relname = rel.cols.findIndex((c) => c.name === "relname");
    assert.equal(rel.cols[relname]!.rel, "c");
    const rows = rel.node.run(env);
    assert.deepEqual(
      rows.map((r) => r[relname]),
      ["people", "people_pkey", "log"],
    );
    assert.equal(typeof rows[0]![0], "bigint", "oid columns are int8 in the engine");
    assert.ok(systemRelation(catalog, undefined, "pg_namespace", "n"));
    assert.ok(systemRelation(catalog, "information_schema", "columns", "c"));
    assert.equal(systemRelation(catalog, "public", "pg_class", "c"), undefined);
    assert.equal(systemRelation(catalog, undefined, "people", "p"), undefined);
  });

  it("evaluates psql's catalog functions against the statement's catalog", () => {
    const oid = BigInt(16384 + 100 * 64);
    const call = (name: string, ...args: unknown[]) => pgCatalogFunction(name, args.map(constant), 0)!.fn([], env);
    assert.equal(call("pg_table_is_visible", oid), true);
    assert.equal(call("pg_get_userbyid", 10n), "kodiak");
    assert.equal(call("format_type", 1043n, 24), "character varying(20)");
    assert.equal(call("pg_get_indexdef", oid + 1n, 0, true), "CREATE UNIQUE INDEX people_pkey ON public.people USING btree (id)");
    assert.equal(call("array_to_string", ["a", null, "b"], ","), "a,b");
    assert.equal(pgCatalogFunction("no_such_function", [], 0), undefined);
  });
});
