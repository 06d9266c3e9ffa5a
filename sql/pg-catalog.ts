// pg_catalog and information_schema as data: the rows PostgreSQL clients (psql's \dt, \d, \l, \dn,
// drivers' metadata calls) read from system catalogs, built from a plain description of the
// database's schemas and tables. Pure and engine-agnostic: the engine serves them as read-only relations.

import type { ResultColumn, SqlType, SqlValue } from "./api.js";
import { PgOid } from "./api.js";
import { formatType, PG_TYPES } from "./pg-catalog-types.js";

export interface PgCatalogColumn {
  name: string;
  type: SqlType;
  notNull: boolean;
  /** DEFAULT expression as SQL text, if any. */
  default?: string | undefined;
}

export interface PgCatalogIndex {
  oid: number;
  name: string;
  /** 0-based column positions in the table. */
  columns: number[];
  unique: boolean;
  primary: boolean;
}

export interface PgCatalogRelation {
  /** Stable for the relation's lifetime (clients keep OIDs between queries). */
  oid: number;
  schema: string;
  name: string;
  kind: "table" | "view";
  columns: PgCatalogColumn[];
  indexes: PgCatalogIndex[];
  /** CHECK constraints: name and expression as SQL text. */
  checks?: { name: string; sql: string }[];
  viewDefinition?: string | undefined;
  /** FOREIGN KEY constraints (absent: none). */
  foreignKeys?: PgCatalogForeignKey[];
}

/** A foreign key as pg_constraint lists it; columns are 0-based positions, here and in the referenced relation. */
export interface PgCatalogForeignKey {
  name: string;
  columns: number[];
  refOid: number;
  refColumns: number[];
  /** pg_constraint.confdeltype: a no action, r restrict, c cascade, n set null, d set default. */
  onDelete: "a" | "r" | "c" | "n" | "d";
}

/** FOREIGN KEY constraints get OIDs of their own: base + relation OID * 64 + position (64 per table). */
export const FOREIGN_KEY_OID_BASE = 2_000_000_000;
export const MAX_FOREIGN_KEYS_PER_TABLE = 64;
export const foreignKeyOid = (relationOid: number, position: number): number =>
  FOREIGN_KEY_OID_BASE + relationOid * MAX_FOREIGN_KEYS_PER_TABLE + position;

/** CHECK constraints get OIDs of their own: base + relation OID * 64 + position (64 per table). */
export const CHECK_OID_BASE = 1_000_000_000;
export const MAX_CHECKS_PER_TABLE = 64;
export const checkOid = (relationOid: number, position: number): number => CHECK_OID_BASE + relationOid * MAX_CHECKS_PER_TABLE + position;

/** A user-defined function (PL-Grizzly) as pg_proc lists it. */
export interface PgCatalogProc {
  /** Stable while the function exists (see procOid). */
  oid: number;
  schema: string;
  name: string;
  /** Type OIDs (PostgreSQL's for the SQL type the PL type maps to). */
  returnType: number;
  argTypes: number[];
  argNames: string[];
}

export interface PgCatalogInput {
  database: string;
  user: string;
  schemas: string[];
  relations: PgCatalogRelation[];
  /** PL-Grizzly functions callable from SQL (absent: none). */
  procs?: PgCatalogProc[];
}

/** Function OIDs: base + a 32-bit FNV-1a hash of the name mod 10^9, so dropping one keeps the others'. */
export const PROC_OID_BASE = 3_000_000_000;
export function procOid(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return PROC_OID_BASE + (h % 1_000_000_000);
}

/** pg_language row of PL-Grizzly (the only language pg_proc lists). */
export const PLGRIZZLY_LANGUAGE_OID = 13_500;

/** One system relation: column names/types and its rows. */
export interface SystemRelation {
  columns: ResultColumn[];
  rows: SqlValue[][];
}

