// SQL data types as the binder sees them: a type id, a typmod and, for arrays, an element type.
// Maps SQL spellings (INTEGER, VARCHAR(8), DOUBLE PRECISION, ...) and PostgreSQL OIDs to types.
import { KodiakError, SqlState } from "../../util/index.js";
import { PgOid, type SqlType } from "../api.js";
import type { TypeRef } from "../parser/ast.js";
import { plStructColumnType } from "../pl/type-hook.js";

export type TypeId =
  | "bool"
  | "int2"
  | "int4"
  | "int8"
  | "float4"
  | "float8"
  | "numeric"
  | "text"
  | "varchar"
  | "bpchar"
  | "bytea"
  | "date"
  | "time"
  | "timestamp"
  | "timestamptz"
  | "interval"
  | "json"
  | "jsonb"
  | "uuid"
  | "unknown"
  | "array";

export interface DataType {
  readonly id: TypeId;
  readonly typmod: number;
  readonly elem?: DataType;
  /** PL-Grizzly STRUCT type name of a jsonb column declared with that type (sql/pl). */
  readonly plStruct?: string;
}

const simple = (id: TypeId): DataType => ({ id, typmod: -1 });
export const T = {
  bool: simple("bool"),
  int2: simple("int2"),
  int4: simple("int4"),
  int8: simple("int8"),
  float4: simple("float4"),
  float8: simple("float8"),
  numeric: simple("numeric"),
  text: simple("text"),
  varchar: simple("varchar"),
  bytea: simple("bytea"),
  date: simple("date"),
  time: simple("time"),
  timestamp: simple("timestamp"),
  timestamptz: simple("timestamptz"),
  interval: simple("interval"),
  json: simple("json"),
  jsonb: simple("jsonb"),
  uuid: simple("uuid"),
  unknown: simple("unknown"),
} as const;

export const arrayOf = (elem: DataType): DataType => ({ id: "array", typmod: -1, elem });

const NAMES: Record<string, TypeId> = {
  bool: "bool",
  boolean: "bool",
  int2: "int2",
  smallint: "int2",
  int: "int4",
  int4: "int4",
  integer: "int4",
  int8: "int8",
  bigint: "int8",
  int16: "int2", // PL-Grizzly spellings (docs/pl-grizzly.md 3.1)
  int32: "int4",
  int64: "int8",
  serial: "int4",
  bigserial: "int8",
  real: "float4",
  float4: "float4",
  float: "float8",
  float8: "float8",
  "double precision": "float8",
  double: "float8",
  numeric: "numeric",
  decimal: "numeric",
  text: "text",
  string: "text",
  varchar: "varchar",
  char: "bpchar",
  character: "bpchar",
  bpchar: "bpchar",
  bytea: "bytea",
  blob: "bytea",
  date: "date",
  time: "time",
  timestamp: "timestamp",
  timestamptz: "timestamptz",
  interval: "interval",
  json: "json",
  jsonb: "jsonb",
  uuid: "uuid",
};

/** Resolves a type as written in SQL; 42704 for unknown names. */
export function resolveTypeRef(ref: TypeRef, position?: number): DataType {
  let id = NAMES[ref.name];
  if (id === undefined && ref.name.startsWith("_")) id = NAMES[ref.name.slice(1)];
  const plStruct = id === undefined && ref.arrayDims === 0 ? plStructColumnType(ref.name) : undefined; // PL-Grizzly STRUCT
  if (plStruct) return plStruct;
  if (id === undefined) throw new KodiakError(SqlState.undefinedObject, `type "${ref.name}" does not exist`, { position });
  let typmod = -1;
  if (id === "numeric" && ref.args.length > 0) {
    const p = ref.args[0];
    const s = ref.args[1] ?? 0;
    if (p < 1 || p > 1000 || s < 0 || s > p)
      throw new KodiakError(SqlState.invalidParameterValue, `NUMERIC precision ${p} must be between 1 and 1000`, { position });
    typmod = ((p << 16) | s) + 4;
  } else if ((id === "varchar" || id === "bpchar") && ref.args.length > 0) {
    typmod = ref.args[0] + 4;
  } else if (id === "bpchar") {
    typmod = 1 + 4;
  } else if (ref.name === "float" && ref.args.length > 0 && ref.args[0] <= 24) {
    id = "float4";
  }
  const base: DataType = { id, typmod };
  return ref.arrayDims > 0 || ref.name.startsWith("_") ? arrayOf(base) : base;
}

