// Serves sql/pg-catalog.ts inside the engine: pg_catalog/information_schema relations as Values
// scans over the current catalog, and psql's catalog functions as bound expressions. The planner
// wires it in with two calls, each tried just before it would report "does not exist":
//   select.ts planFromItem (FROM item):     systemRelation(pc.catalog, schema, name, alias)
//   functions.ts scalarFunction (function): pgCatalogFunction(name, args, pos)

import type { SqlValue } from "./api.js";
import { PgOid } from "./api.js";
import type { CatalogData, ForeignKeyMeta, TableMeta } from "./catalog/catalog.js";
import { fromSqlValue } from "./engine/convert.js";
import type { BoundExpr, Col, Fn, PlanNode } from "./plan/context.js";
import { ValuesNode } from "./plan/nodes.js";
import {
  buildPgCatalog,
  type PgCatalogForeignKey,
  type PgCatalogInput,
  type PgCatalogProc,
  type PgCatalogRelation,
  procOid,
} from "./pg-catalog.js";
import { activePl } from "./pl/engine-bridge.js";
import { MemoryCatalog } from "./pl/catalog.js";
import { sqlTypeOf } from "./pl/sqlconv.js";
import { PgCatalogFunctions, REG_TYPES, type RegType } from "./pg-catalog-functions.js";
import { arrayOf, type DataType, T, toSqlType } from "./types/types.js";
import type { Value } from "./types/values.js";
import { KodiakError, SqlState } from "../util/index.js";

/** Until sessions pass their user down, catalogs name this owner (the dev/default superuser). */
const OWNER = "kodiak";
const DATABASE = "kodiak";
const FIRST_OID = 16384;
/** Room per table for its index and constraint OIDs (index i: +1+2i, its constraint: +2+2i). */
const OIDS_PER_TABLE = 64;
const SYSTEM_SCHEMAS = new Set(["pg_catalog", "information_schema"]);

const tableOid = (t: TableMeta): number => FIRST_OID + t.id * OIDS_PER_TABLE;

/** Table column index → position among the columns clients see (hidden row id columns left out). */
function visiblePositions(t: TableMeta): Map<number, number> {
  const visible = t.columns.map((c, i) => ({ c, i })).filter(({ c }) => !c.hidden);
  return new Map(visible.map(({ i }, k) => [i, k]));
}

const CONFDELTYPE: Record<NonNullable<ForeignKeyMeta["onDelete"]>, PgCatalogForeignKey["onDelete"]> = {
  noAction: "a",
  restrict: "r",
  cascade: "c",
  setNull: "n",
  setDefault: "d",
};

function foreignKeysOf(t: TableMeta, c: CatalogData): PgCatalogForeignKey[] {
  const position = visiblePositions(t);
  const out: PgCatalogForeignKey[] = [];
  for (const fk of t.foreignKeys) {
    const ref = c.tables[fk.refTable];
    if (ref === undefined) continue;
    const refPosition = visiblePositions(ref);
    const columns = fk.columns.map((i) => position.get(i));
    const refColumns = fk.refColumns.map((i) => refPosition.get(i));
    if (columns.some((x) => x === undefined) || refColumns.some((x) => x === undefined)) continue;
    out.push({
      name: fk.name,
      columns: columns as number[],
      refOid: tableOid(ref),
      refColumns: refColumns as number[],
      onDelete: CONFDELTYPE[fk.onDelete ?? "noAction"],
    });
  }
  return out;
}

function relationOf(t: TableMeta, c: CatalogData): PgCatalogRelation {
  const oid = tableOid(t);
  const visible = t.columns.map((c, i) => ({ c, i })).filter(({ c }) => !c.hidden);
  const position = visiblePositions(t);
  return {
    oid,
    schema: t.schema,
    name: t.name,
    kind: "table",
    columns: visible.map(({ c }) => ({ name: c.name, type: toSqlType(c.type), notNull: c.notNull, default: c.default })),
    indexes: t.indexes
      .filter((ix) => ix.columns.every((col) => position.has(col)))
      .slice(0, OIDS_PER_TABLE / 2 - 1)
      .map((ix, i) => ({
        oid: oid + 1 + 2 * i,
        name: ix.name,
        columns: ix.columns.map((col) => position.get(col)!),
        unique: ix.unique,
        primary: ix.primary,
      })),
    checks: t.checks.map((c) => ({ name: c.name, sql: c.sql })),
    foreignKeys: foreignKeysOf(t, c),
  };
}