export const SUPERUSER_OID = 10;
export const DATABASE_OID = 16384 - 1;
const BTREE_AM_OID = 403;
const HEAP_AM_OID = 2;
const NAMESPACE_OIDS: Record<string, number> = { pg_catalog: 11, public: 2200, information_schema: 13000 };
const ENCODING_UTF8 = 6;
const CHAR_OID = 18;

/** The OID of a schema: PostgreSQL's fixed ones, then 14000 + position for user schemas. */
export function namespaceOid(schemas: readonly string[], schema: string): number {
  return NAMESPACE_OIDS[schema] ?? 14000 + schemas.indexOf(schema);
}

type ColSpec = [name: string, type: keyof typeof PgOid | "char"];

function columns(specs: ColSpec[]): ResultColumn[] {
  return specs.map(([name, t]) => ({
    name,
    type: t === "char" ? { name: "char", oid: CHAR_OID, typmod: -1 } : { name: t, oid: PgOid[t], typmod: -1 },
  }));
}

const PG_NAMESPACE: ColSpec[] = [
  ["oid", "oid"],
  ["nspname", "name"],
  ["nspowner", "oid"],
  ["nspacl", "_text"],
];
const PG_CLASS: ColSpec[] = [
  ["oid", "oid"],
  ["relname", "name"],
  ["relnamespace", "oid"],
  ["reltype", "oid"],
  ["reloftype", "oid"],
  ["relowner", "oid"],
  ["relam", "oid"],
  ["relfilenode", "oid"],
  ["reltablespace", "oid"],
  ["relpages", "int4"],
  ["reltuples", "float4"],
  ["relallvisible", "int4"],
  ["reltoastrelid", "oid"],
  ["relhasindex", "bool"],
  ["relisshared", "bool"],
  ["relpersistence", "char"],
  ["relkind", "char"],
  ["relnatts", "int2"],
  ["relchecks", "int2"],
  ["relhasrules", "bool"],
  ["relhastriggers", "bool"],
  ["relhassubclass", "bool"],
  ["relrowsecurity", "bool"],
  ["relforcerowsecurity", "bool"],
  ["relispopulated", "bool"],
  ["relreplident", "char"],
  ["relispartition", "bool"],
  ["relacl", "_text"],
  ["reloptions", "_text"],
  ["relpartbound", "text"],
];
const PG_ATTRIBUTE: ColSpec[] = [
  ["attrelid", "oid"],
  ["attname", "name"],
  ["atttypid", "oid"],
  ["attlen", "int2"],
  ["attnum", "int2"],
  ["attndims", "int4"],
  ["atttypmod", "int4"],
  ["attnotnull", "bool"],
  ["atthasdef", "bool"],
  ["attidentity", "char"],
  ["attgenerated", "char"],
  ["attisdropped", "bool"],
  ["attislocal", "bool"],
  ["attcollation", "oid"],
  ["attstorage", "char"],
  ["attcompression", "char"],
  ["attstattarget", "int4"],
];
const PG_TYPE: ColSpec[] = [
  ["oid", "oid"],
  ["typname", "name"],
  ["typnamespace", "oid"],
  ["typowner", "oid"],
  ["typlen", "int2"],
  ["typbyval", "bool"],
  ["typtype", "char"],
  ["typcategory", "char"],
  ["typisdefined", "bool"],
  ["typdelim", "char"],
  ["typrelid", "oid"],
  ["typelem", "oid"],
  ["typarray", "oid"],
  ["typnotnull", "bool"],
  ["typbasetype", "oid"],
  ["typtypmod", "int4"],
  ["typcollation", "oid"],
];
const PG_INDEX: ColSpec[] = [
  ["indexrelid", "oid"],
  ["indrelid", "oid"],
  ["indnatts", "int2"],
  ["indnkeyatts", "int2"],
  ["indisunique", "bool"],
  ["indisprimary", "bool"],
  ["indisexclusion", "bool"],
  ["indimmediate", "bool"],
  ["indisclustered", "bool"],
  ["indisvalid", "bool"],
  ["indisready", "bool"],
  ["indislive", "bool"],
  ["indisreplident", "bool"],
  ["indkey", "_int2"],
  ["indnullsnotdistinct", "bool"],
  ["indpred", "text"],
];
const PG_CONSTRAINT: ColSpec[] = [
  ["oid", "oid"],
  ["conname", "name"],
  ["connamespace", "oid"],
  ["contype", "char"],
  ["condeferrable", "bool"],
  ["condeferred", "bool"],
  ["convalidated", "bool"],
  ["conrelid", "oid"],
  ["contypid", "oid"],
  ["conindid", "oid"],
  ["confrelid", "oid"],
  ["conkey", "_int2"],
  ["confkey", "_int2"],
  ["conparentid", "oid"],
  ["confupdtype", "char"],
  ["confdeltype", "char"],
  ["confmatchtype", "char"],
];
const PG_ATTRDEF: ColSpec[] = [
  ["oid", "oid"],
  ["adrelid", "oid"],
  ["adnum", "int2"],
  ["adbin", "text"],
];
const PG_DATABASE: ColSpec[] = [
  ["oid", "oid"],
  ["datname", "name"],
  ["datdba", "oid"],
  ["encoding", "int4"],
  ["datlocprovider", "char"],
  ["datistemplate", "bool"],
  ["datallowconn", "bool"],
  ["datconnlimit", "int4"],
  ["dattablespace", "oid"],
  ["datcollate", "text"],
  ["datctype", "text"],
  ["daticulocale", "text"],
  ["datacl", "_text"],
];
const PG_ROLES: ColSpec[] = [
  ["oid", "oid"],
  ["rolname", "name"],
  ["rolsuper", "bool"],
  ["rolinherit", "bool"],
  ["rolcreaterole", "bool"],
  ["rolcreatedb", "bool"],
  ["rolcanlogin", "bool"],
  ["rolreplication", "bool"],
  ["rolconnlimit", "int4"],
  ["rolbypassrls", "bool"],
];
const PG_AM: ColSpec[] = [
  ["oid", "oid"],
  ["amname", "name"],
  ["amtype", "char"],
];
const IS_TABLES: ColSpec[] = [
  ["table_catalog", "name"],
  ["table_schema", "name"],
  ["table_name", "name"],
  ["table_type", "varchar"],
  ["is_insertable_into", "varchar"],
];
const IS_COLUMNS: ColSpec[] = [
  ["table_catalog", "name"],
  ["table_schema", "name"],
  ["table_name", "name"],
  ["column_name", "name"],
  ["ordinal_position", "int4"],
  ["column_default", "varchar"],
  ["is_nullable", "varchar"],
  ["data_type", "varchar"],
  ["character_maximum_length", "int4"],
  ["numeric_precision", "int4"],
  ["numeric_scale", "int4"],
  ["udt_name", "name"],
];
const IS_SCHEMATA: ColSpec[] = [
  ["catalog_name", "name"],
  ["schema_name", "name"],
  ["schema_owner", "name"],
];
const PG_PROC: ColSpec[] = [
  ["oid", "oid"],
  ["proname", "name"],
  ["pronamespace", "oid"],
  ["proowner", "oid"],
  ["prolang", "oid"],
  ["prokind", "char"],
  ["prosecdef", "bool"],
  ["proretset", "bool"],
  ["provolatile", "char"],
  ["pronargs", "int2"],
  ["pronargdefaults", "int2"],
  ["prorettype", "oid"],
  ["proargtypes", "_int8"], // oidvector
  ["proargnames", "_text"],
  ["prosrc", "text"],
];
const PG_LANGUAGE: ColSpec[] = [
  ["oid", "oid"],
  ["lanname", "name"],
  ["lanowner", "oid"],
  ["lanispl", "bool"],
  ["lanpltrusted", "bool"],
];

