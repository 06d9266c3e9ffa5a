// pg_type facts for the types Kodiak exposes and PostgreSQL's format_type(): the names psql and
// information_schema print ("integer", "character varying(20)", "numeric(10,2)", "text[]").

import { PgOid } from "./api.js";

export interface PgTypeInfo {
  name: string;
  /** What format_type prints without modifiers. */
  sqlName: string;
  len: number;
  /** pg_type.typcategory. */
  category: string;
  elem: number;
  array: number;
}

const t = (name: string, sqlName: string, len: number, category: string, array: number, elem = 0): PgTypeInfo => ({
  name,
  sqlName,
  len,
  category,
  elem,
  array,
});

export const PG_TYPES: ReadonlyMap<number, PgTypeInfo> = new Map([
  [PgOid.bool, t("bool", "boolean", 1, "B", PgOid._bool)],
  [PgOid.bytea, t("bytea", "bytea", -1, "U", 1001)],
  [18, t("char", '"char"', 1, "Z", 1002)],
  [PgOid.name, t("name", "name", 64, "S", 1003)],
  [PgOid.int8, t("int8", "bigint", 8, "N", PgOid._int8)],
  [PgOid.int2, t("int2", "smallint", 2, "N", PgOid._int2)],
  [PgOid.int4, t("int4", "integer", 4, "N", PgOid._int4)],
  [PgOid.text, t("text", "text", -1, "S", PgOid._text)],
  [PgOid.oid, t("oid", "oid", 4, "N", 1028)],
  [PgOid.json, t("json", "json", -1, "U", 199)],
  [PgOid.float4, t("float4", "real", 4, "N", 1021)],
  [PgOid.float8, t("float8", "double precision", 8, "N", PgOid._float8)],
  [PgOid.bpchar, t("bpchar", "character", -1, "S", 1014)],
  [PgOid.varchar, t("varchar", "character varying", -1, "S", 1015)],
  [PgOid.date, t("date", "date", 4, "D", 1182)],
  [PgOid.time, t("time", "time without time zone", 8, "D", 1183)],
  [PgOid.timestamp, t("timestamp", "timestamp without time zone", 8, "D", 1115)],
  [PgOid.timestamptz, t("timestamptz", "timestamp with time zone", 8, "D", 1185)],
  [PgOid.interval, t("interval", "interval", 16, "T", 1187)],
  [PgOid.numeric, t("numeric", "numeric", -1, "N", PgOid._numeric)],
  [PgOid.uuid, t("uuid", "uuid", 16, "U", 2951)],
  [PgOid.jsonb, t("jsonb", "jsonb", -1, "U", 3807)],
  [PgOid._bool, t("_bool", "boolean[]", -1, "A", 0, PgOid.bool)],
  [PgOid._int2, t("_int2", "smallint[]", -1, "A", 0, PgOid.int2)],
  [PgOid._int4, t("_int4", "integer[]", -1, "A", 0, PgOid.int4)],
  [PgOid._int8, t("_int8", "bigint[]", -1, "A", 0, PgOid.int8)],
  [PgOid._text, t("_text", "text[]", -1, "A", 0, PgOid.text)],
  [PgOid._float8, t("_float8", "double precision[]", -1, "A", 0, PgOid.float8)],
  [PgOid._numeric, t("_numeric", "numeric[]", -1, "A", 0, PgOid.numeric)],
]);

/** PostgreSQL's format_type(oid, typmod). */
export function formatType(oid: number, typmod: number): string {
  const info = PG_TYPES.get(oid);
  if (info === undefined) return "???";
  if (typmod < 0) return oid === PgOid.bpchar ? "bpchar" : info.sqlName;
  switch (oid) {
    case PgOid.varchar:
    case PgOid.bpchar:
      return typmod > 4 ? `${info.sqlName}(${typmod - 4})` : info.sqlName;
    case PgOid.numeric: {
      if (typmod < 4) return info.sqlName;
      const precision = ((typmod - 4) >> 16) & 0xffff;
      const scale = (typmod - 4) & 0xffff;
      return `numeric(${precision},${scale})`;
    }
    case PgOid.timestamp:
    case PgOid.timestamptz:
    case PgOid.time: {
      const [base, zone] = info.sqlName.split(/ (?=with)/) as [string, string];
      return `${base}(${typmod}) ${zone}`;
    }
    default:
      return info.sqlName;
  }
}