/**
 * The active session's PL catalog (rebuilt from the statement's CatalogData.pl, so it belongs to
 * the same snapshot), or undefined outside a PL-aware session.
 */
function activePlCatalog(): MemoryCatalog | undefined {
  const catalog = activePl()?.env.catalog;
  return catalog instanceof MemoryCatalog ? catalog : undefined;
}

/** PL-Grizzly functions callable from SQL (not methods), all in schema public like their calls. */
function procsOf(pl: MemoryCatalog | undefined): PgCatalogProc[] {
  if (pl === undefined) return [];
  return [...pl.functions.values()]
    .filter((f) => f.def.receiver === null)
    .map((f) => ({
      oid: procOid(f.def.name),
      schema: "public",
      name: f.def.name,
      returnType: sqlTypeOf(f.returnType).oid,
      argTypes: f.paramTypes.map((t) => sqlTypeOf(t).oid),
      argNames: f.def.params.map((p) => p.name),
    }));
}

/** The engine's catalog in the shape sql/pg-catalog.ts builds system relations from. */
export function catalogInput(c: CatalogData, pl: MemoryCatalog | undefined = activePlCatalog()): PgCatalogInput {
  return {
    database: DATABASE,
    user: OWNER,
    schemas: c.schemas,
    relations: Object.values(c.tables).map((t) => relationOf(t, c)),
    procs: procsOf(pl),
  };
}

/** Per-CatalogData memo that is rebuilt when the active PL catalog differs from the one it was built with. */
function memo<V>(
  cache: WeakMap<CatalogData, { pl: MemoryCatalog | undefined; value: V }>,
  c: CatalogData,
  build: (input: PgCatalogInput) => V,
): V {
  const pl = activePlCatalog();
  let hit = cache.get(c);
  if (hit === undefined || hit.pl !== pl) {
    hit = { pl, value: build(catalogInput(c, pl)) };
    cache.set(c, hit);
  }
  return hit.value;
}

/** Engine types for catalog columns: oid → int8, name/"char" → text, aclitem[] → text[]. */
function engineType(oid: number): DataType {
  switch (oid) {
    case PgOid.oid:
      return T.int8;
    case PgOid.bool:
      return T.bool;
    case PgOid.int2:
      return T.int2;
    case PgOid.int4:
      return T.int4;
    case PgOid.float4:
      return T.float4;
    case PgOid._int2:
      return arrayOf(T.int2);
    case PgOid._text:
      return arrayOf(T.text);
    case PgOid._int8:
      return arrayOf(T.int8);
    default:
      return T.text;
  }
}

const cache = new WeakMap<CatalogData, { pl: MemoryCatalog | undefined; value: ReturnType<typeof buildPgCatalog> }>();

function systemCatalog(c: CatalogData): ReturnType<typeof buildPgCatalog> {
  return memo(cache, c, buildPgCatalog);
}

/** A FROM item naming a system relation ("pg_catalog.pg_class", or unqualified "pg_class"). */
export function systemRelation(
  c: CatalogData,
  schema: string | undefined,
  name: string,
  alias: string,
): { node: PlanNode; cols: Col[] } | undefined {
  if (schema !== undefined && !SYSTEM_SCHEMAS.has(schema)) return undefined;
  const rel = systemCatalog(c).get(`${schema ?? "pg_catalog"}.${name}`);
  if (rel === undefined) return undefined;
  const types = rel.columns.map((col) => engineType(col.type.oid));
  const cols: Col[] = rel.columns.map((col, i) => ({ rel: alias, name: col.name, type: types[i]! }));
  const rows = rel.rows.map((row) =>
    row.map((v, i): Fn => {
      const value = toEngineValue(v, types[i]!);
      return () => value;
    }),
  );
  return { node: new ValuesNode(cols, rows), cols };
}