function procRows(input: PgCatalogInput): SqlValue[][] {
  return (input.procs ?? []).map((p) => [
    p.oid,
    p.name,
    namespaceOid(input.schemas, p.schema),
    SUPERUSER_OID,
    PLGRIZZLY_LANGUAGE_OID,
    "f",
    false,
    false,
    "v",
    p.argTypes.length,
    0,
    p.returnType,
    p.argTypes,
    p.argNames,
    "",
  ]);
}

/** Catalogs clients probe that Kodiak keeps empty (no inheritance, policies, triggers, ...). */
const EMPTY_CATALOGS: Record<string, ColSpec[]> = {
  pg_inherits: [
    ["inhrelid", "oid"],
    ["inhparent", "oid"],
    ["inhseqno", "int4"],
    ["inhdetachpending", "bool"],
  ],
  pg_policy: [
    ["oid", "oid"],
    ["polname", "name"],
    ["polrelid", "oid"],
    ["polcmd", "char"],
    ["polpermissive", "bool"],
    ["polroles", "_int8"], // oid[]
    ["polqual", "text"],
    ["polwithcheck", "text"],
  ],
  pg_trigger: [
    ["oid", "oid"],
    ["tgrelid", "oid"],
    ["tgname", "name"],
    ["tgenabled", "char"],
    ["tgisinternal", "bool"],
    ["tgparentid", "oid"],
  ],
  pg_description: [
    ["objoid", "oid"],
    ["classoid", "oid"],
    ["objsubid", "int4"],
    ["description", "text"],
  ],
  pg_statistic_ext: [
    ["oid", "oid"],
    ["stxrelid", "oid"],
    ["stxname", "name"],
    ["stxnamespace", "oid"],
    ["stxstattarget", "int4"],
    ["stxkind", "_text"],
  ],
  pg_publication: [
    ["oid", "oid"],
    ["pubname", "name"],
    ["puballtables", "bool"],
  ],
  pg_publication_rel: [
    ["oid", "oid"],
    ["prpubid", "oid"],
    ["prrelid", "oid"],
    ["prqual", "text"],
    ["prattrs", "_int2"],
  ],
  pg_publication_namespace: [
    ["oid", "oid"],
    ["pnpubid", "oid"],
    ["pnnspid", "oid"],
  ],
  pg_collation: [
    ["oid", "oid"],
    ["collname", "name"],
    ["collnamespace", "oid"],
  ],
};