const OIDS: Record<Exclude<TypeId, "array">, number> = {
  bool: PgOid.bool,
  int2: PgOid.int2,
  int4: PgOid.int4,
  int8: PgOid.int8,
  float4: PgOid.float4,
  float8: PgOid.float8,
  numeric: PgOid.numeric,
  text: PgOid.text,
  varchar: PgOid.varchar,
  bpchar: PgOid.bpchar,
  bytea: PgOid.bytea,
  date: PgOid.date,
  time: PgOid.time,
  timestamp: PgOid.timestamp,
  timestamptz: PgOid.timestamptz,
  interval: PgOid.interval,
  json: PgOid.json,
  jsonb: PgOid.jsonb,
  uuid: PgOid.uuid,
  unknown: PgOid.text,
};

const ARRAY_OIDS: Partial<Record<TypeId, number>> = {
  bool: PgOid._bool,
  int2: PgOid._int2,
  int4: PgOid._int4,
  int8: PgOid._int8,
  text: PgOid._text,
  float8: PgOid._float8,
  numeric: PgOid._numeric,
  varchar: 1015,
  float4: 1021,
  date: 1182,
  timestamp: 1115,
  uuid: 2951,
  bytea: 1001,
  jsonb: 3807,
};

/** The PostgreSQL description of a type, for result columns. */
export function toSqlType(t: DataType): SqlType {
  if (t.id === "array") {
    const e = t.elem ?? T.text;
    return { name: `_${toSqlType(e).name}`, oid: ARRAY_OIDS[e.id] ?? PgOid._text, typmod: -1 };
  }
  const id = t.id === "unknown" ? "text" : t.id;
  return { name: id, oid: OIDS[t.id], typmod: t.typmod };
}

/** The type for a PostgreSQL OID (text for unknown OIDs). */
export function fromOid(oid: number): DataType | undefined {
  for (const [id, o] of Object.entries(OIDS)) if (o === oid && id !== "unknown") return simple(id as TypeId);
  for (const [id, o] of Object.entries(ARRAY_OIDS)) if (o === oid) return arrayOf(simple(id as TypeId));
  return undefined;
}

/** Type name as PostgreSQL prints it in messages ("integer", "text", ...). */
export function typeDisplayName(t: DataType): string {
  switch (t.id) {
    case "int2":
      return "smallint";
    case "int4":
      return "integer";
    case "int8":
      return "bigint";
    case "float4":
      return "real";
    case "float8":
      return "double precision";
    case "bool":
      return "boolean";
    case "varchar":
      return "character varying";
    case "bpchar":
      return "character";
    case "timestamptz":
      return "timestamp with time zone";
    case "timestamp":
      return "timestamp without time zone";
    case "time":
      return "time without time zone";
    case "array":
      return `${typeDisplayName(t.elem ?? T.text)}[]`;
    default:
      return t.id;
  }
}

export const isIntType = (t: DataType): boolean => t.id === "int2" || t.id === "int4" || t.id === "int8";
export const isFloatType = (t: DataType): boolean => t.id === "float4" || t.id === "float8";
export const isNumericType = (t: DataType): boolean => isIntType(t) || isFloatType(t) || t.id === "numeric";
export const isStringType = (t: DataType): boolean => t.id === "text" || t.id === "varchar" || t.id === "bpchar";

/** Numeric promotion order for implicit casts between number types. */
const NUM_RANK: Partial<Record<TypeId, number>> = { int2: 1, int4: 2, int8: 3, numeric: 4, float4: 5, float8: 6 };

/** Common type of two operands for arithmetic/comparison/UNION/CASE (PostgreSQL's resolution, simplified). */
export function commonType(a: DataType, b: DataType): DataType | undefined {
  if (a.id === "unknown") return b;
  if (b.id === "unknown") return a;
  if (a.id === b.id) return a.id === "array" ? a : a.typmod === b.typmod ? a : simple(a.id);
  const ra = NUM_RANK[a.id];
  const rb = NUM_RANK[b.id];
  if (ra !== undefined && rb !== undefined) return ra >= rb ? simple(a.id) : simple(b.id);
  if (isStringType(a) && isStringType(b)) return T.text;
  if (
    (a.id === "timestamp" || a.id === "timestamptz" || a.id === "date") &&
    (b.id === "timestamp" || b.id === "timestamptz" || b.id === "date")
  ) {
    return a.id === "timestamptz" || b.id === "timestamptz" ? T.timestamptz : T.timestamp;
  }
  if ((a.id === "json" || a.id === "jsonb") && (b.id === "json" || b.id === "jsonb")) return T.jsonb;
  return undefined;
}