function toEngineValue(v: SqlValue, t: DataType): Value {
  if (typeof v === "number" && t.id === "int8") return BigInt(v);
  return fromSqlValue(v, t);
}

const functionsCache = new WeakMap<CatalogData, { pl: MemoryCatalog | undefined; value: PgCatalogFunctions }>();

function catalogFunctions(c: CatalogData): PgCatalogFunctions {
  return memo(functionsCache, c, (input) => new PgCatalogFunctions(input));
}

const FUNCTION_TYPES: Record<(typeof PgCatalogFunctions.names)[number], DataType> = {
  pg_get_userbyid: T.text,
  pg_table_is_visible: T.bool,
  pg_type_is_visible: T.bool,
  pg_encoding_to_char: T.text,
  format_type: T.text,
  pg_get_indexdef: T.text,
  pg_get_constraintdef: T.text,
  pg_get_expr: T.text,
  obj_description: T.text,
  col_description: T.text,
  pg_relation_is_publishable: T.bool,
  pg_get_viewdef: T.text,
  array_to_string: T.text,
  pg_get_statisticsobjdef_columns: T.text,
  pg_get_partkeydef: T.text,
  pg_get_triggerdef: T.text,
  array_upper: T.int4,
  array_lower: T.int4,
  pg_function_is_visible: T.bool,
  pg_partition_ancestors: T.int8, // regclass: an OID compared with oid columns, like x::regclass
  pg_get_function_result: T.text,
  pg_get_function_arguments: T.text,
  pg_get_function_identity_arguments: T.text,
};

const isCatalogFunction = (name: string): name is (typeof PgCatalogFunctions.names)[number] => Object.hasOwn(FUNCTION_TYPES, name);

const TEXT_LIKE = new Set(["text", "varchar", "bpchar", "unknown", "name"]);

/**
 * A cast to an OID alias type, `x::regclass` (the parser turns it into a call of `regclass`): text
 * becomes the named object's OID (compared with oid columns), an OID becomes its name (shown).
 */
function regCast(kind: RegType, args: readonly BoundExpr[], pos: number): BoundExpr {
  const arg = args[0];
  if (arg === undefined || args.length !== 1) {
    throw new KodiakError(SqlState.undefinedFunction, `function ${kind} takes one argument`, { position: pos + 1 });
  }
  const fromText = TEXT_LIKE.has(arg.type.id);
  const f = arg.fn;
  return {
    fn: (row, env) => {
      const v = f(row, env);
      if (v === null) return null;
      const fns = catalogFunctions(env.catalog);
      return fromText ? BigInt(fns.regOid(kind, String(v))) : fns.regName(kind, Number(v));
    },
    type: fromText ? T.int8 : T.text,
    constant: false,
    pos,
  };
}

/** psql's catalog helper functions, evaluated against the statement's catalog snapshot. */
export function pgCatalogFunction(name: string, args: readonly BoundExpr[], pos: number): BoundExpr | undefined {
  if ((REG_TYPES as readonly string[]).includes(name)) return regCast(name as RegType, args, pos);
  if (!isCatalogFunction(name)) return undefined;
  const fns = args.map((a) => a.fn);
  return {
    fn: (row, env) => {
      const values = fns.map((f): SqlValue => {
        const v = f(row, env);
        if (typeof v === "bigint") return Number(v);
        if (v === null || typeof v !== "object") return v;
        return Array.isArray(v) ? v.map((x) => (x === null ? null : String(x))) : String(v);
      });
      const result = catalogFunctions(env.catalog).call(name, values);
      return result === null ? null : (result as Value);
    },
    type: FUNCTION_TYPES[name],
    constant: false,
    pos,
  };
}