function relationRows(input: PgCatalogInput): {
  pgClass: SqlValue[][];
  pgAttribute: SqlValue[][];
  pgIndex: SqlValue[][];
  pgConstraint: SqlValue[][];
  pgAttrdef: SqlValue[][];
} {
  const pgClass: SqlValue[][] = [];
  const pgAttribute: SqlValue[][] = [];
  const pgIndex: SqlValue[][] = [];
  const pgConstraint: SqlValue[][] = [];
  const pgAttrdef: SqlValue[][] = [];
  const classRow = (
    oid: number,
    name: string,
    nsp: number,
    am: number,
    kind: string,
    natts: number,
    hasIndex: boolean,
    checks = 0,
    triggers = false,
  ): SqlValue[] => [
    oid,
    name,
    nsp,
    0,
    0,
    SUPERUSER_OID,
    am,
    oid,
    0,
    0,
    -1,
    0,
    0,
    hasIndex,
    false,
    "p",
    kind,
    natts,
    checks,
    false,
    triggers,
    false,
    false,
    false,
    true,
    "d",
    false,
    null,
    null,
    null,
  ];
  const referenced = new Set(input.relations.flatMap((r) => (r.foreignKeys ?? []).map((fk) => fk.refOid)));
  for (const r of input.relations) {
    const nsp = namespaceOid(input.schemas, r.schema);
    pgClass.push(
      classRow(
        r.oid,
        r.name,
        nsp,
        r.kind === "table" ? HEAP_AM_OID : 0,
        r.kind === "table" ? "r" : "v",
        r.columns.length,
        r.indexes.length > 0,
        Math.min(r.checks?.length ?? 0, MAX_CHECKS_PER_TABLE),
        // Foreign keys are enforced by triggers on both sides in PostgreSQL; psql asks for them only then.
        (r.foreignKeys?.length ?? 0) > 0 || referenced.has(r.oid),
      ),
    );
    (r.foreignKeys ?? []).slice(0, MAX_FOREIGN_KEYS_PER_TABLE).forEach((fk, k) => {
      const key = fk.columns.map((c) => c + 1);
      const refKey = fk.refColumns.map((c) => c + 1);
      pgConstraint.push([
        foreignKeyOid(r.oid, k),
        fk.name,
        nsp,
        "f",
        false,
        false,
        true,
        r.oid,
        0,
        0,
        fk.refOid,
        key,
        refKey,
        0,
        "a",
        fk.onDelete,
        "s",
      ]);
    });
    (r.checks ?? []).slice(0, MAX_CHECKS_PER_TABLE).forEach((c, k) => {
      pgConstraint.push([checkOid(r.oid, k), c.name, nsp, "c", false, false, true, r.oid, 0, 0, 0, null, null, 0, " ", " ", " "]);
    });
    r.columns.forEach((c, i) => {
      const hasDefault = c.default !== undefined;
      pgAttribute.push([
        r.oid,
        c.name,
        c.type.oid,
        PG_TYPES.get(c.type.oid)?.len ?? -1,
        i + 1,
        c.type.name.startsWith("_") ? 1 : 0,
        c.type.typmod,
        c.notNull,
        hasDefault,
        "",
        "",
        false,
        true,
        0,
        storageOf(c.type.oid),
        "",
        -1,
      ]);
      if (hasDefault) pgAttrdef.push([r.oid * 100 + i + 1, r.oid, i + 1, c.default!]);
    });
    for (const ix of r.indexes) {
      pgClass.push(classRow(ix.oid, ix.name, nsp, BTREE_AM_OID, "i", ix.columns.length, false));
      ix.columns.forEach((col, i) => {
        const c = r.columns[col]!;
        pgAttribute.push([
          ix.oid,
          c.name,
          c.type.oid,
          PG_TYPES.get(c.type.oid)?.len ?? -1,
          i + 1,
          0,
          c.type.typmod,
          false,
          false,
          "",
          "",
          false,
          true,
          0,
          storageOf(c.type.oid),
          "",
          -1,
        ]);
      });
      const key = ix.columns.map((c) => c + 1);
      pgIndex.push([
        ix.oid,
        r.oid,
        key.length,
        key.length,
        ix.unique || ix.primary,
        ix.primary,
        false,
        true,
        false,
        true,
        true,
        true,
        false,
        key,
        false,
        null,
      ]);
      if (ix.primary || ix.unique)
        pgConstraint.push([
          ix.oid + 1,
          ix.name,
          nsp,
          ix.primary ? "p" : "u",
          false,
          false,
          true,
          r.oid,
          0,
          ix.oid,
          0,
          key,
          null,
          0,
          " ",
          " ",
          " ",
        ]);
    }
  }
  return { pgClass, pgAttribute, pgIndex, pgConstraint, pgAttrdef };
}

