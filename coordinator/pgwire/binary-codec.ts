// Binary (format code 1) encoding of SqlValues for the core types, and decoding of binary
// parameters back to SqlValues. Layouts follow PostgreSQL's typsend/typreceive functions.

import type { SqlType, SqlValue } from "../../sql/api.js";
import { PgOid } from "../../sql/api.js";
import { KodiakError, SqlState } from "../../util/index.js";
import { ByteReader } from "./byte-reader.js";
import { ByteWriter } from "./byte-writer.js";
import { dateToDays, daysToDate, timestampToUs, timeToUs, usToTime, usToTimestamp } from "./datetime-binary.js";
import { formatInterval, parseInterval } from "./interval-binary.js";
import { decodeNumeric, encodeNumeric } from "./numeric-binary.js";
import { ARRAY_ELEMENT_OIDS, sqlTypeOf } from "./type-info.js";

const JSONB_VERSION = 1;
/** Most array dimensions PostgreSQL allows (MAXDIM). */
const MAX_ARRAY_DIMS = 6;

function unsupported(type: SqlType): KodiakError {
  return new KodiakError(SqlState.featureNotSupported, `binary format for type ${type.name} is not supported`);
}

function mismatch(value: SqlValue, type: SqlType): KodiakError {
  return new KodiakError(SqlState.datatypeMismatch, `cannot encode ${typeof value} value as ${type.name}`);
}

const utf8 = (s: string): Buffer => Buffer.from(s, "utf8");

function asString(value: SqlValue, type: SqlType): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  throw mismatch(value, type);
}

function asBigInt(value: SqlValue, type: SqlType): bigint {
  if (typeof value === "bigint") return value;
  if (typeof value === "number" && Number.isInteger(value)) return BigInt(value);
  if (typeof value === "string" && /^-?\d+$/.test(value)) return BigInt(value);
  throw mismatch(value, type);
}

function asNumber(value: SqlValue, type: SqlType): number {
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "string" && value.trim() !== "" && !Number.isNaN(Number(value))) return Number(value);
  throw mismatch(value, type);
}

function fixed(bytes: number, write: (b: Buffer) => void): Buffer {
  const b = Buffer.alloc(bytes);
  write(b);
  return b;
}

/** Encodes a non-null value in binary format for its column type (22003 if it does not fit). */
export function encodeBinary(value: SqlValue, type: SqlType): Buffer {
  try {
    return encodeUnchecked(value, type);
  } catch (e) {
    if (e instanceof RangeError)
      throw new KodiakError(SqlState.numericValueOutOfRange, `value ${String(value)} is out of range for type ${type.name}`);
    throw e;
  }
}

function encodeUnchecked(value: SqlValue, type: SqlType): Buffer {
  if (value === null) throw new KodiakError(SqlState.internalError, "encodeBinary called with NULL");
  const element = ARRAY_ELEMENT_OIDS.get(type.oid);
  if (element !== undefined) return encodeArray(value, type, sqlTypeOf(element));
  switch (type.oid) {
    case PgOid.bool:
      if (typeof value !== "boolean") throw mismatch(value, type);
      return Buffer.from([value ? 1 : 0]);
    case PgOid.int2:
      return fixed(2, (b) => b.writeInt16BE(asNumber(value, type)));
    case PgOid.int4:
      return fixed(4, (b) => b.writeInt32BE(asNumber(value, type)));
    case PgOid.oid:
      return fixed(4, (b) => b.writeUInt32BE(asNumber(value, type)));
    case PgOid.int8:
      return fixed(8, (b) => b.writeBigInt64BE(asBigInt(value, type)));
    case PgOid.float4:
      return fixed(4, (b) => b.writeFloatBE(asNumber(value, type)));
    case PgOid.float8:
      return fixed(8, (b) => b.writeDoubleBE(asNumber(value, type)));
    case PgOid.numeric:
      return encodeNumeric(asString(value, type));
    case PgOid.text:
    case PgOid.varchar:
    case PgOid.bpchar:
    case PgOid.name:
    case PgOid.unknown:
    case PgOid.json:
      return utf8(asString(value, type));
    case PgOid.jsonb:
      return Buffer.concat([Buffer.from([JSONB_VERSION]), utf8(asString(value, type))]);
    case PgOid.bytea:
      if (!(value instanceof Uint8Array)) throw mismatch(value, type);
      return Buffer.from(value);
    case PgOid.uuid:
      return encodeUuid(asString(value, type));
    case PgOid.date:
      return fixed(4, (b) => b.writeInt32BE(dateToDays(asString(value, type))));
    case PgOid.time:
      return fixed(8, (b) => b.writeBigInt64BE(timeToUs(asString(value, type))));
    case PgOid.timestamp:
    case PgOid.timestamptz:
      return fixed(8, (b) => b.writeBigInt64BE(timestampToUs(asString(value, type), type.oid === PgOid.timestamptz)));
    case PgOid.interval: {
      const p = parseInterval(asString(value, type));
      return fixed(16, (b) => {
        b.writeBigInt64BE(p.us, 0);
        b.writeInt32BE(p.days, 8);
        b.writeInt32BE(p.months, 12);
      });
    }
    default:
      throw unsupported(type);
  }
}

function encodeUuid(text: string): Buffer {
  const hex = text.replace(/[{}-]/g, "");
  if (!/^[0-9a-fA-F]{32}$/.test(hex))
    throw new KodiakError(SqlState.invalidTextRepresentation, `invalid input syntax for type uuid: "${text}"`);
  return Buffer.from(hex, "hex");
}

