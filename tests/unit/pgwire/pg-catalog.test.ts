import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PgOid } from "../../../sql/api.js";
import { buildPgCatalog, type PgCatalogInput } from "../../../sql/pg-catalog.js";
import { PgCatalogFunctions } from "../../../sql/pg-catalog-functions.js";
import { formatType } from "../../../sql/pg-catalog-types.js";

const type = (name: keyof typeof PgOid, typmod = -1) => ({ name, oid: PgOid[name], typmod });

/** CREATE TABLE people (id int PRIMARY KEY, name varchar(20) NOT NULL DEFAULT 'x', score numeric(10,2), tags text[]) */
const input: PgCatalogInput = {
  database: "kodiak",
  user: "alice",
  schemas: ["pg_catalog", "public", "information_schema", "sales"],
  relations: [
    {
      oid: 16400,
      schema: "public",
      name: "people",
      kind: "table",
      columns: [
        { name: "id", type: type("int4"), notNull: true },
        { name: "name", type: type("varchar", 24), notNull: true, default: "'x'::character varying" },
        { name: "score", type: type("numeric", 655366), notNull: false },
        { name: "tags", type: type("_text"), notNull: false },
      ],
      indexes: [{ oid: 16410, name: "people_pkey", columns: [0], unique: true, primary: true }],
    },
    {
      oid: 16500,
      schema: "sales",
      name: "orders",
      kind: "table",
      columns: [{ name: "n", type: type("int8"), notNull: false }],
      indexes: [],
    },
  ],
};

describe("pg_catalog rows for psql", () => {
  const catalog = buildPgCatalog(input);
  const rows = (key: string): Record<string, unknown>[] => {
    const r = catalog.get(key)!;
    return r.rows.map((row) => Object.fromEntries(r.columns.map((c, i) => [c.name, row[i]])));
  };

  it("pg_class has one row per table and index, with relkind and namespace", () => {
    const cls = rows("pg_catalog.pg_class");
    assert.deepEqual(
      cls.map((r) => [r.relname, r.relkind, r.relnamespace]),
      [
        ["people", "r", 2200],
        ["people_pkey", "i", 2200],
        ["orders", "r", 14003],
      ],
    );
    assert.equal(cls[0]!.relhasindex, true);
    assert.equal(cls[0]!.relnatts, 4);
  });

  it("pg_attribute numbers columns from 1 with type, typmod, not-null and default flags", () => {
    const attrs = rows("pg_catalog.pg_attribute").filter((a) => a.attrelid === 16400);
    assert.deepEqual(
      attrs.map((a) => [a.attname, a.attnum, a.atttypid, a.atttypmod, a.attnotnull, a.atthasdef]),
      [
        ["id", 1, 23, -1, true, false],
        ["name", 2, 1043, 24, true, true],
        ["score", 3, 1700, 655366, false, false],
        ["tags", 4, 1009, -1, false, false],
      ],
    );
    assert.deepEqual(
      rows("pg_catalog.pg_attrdef").map((d) => [d.adrelid, d.adnum, d.adbin]),
      [[16400, 2, "'x'::character varying"]],
    );
  });

  it("pg_index and pg_constraint describe the primary key", () => {
    assert.deepEqual(
      rows("pg_catalog.pg_index").map((i) => [i.indexrelid, i.indrelid, i.indisprimary, i.indisunique, i.indkey]),
      [[16410, 16400, true, true, [1]]],
    );
    const con = rows("pg_catalog.pg_constraint");
    assert.equal(con.length, 1);
    assert.equal(con[0]!.contype, "p");
    assert.equal(con[0]!.conindid, 16410);
  });

  it("pg_namespace, pg_database and information_schema list what exists", () => {
    assert.deepEqual(
      rows("pg_catalog.pg_namespace").map((n) => n.nspname),
      ["pg_catalog", "public", "information_schema", "sales"],
    );
    assert.equal(rows("pg_catalog.pg_database")[0]!.datname, "kodiak");
    assert.deepEqual(
      rows("information_schema.tables").map((t) => `${t.table_schema}.${t.table_name}`),
      ["public.people", "sales.orders"],
    );
    const name = rows("information_schema.columns").find((c) => c.column_name === "name")!;
    assert.deepEqual([name.data_type, name.character_maximum_length, name.is_nullable], ["character varying", 20, "NO"]);
  });
});

describe("catalog functions answer as PostgreSQL 15 does", () => {
  const fns = new PgCatalogFunctions(input);
  it("format_type prints SQL type names with modifiers", () => {
    assert.equal(formatType(PgOid.int4, -1), "integer");
    assert.equal(formatType(PgOid.varchar, 24), "character varying(20)");
    assert.equal(formatType(PgOid.varchar, -1), "character varying");
    assert.equal(formatType(PgOid.numeric, 655366), "numeric(10,2)");
    assert.equal(formatType(PgOid._text, -1), "text[]");
    assert.equal(formatType(PgOid.timestamptz, 3), "timestamp(3) with time zone");
    assert.equal(formatType(PgOid.time, 0), "time(0) without time zone");
    assert.equal(formatType(PgOid.bpchar, -1), "bpchar");
    assert.equal(fns.call("format_type", [23, null]), "integer");
  });
  it("index and constraint definitions, user names, visibility and encoding", () => {
    assert.equal(fns.call("pg_get_indexdef", [16410, 0, true]), "CREATE UNIQUE INDEX people_pkey ON public.people USING btree (id)");
    assert.equal(fns.call("pg_get_constraintdef", [16411, true]), "PRIMARY KEY (id)");
    assert.equal(fns.call("pg_get_userbyid", [10]), "alice");
    assert.equal(fns.call("pg_table_is_visible", [16400]), true);
    assert.equal(fns.call("pg_table_is_visible", [16500]), false);
    assert.equal(fns.call("pg_encoding_to_char", [6]), "UTF8");
  });
});
