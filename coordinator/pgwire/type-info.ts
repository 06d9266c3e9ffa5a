// Static facts about the PostgreSQL types pgwire encodes: typlen for RowDescription and the
// element type of each array type. Type OIDs come from sql/api.ts (PgOid), the one source.

import { PgOid } from "../../sql/api.js";

/** pg_type.typlen: fixed byte width, or -1 for variable length. */
const FIXED_SIZES: ReadonlyMap<number, number> = new Map([
  [PgOid.bool, 1],
  [PgOid.int2, 2],
  [PgOid.int4, 4],
  [PgOid.int8, 8],
  [PgOid.oid, 4],
  [PgOid.float4, 4],
  [PgOid.float8, 8],
  [PgOid.date, 4],
  [PgOid.time, 8],
  [PgOid.timestamp, 8],
  [PgOid.timestamptz, 8],
  [PgOid.interval, 16],
  [PgOid.uuid, 16],
  [PgOid.name, 64],
]);

export function typeSize(oid: number): number {
  return FIXED_SIZES.get(oid) ?? -1;
}

/** Array type OID → element type OID. */
export const ARRAY_ELEMENT_OIDS: ReadonlyMap<number, number> = new Map([
  [PgOid._bool, PgOid.bool],
  [PgOid._int2, PgOid.int2],
  [PgOid._int4, PgOid.int4],
  [PgOid._int8, PgOid.int8],
  [PgOid._text, PgOid.text],
  [PgOid._float8, PgOid.float8],
  [PgOid._numeric, PgOid.numeric],
  [1015, PgOid.varchar], // _varchar
  [1021, PgOid.float4], // _float4
  [1028, PgOid.oid], // _oid
  [2951, PgOid.uuid], // _uuid
]);

export const TYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [PgOid.bool, "bool"],
  [PgOid.bytea, "bytea"],
  [PgOid.name, "name"],
  [PgOid.int8, "int8"],
  [PgOid.int2, "int2"],
  [PgOid.int4, "int4"],
  [PgOid.text, "text"],
  [PgOid.oid, "oid"],
  [PgOid.json, "json"],
  [PgOid.float4, "float4"],
  [PgOid.float8, "float8"],
  [PgOid.unknown, "unknown"],
  [PgOid.bpchar, "bpchar"],
  [PgOid.varchar, "varchar"],
  [PgOid.date, "date"],
  [PgOid.time, "time"],
  [PgOid.timestamp, "timestamp"],
  [PgOid.timestamptz, "timestamptz"],
  [PgOid.interval, "interval"],
  [PgOid.numeric, "numeric"],
  [PgOid.uuid, "uuid"],
  [PgOid.jsonb, "jsonb"],
  [PgOid._bool, "_bool"],
  [PgOid._int2, "_int2"],
  [PgOid._int4, "_int4"],
  [PgOid._int8, "_int8"],
  [PgOid._text, "_text"],
  [PgOid._float8, "_float8"],
  [PgOid._numeric, "_numeric"],
]);

/** A SqlType for a bare OID (typmod -1), e.g. for parameters a client typed by OID. */
export function sqlTypeOf(oid: number): { name: string; oid: number; typmod: number } {
  return { name: TYPE_NAMES.get(oid) ?? `oid${oid}`, oid, typmod: -1 };
}
