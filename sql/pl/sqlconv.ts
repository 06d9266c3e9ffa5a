// Mapping between PL-Grizzly types/values and the SqlType/SqlValue of sql/api.ts, used when
// binding `{name}` parameters and when turning query rows into PL values (rows → STRUCTs).

import { PgOid, type SqlType, type SqlValue } from "../api.js";
import { Decimal } from "../types/decimal.js";
import { parseText } from "./cast.js";
import type { BoundParam, HostColumn, HostResult } from "./host.js";
import { anonStruct, arrayOf, type PlType, T } from "./types.js";
import { json, type JsonValue, mk, nullOf, type PlValue, structValue, toDecimal, toSqlValue } from "./values.js";

const byName: Record<string, PlType> = {
  bool: T.bool,
  int2: T.int16,
  int4: T.int32,
  int8: T.int64,
  float4: T.real,
  float8: T.double,
  numeric: T.numeric,
  text: T.text,
  varchar: { k: "varchar", n: null },
  bpchar: T.text,
  name: T.text,
  bytea: T.bytea,
  date: T.date,
  time: T.time,
  timestamp: T.timestamp,
  timestamptz: T.timestamptz,
  interval: T.interval,
  json: T.json,
  jsonb: T.json,
  uuid: T.uuid,
  unknown: T.unknown,
  void: T.void,
};

export function plTypeOf(t: SqlType): PlType {
  if (t.name.startsWith("_")) return arrayOf(plTypeOf({ name: t.name.slice(1), oid: 0, typmod: -1 }));
  return byName[t.name] ?? T.text;
}

const toName: Partial<Record<PlType["k"], keyof typeof PgOid>> = {
  bool: "bool",
  int16: "int2",
  int32: "int4",
  int64: "int8",
  real: "float4",
  double: "float8",
  numeric: "numeric",
  text: "text",
  varchar: "varchar",
  bytea: "bytea",
  date: "date",
  time: "time",
  timestamp: "timestamp",
  timestamptz: "timestamptz",
  interval: "interval",
  json: "jsonb",
  uuid: "uuid",
  unknown: "unknown",
  struct: "jsonb",
};

export function sqlTypeOf(t: PlType): SqlType {
  if (t.k === "array" || t.k === "range") {
    const elem = t.k === "array" ? sqlTypeOf(t.elem) : sqlTypeOf(T.int64);
    const name = `_${elem.name}` as keyof typeof PgOid;
    return { name: `_${elem.name}`, oid: PgOid[name] ?? 0, typmod: -1 };
  }
  const name = toName[t.k] ?? "text";
  return { name, oid: PgOid[name], typmod: t.k === "varchar" && t.n !== null ? t.n + 4 : -1 };
}

export function bindParam(x: PlValue): BoundParam {
  return { value: toSqlValue(x), type: sqlTypeOf(x.t), pl: x };
}

/** Converts one SqlValue of a known PL type into a PL value. */
export function fromSqlValue(v: SqlValue, t: PlType): PlValue {
  if (v === null) return nullOf(t);
  switch (t.k) {
    case "bool":
    case "int16":
    case "int32":
    case "real":
    case "double":
      return mk(t, typeof v === "string" ? parseText(v, t).v : (v as number | boolean));
    case "int64":
      return mk(t, typeof v === "bigint" ? v : BigInt(v as number | string));
    case "numeric":
      return mk(t, typeof v === "string" ? Decimal.parse(v) : toDecimal(v as number | bigint));
    case "bytea":
      return mk(t, v as Uint8Array);
    case "array":
      return mk(
        t,
        (v as SqlValue[]).map((e) => fromSqlValue(e, t.elem)),
      );
    case "json":
      return typeof v === "string" ? parseText(v, t) : json(v as JsonValue);
    case "struct":
      if (typeof v === "string") return fromJsonStruct(JSON.parse(v) as JsonValue, t);
      return mk(t, v as unknown as string);
    default:
      return typeof v === "string" ? parseText(v, t) : mk(t, v as unknown as string);
  }
}

function fromJsonStruct(j: JsonValue, t: PlType & { k: "struct" }): PlValue {
  const o = (j ?? {}) as Record<string, JsonValue>;
  return structValue(
    t,
    new Map(
      t.fields.map((f) => [
        f.name,
        f.type.k === "struct" ? fromJsonStruct(o[f.name] ?? null, f.type) : jsonScalar(o[f.name] ?? null, f.type),
      ]),
    ),
  );
}

function jsonScalar(j: JsonValue, t: PlType): PlValue {
  if (j === null) return nullOf(t);
  if (t.k === "json") return json(j);
  return fromSqlValue(typeof j === "number" && t.k === "int64" ? BigInt(j) : (j as SqlValue), t);
}

function columnType(c: HostColumn): PlType {
  return c.plType ?? plTypeOf(c.type);
}

/** Rows of a result as anonymous STRUCT values (one field per column). */
export function rowsAsStructs(r: HostResult): { type: PlType; rows: PlValue[] } {
  const cols = r.columns ?? [];
  const types = cols.map(columnType);
  const type = anonStruct(cols.map((c, i) => ({ name: c.name, type: types[i]! })));
  const rows = (r.rows ?? []).map((row) =>
    structValue(type, new Map(cols.map((c, i) => [c.name, fromSqlValue(row[i] ?? null, types[i]!)]))),
  );
  return { type, rows };
}

/** The single column of a result as PL values. */
export function firstColumn(r: HostResult): { type: PlType; values: PlValue[] } {
  const c = r.columns?.[0];
  const type = c === undefined ? T.unknown : columnType(c);
  return { type, values: (r.rows ?? []).map((row) => fromSqlValue(row[0] ?? null, type)) };
}
