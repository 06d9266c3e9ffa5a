// Binds typed gRPC parameter values (kodiak.v1.Value) to the engine's SqlValue for the parameter
// types a prepared statement expects, going through PostgreSQL's text input format where the
// kinds differ (so "5" binds to an int4 parameter exactly as pgwire text parameters do).

import type { Value } from "../../proto/gen/kodiak.js";
import { PgOid, type SqlSession, type SqlType, type SqlValue } from "../../sql/api.js";
import { KodiakError, SqlState } from "../../util/index.js";

const oidByName: Record<string, number> = PgOid;

/** The type OID to announce for a parameter at prepare time (0 = let the engine infer). */
export function paramTypeOid(v: Value): number {
  if (v.bool !== undefined) return PgOid.bool;
  if (v.int64 !== undefined) return PgOid.int8;
  if (v.float64 !== undefined) return PgOid.float8;
  if (v.bytes !== undefined) return PgOid.bytea;
  if (v.numeric !== undefined) return PgOid.numeric;
  if (v.typed !== undefined) return oidByName[v.typed.type] ?? 0;
  return 0;
}

function textOf(v: Value): string | null {
  if (v.bool !== undefined) return v.bool ? "true" : "false";
  if (v.int64 !== undefined) return v.int64;
  if (v.float64 !== undefined) return String(v.float64);
  if (v.text !== undefined) return v.text;
  if (v.numeric !== undefined) return v.numeric;
  if (v.typed !== undefined) return v.typed.text;
  if (v.bytes !== undefined) return `\\x${Buffer.from(v.bytes).toString("hex")}`;
  return null;
}

/** Converts one parameter to the SqlValue the statement expects for `type`. */
export function bindParam(v: Value, type: SqlType, session: SqlSession): SqlValue {
  if (v.null !== undefined) return null;
  if (v.array !== undefined) {
    if (!type.name.startsWith("_")) {
      throw new KodiakError(SqlState.datatypeMismatch, `an array was given for a parameter of type ${type.name}`);
    }
    const elemName = type.name.slice(1);
    const elem: SqlType = { name: elemName, oid: oidByName[elemName] ?? 0, typmod: -1 };
    return v.array.values.map((e) => bindParam(e, elem, session));
  }
  if (v.bool !== undefined && type.name === "bool") return v.bool;
  if (v.bytes !== undefined && type.name === "bytea") return new Uint8Array(v.bytes);
  if (v.int64 !== undefined && type.name === "int8") return BigInt(v.int64);
  if (v.float64 !== undefined && type.name === "float8") return v.float64;
  const text = textOf(v);
  if (text === null) throw new KodiakError(SqlState.invalidParameterValue, "a parameter value has no kind set");
  return session.parseText(text, type);
}