function decodeUuid(b: Buffer): string {
  const h = b.toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function arrayDims(value: SqlValue[]): number[] {
  const dims: number[] = [];
  let level: SqlValue = value;
  while (Array.isArray(level)) {
    dims.push(level.length);
    if (level.length === 0) break;
    level = level[0]!;
  }
  if (dims.length > MAX_ARRAY_DIMS)
    throw new KodiakError(SqlState.programLimitExceeded, `number of array dimensions (${dims.length}) exceeds the maximum allowed (6)`);
  return dims;
}

function encodeArray(value: SqlValue, type: SqlType, element: SqlType): Buffer {
  if (!Array.isArray(value)) throw mismatch(value, type);
  const dims = value.length === 0 ? [] : arrayDims(value);
  const leaves: SqlValue[] = [];
  const walk = (v: SqlValue[], depth: number): void => {
    if (v.length !== dims[depth])
      throw new KodiakError(SqlState.invalidParameterValue, "multidimensional arrays must have sub-arrays with matching dimensions");
    for (const x of v) {
      if (depth + 1 < dims.length) {
        if (!Array.isArray(x))
          throw new KodiakError(SqlState.invalidParameterValue, "multidimensional arrays must have sub-arrays with matching dimensions");
        walk(x, depth + 1);
      } else leaves.push(x);
    }
  };
  if (dims.length > 0) walk(value, 0);
  const w = new ByteWriter();
  w.int32(dims.length)
    .int32(leaves.some((x) => x === null) ? 1 : 0)
    .int32(element.oid);
  for (const d of dims) w.int32(d).int32(1);
  for (const x of leaves) {
    if (x === null) w.int32(-1);
    else {
      const b = encodeBinary(x, element);
      w.int32(b.length).bytes(b);
    }
  }
  return w.take();
}

function badBinary(type: SqlType): KodiakError {
  return new KodiakError(SqlState.invalidParameterValue, `incorrect binary data format in parameter of type ${type.name}`);
}

function exact(b: Buffer, n: number, type: SqlType): Buffer {
  if (b.length !== n) throw badBinary(type);
  return b;
}

/** Decodes a binary-format parameter into a SqlValue of the given type. */
export function decodeBinary(bytes: Buffer, type: SqlType): SqlValue {
  const element = ARRAY_ELEMENT_OIDS.get(type.oid);
  if (element !== undefined) return decodeArray(bytes, sqlTypeOf(element));
  switch (type.oid) {
    case PgOid.bool:
      return exact(bytes, 1, type)[0] !== 0;
    case PgOid.int2:
      return exact(bytes, 2, type).readInt16BE(0);
    case PgOid.int4:
      return exact(bytes, 4, type).readInt32BE(0);
    case PgOid.oid:
      return exact(bytes, 4, type).readUInt32BE(0);
    case PgOid.int8:
      return exact(bytes, 8, type).readBigInt64BE(0);
    case PgOid.float4:
      return exact(bytes, 4, type).readFloatBE(0);
    case PgOid.float8:
      return exact(bytes, 8, type).readDoubleBE(0);
    case PgOid.numeric:
      return decodeNumeric(bytes);
    case PgOid.text:
    case PgOid.varchar:
    case PgOid.bpchar:
    case PgOid.name:
    case PgOid.unknown:
    case PgOid.json:
      return bytes.toString("utf8");
    case PgOid.jsonb:
      if (bytes.length < 1 || bytes[0] !== JSONB_VERSION)
        throw new KodiakError(SqlState.invalidParameterValue, "unsupported jsonb version number");
      return bytes.toString("utf8", 1);
    case PgOid.bytea:
      return new Uint8Array(bytes);
    case PgOid.uuid:
      return decodeUuid(exact(bytes, 16, type));
    case PgOid.date:
      return daysToDate(exact(bytes, 4, type).readInt32BE(0));
    case PgOid.time:
      return usToTime(exact(bytes, 8, type).readBigInt64BE(0));
    case PgOid.timestamp:
    case PgOid.timestamptz:
      return usToTimestamp(exact(bytes, 8, type).readBigInt64BE(0), type.oid === PgOid.timestamptz);
    case PgOid.interval: {
      const b = exact(bytes, 16, type);
      return formatInterval({ us: b.readBigInt64BE(0), days: b.readInt32BE(8), months: b.readInt32BE(12) });
    }
    default:
      throw unsupported(type);
  }
}

function decodeArray(bytes: Buffer, element: SqlType): SqlValue[] {
  const r = new ByteReader(bytes, "binary array");
  const ndim = r.int32();
  r.int32(); // has-nulls flag: informational only
  const elemOid = r.int32() >>> 0;
  if (ndim < 0 || ndim > MAX_ARRAY_DIMS) throw new KodiakError(SqlState.invalidParameterValue, `invalid number of dimensions: ${ndim}`);
  if (ndim > 0 && elemOid !== element.oid)
    throw new KodiakError(SqlState.datatypeMismatch, `wrong element type ${elemOid} in binary array`);
  const dims: number[] = [];
  for (let i = 0; i < ndim; i++) {
    const d = r.int32();
    r.int32(); // lower bound
    if (d < 0 || d > bytes.length) throw new KodiakError(SqlState.invalidParameterValue, "invalid array dimension");
    dims.push(d);
  }
  const read = (depth: number): SqlValue[] => {
    const out: SqlValue[] = [];
    for (let i = 0; i < dims[depth]!; i++) {
      if (depth + 1 < dims.length) out.push(read(depth + 1));
      else {
        const len = r.int32();
        out.push(len === -1 ? null : decodeBinary(Buffer.from(r.bytes(len)), element));
      }
    }
    return out;
  };
  const result = ndim === 0 ? [] : read(0);
  r.done();
  return result;
}