/** pg_attribute.attstorage as the type's default: p plain (fixed length), m main (numeric), x extended. */
function storageOf(typeOid: number): string {
  if ((PG_TYPES.get(typeOid)?.len ?? -1) !== -1) return "p";
  return typeOid === PgOid.numeric ? "m" : "x";
}

function typeRows(): SqlValue[][] {
  const rows: SqlValue[][] = [];
  for (const [oid, t] of PG_TYPES) {
    rows.push([
      oid,
      t.name,
      NAMESPACE_OIDS.pg_catalog!,
      SUPERUSER_OID,
      t.len,
      t.len > 0 && t.len <= 8,
      "b",
      t.category,
      true,
      ",",
      0,
      t.elem,
      t.array,
      false,
      0,
      -1,
      t.category === "S" ? 100 : 0,
    ]);
  }
  return rows;
}

function informationSchema(input: PgCatalogInput): Record<string, SqlValue[][]> {
  const tables: SqlValue[][] = [];
  const cols: SqlValue[][] = [];
  for (const r of input.relations) {
    tables.push([input.database, r.schema, r.name, r.kind === "table" ? "BASE TABLE" : "VIEW", r.kind === "table" ? "YES" : "NO"]);
    r.columns.forEach((c, i) => {
      const t = PG_TYPES.get(c.type.oid);
      const varcharLength = (c.type.oid === PgOid.varchar || c.type.oid === PgOid.bpchar) && c.type.typmod > 4 ? c.type.typmod - 4 : null;
      const numeric =
        c.type.oid === PgOid.numeric && c.type.typmod > 4
          ? [((c.type.typmod - 4) >> 16) & 0xffff, (c.type.typmod - 4) & 0xffff]
          : [null, null];
      cols.push([
        input.database,
        r.schema,
        r.name,
        c.name,
        i + 1,
        c.default ?? null,
        c.notNull ? "NO" : "YES",
        t?.sqlName ?? formatType(c.type.oid, -1),
        varcharLength,
        numeric[0]!,
        numeric[1]!,
        c.type.name,
      ]);
    });
  }
  const schemata = input.schemas.map((s): SqlValue[] => [input.database, s, input.user]);
  return { tables, columns: cols, schemata };
}

