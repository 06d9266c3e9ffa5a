// The catalog: schemas, tables (columns, constraints, indexes), views. One versioned JSON document
// stored in the KV store under the system key range (table id 0), read and written through the
// session's transaction, so DDL is transactional and replicates like data.
import { KodiakError, SqlState } from "../../util/index.js";
import type { Transaction } from "../engine/txn.js";
import { encodeKey } from "../kv/index.js";
import { type DataType, T } from "../types/types.js";

export interface ColumnMeta {
  name: string;
  type: DataType;
  notNull: boolean;
  /** DEFAULT expression as SQL text (re-parsed when used). */
  default: string | undefined;
  /** The hidden row id of tables without a primary key. */
  hidden: boolean;
}

export interface IndexMeta {
  id: number;
  name: string;
  columns: number[];
  descending: boolean[];
  unique: boolean;
  primary: boolean;
  /** Being backfilled by CREATE INDEX: writes maintain it, reads must not use it yet. */
  building?: boolean;
}

export interface CheckMeta {
  name: string;
  sql: string;
}

export interface ForeignKeyMeta {
  name: string;
  columns: number[];
  refTable: string; // qualified "schema.name"
  refColumns: number[];
  /** ON DELETE action (absent in catalogs written before it existed: NO ACTION). */
  onDelete?: "noAction" | "restrict" | "cascade" | "setNull" | "setDefault";
}

export interface TableMeta {
  id: number;
  schema: string;
  name: string;
  columns: ColumnMeta[];
  /** Column indexes of the primary key (the hidden row id column when none was declared). */
  primaryKey: number[];
  indexes: IndexMeta[];
  checks: CheckMeta[];
  foreignKeys: ForeignKeyMeta[];
  nextIndexId: number;
}

export interface ViewMeta {
  schema: string;
  name: string;
  columns: string[];
  sql: string;
}

/** ANALYZE statistics of one table: row count and distinct non-null values per column. */
export interface TableStats {
  rows: number;
  distinct: number[];
  nullFraction: number[];
}

export interface CatalogData {
  version: number;
  /** Keyed like `tables`; absent until ANALYZE runs. */
  stats?: Record<string, TableStats>;
  nextTableId: number;
  schemas: string[];
  tables: Record<string, TableMeta>;
  views: Record<string, ViewMeta>;
  /** PL-Grizzly definitions (types, functions, triggers, cron jobs) as stored by sql/pl. */
  pl?: Record<string, string>;
}

export const CATALOG_KEY = encodeKey(0, 0, ["catalog"], [T.text]);
export const FIRST_USER_TABLE_ID = 100;

export const qualified = (schema: string, name: string): string => `${schema}.${name}`;

function empty(): CatalogData {
  return { version: 0, nextTableId: FIRST_USER_TABLE_ID, schemas: ["public", "pg_catalog", "information_schema"], tables: {}, views: {} };
}

const parsedCache = new WeakMap<Uint8Array, CatalogData>();
let lastRead: { bytes: Uint8Array; catalog: CatalogData } | undefined;

/** Reads the catalog as of the transaction's snapshot (plus its own DDL). Callers must not mutate it. */
export function readCatalog(txn: Transaction): CatalogData {
  const bytes = txn.getShared(CATALOG_KEY);
  if (!bytes) return empty();
  let c = parsedCache.get(bytes);
  if (!c) {
    // Stores hand out a fresh copy per read: reuse the last document when the bytes are equal, so
    // each statement neither re-parses the catalog nor misses the plan cache (keyed by identity).
    if (lastRead !== undefined && Buffer.compare(lastRead.bytes, bytes) === 0) return lastRead.catalog;
    c = JSON.parse(Buffer.from(bytes).toString("utf8")) as CatalogData;
    parsedCache.set(bytes, c);
    lastRead = { bytes, catalog: c };
  }
  return c;
}

/** Applies a change to a copy of the catalog and writes it back in the transaction. */
export function updateCatalog(txn: Transaction, change: (c: CatalogData) => void): CatalogData {
  const c = structuredClone(readCatalog(txn));
  change(c);
  c.version++;
  const bytes = new Uint8Array(Buffer.from(JSON.stringify(c), "utf8"));
  parsedCache.set(bytes, c);
  txn.put(CATALOG_KEY, bytes);
  return c;
}

export function findTable(c: CatalogData, schema: string | undefined, name: string): TableMeta | undefined {
  return c.tables[qualified(schema ?? "public", name)];
}

export function findView(c: CatalogData, schema: string | undefined, name: string): ViewMeta | undefined {
  return c.views[qualified(schema ?? "public", name)];
}

export function requireTable(c: CatalogData, schema: string | undefined, name: string, position?: number): TableMeta {
  const t = findTable(c, schema, name);
  if (!t) {
    const what = findView(c, schema, name) ? `"${name}" is a view` : `relation "${schema ? `${schema}.` : ""}${name}" does not exist`;
    throw new KodiakError(findView(c, schema, name) ? SqlState.wrongObjectType : SqlState.undefinedTable, what, { position });
  }
  return t;
}

export function findIndex(c: CatalogData, schema: string | undefined, name: string): { table: TableMeta; index: IndexMeta } | undefined {
  for (const t of Object.values(c.tables)) {
    if (schema && t.schema !== schema) continue;
    const index = t.indexes.find((i) => i.name === name);
    if (index) return { table: t, index };
  }
  return undefined;
}