/** All system relations, keyed "pg_catalog.pg_class", "information_schema.tables", ... */
export function buildPgCatalog(input: PgCatalogInput): Map<string, SystemRelation> {
  const out = new Map<string, SystemRelation>();
  const put = (key: string, spec: ColSpec[], rows: SqlValue[][]): void => {
    out.set(key, { columns: columns(spec), rows });
  };
  const rel = relationRows(input);
  put(
    "pg_catalog.pg_namespace",
    PG_NAMESPACE,
    input.schemas.map((s) => [namespaceOid(input.schemas, s), s, SUPERUSER_OID, null]),
  );
  put("pg_catalog.pg_class", PG_CLASS, rel.pgClass);
  put("pg_catalog.pg_attribute", PG_ATTRIBUTE, rel.pgAttribute);
  put("pg_catalog.pg_index", PG_INDEX, rel.pgIndex);
  put("pg_catalog.pg_constraint", PG_CONSTRAINT, rel.pgConstraint);
  put("pg_catalog.pg_attrdef", PG_ATTRDEF, rel.pgAttrdef);
  put("pg_catalog.pg_type", PG_TYPE, typeRows());
  put("pg_catalog.pg_database", PG_DATABASE, [
    [DATABASE_OID, input.database, SUPERUSER_OID, ENCODING_UTF8, "c", false, true, -1, 1663, "C.UTF-8", "C.UTF-8", null, null],
  ]);
  const role = (oid: number, name: string): SqlValue[] => [oid, name, true, true, true, true, true, false, -1, true];
  put("pg_catalog.pg_roles", PG_ROLES, [role(SUPERUSER_OID, input.user)]);
  put("pg_catalog.pg_am", PG_AM, [
    [HEAP_AM_OID, "heap", "t"],
    [BTREE_AM_OID, "btree", "i"],
  ]);
  put("pg_catalog.pg_proc", PG_PROC, procRows(input));
  put("pg_catalog.pg_language", PG_LANGUAGE, [[PLGRIZZLY_LANGUAGE_OID, "plgrizzly", SUPERUSER_OID, true, true]]);
  for (const [name, spec] of Object.entries(EMPTY_CATALOGS)) put(`pg_catalog.${name}`, spec, []);
  const is = informationSchema(input);
  put("information_schema.tables", IS_TABLES, is.tables!);
  put("information_schema.columns", IS_COLUMNS, is.columns!);
  put("information_schema.schemata", IS_SCHEMATA, is.schemata!);
  return out;
}
