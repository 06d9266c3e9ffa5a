// Reference PostgreSQL text format (format code 0) for the core types: output as PostgreSQL
// prints it (DateStyle ISO) and input parsing to SqlValues. Engines may use these for
// SqlSession.formatText/parseText; pgwire itself always goes through the session.

import type { SqlType, SqlValue } from "../../sql/api.js";
import { PgOid } from "../../sql/api.js";
import { KodiakError, SqlState } from "../../util/index.js";
import { decodeNumeric, encodeNumeric } from "./numeric-binary.js";
import { dateToDays, daysToDate, timestampToUs, timeToUs, usToTime, usToTimestamp } from "./datetime-binary.js";
import { ARRAY_ELEMENT_OIDS, sqlTypeOf } from "./type-info.js";

const INT_RANGES: ReadonlyMap<number, [number, number, string]> = new Map([
  [PgOid.int2, [-32768, 32767, "smallint"]],
  [PgOid.int4, [-2147483648, 2147483647, "integer"]],
  [PgOid.oid, [0, 4294967295, "oid"]],
]);
const INT8_MIN = -(2n ** 63n);
const INT8_MAX = 2n ** 63n - 1n;

function syntax(typeName: string, text: string): KodiakError {
  return new KodiakError(SqlState.invalidTextRepresentation, `invalid input syntax for type ${typeName}: "${text}"`);
}

/** Shortest round-trip float text with PostgreSQL's switch to exponent form (extra_float_digits = 1). */
export function formatFloat(v: number, float4: boolean): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Number.POSITIVE_INFINITY) return "Infinity";
  if (v === Number.NEGATIVE_INFINITY) return "-Infinity";
  if (v === 0) return Object.is(v, -0) ? "-0" : "0";
  let digits = "";
  if (float4) {
    for (let p = 1; p <= 9; p++) {
      digits = v.toExponential(p - 1);
      if (Math.fround(Number(digits)) === v) break;
    }
  } else digits = v.toExponential();
  const [mantissa, expText] = digits.split("e") as [string, string];
  const exp = Number(expText);
  const limit = float4 ? 6 : 15;
  if (exp < -4 || exp >= limit) return `${mantissa}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  const neg = mantissa.startsWith("-");
  const ds = mantissa.replace("-", "").replace(".", "");
  let out: string;
  if (exp >= 0) out = ds.length > exp + 1 ? `${ds.slice(0, exp + 1)}.${ds.slice(exp + 1)}` : ds.padEnd(exp + 1, "0");
  else out = `0.${"0".repeat(-exp - 1)}${ds}`;
  return neg ? `-${out}` : out;
}

function quoteArrayElement(s: string): string {
  if (s === "" || /^null$/i.test(s) || /[{}",\\\s]/.test(s)) return `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"`;
  return s;
}

/** PostgreSQL's text output for a value; null for SQL NULL. */
export function formatTextValue(value: SqlValue, type: SqlType): string | null {
  if (value === null) return null;
  const element = ARRAY_ELEMENT_OIDS.get(type.oid);
  if (Array.isArray(value)) {
    const el = sqlTypeOf(element ?? PgOid.text);
    const parts = value.map((x) =>
      x === null ? "NULL" : Array.isArray(x) ? formatTextValue(x, type)! : quoteArrayElement(formatTextValue(x, el)!),
    );
    return `{${parts.join(",")}}`;
  }
  if (typeof value === "boolean") return value ? "t" : "f";
  if (typeof value === "number")
    return type.oid === PgOid.float4 || type.oid === PgOid.float8 ? formatFloat(value, type.oid === PgOid.float4) : String(value);
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Uint8Array) return `\\x${Buffer.from(value).toString("hex")}`;
  return value;
}

function parseInt4ish(text: string, type: SqlType): number {
  const t = text.trim();
  if (!/^[+-]?\d+$/.test(t)) throw syntax(INT_RANGES.get(type.oid)?.[2] ?? type.name, text);
  const [min, max, name] = INT_RANGES.get(type.oid)!;
  const v = Number(t);
  if (v < min || v > max) throw new KodiakError(SqlState.numericValueOutOfRange, `value "${text}" is out of range for type ${name}`);
  return v;
}

function parseBool(text: string): boolean {
  const t = text.trim().toLowerCase();
  if (["t", "true", "y", "yes", "on", "1"].includes(t)) return true;
  if (["f", "false", "n", "no", "off", "0"].includes(t)) return false;
  throw syntax("boolean", text);
}

function parseFloatText(text: string, type: SqlType): number {
  const t = text.trim().toLowerCase();
  if (t === "nan") return Number.NaN;
  if (t === "infinity" || t === "inf" || t === "+infinity" || t === "+inf") return Number.POSITIVE_INFINITY;
  if (t === "-infinity" || t === "-inf") return Number.NEGATIVE_INFINITY;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(t)) throw syntax(type.oid === PgOid.float4 ? "real" : "double precision", text);
  const v = Number(t);
  return type.oid === PgOid.float4 ? Math.fround(v) : v;
}

function parseBytea(text: string): Uint8Array {
  if (text.startsWith("\\x")) {
    const hex = text.slice(2).replace(/\s/g, "");
    if (!/^([0-9a-fA-F]{2})*$/.test(hex)) throw syntax("bytea", text);
    return new Uint8Array(Buffer.from(hex, "hex"));
  }
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x5c) out.push(...Buffer.from(text[i]!, "utf8"));
    else if (text[i + 1] === "\\") {
      out.push(0x5c);
      i++;
    } else if (/^[0-3][0-7]{2}$/.test(text.slice(i + 1, i + 4))) {
      out.push(Number.parseInt(text.slice(i + 1, i + 4), 8));
      i += 3;
    } else throw syntax("bytea", text);
  }
  return new Uint8Array(out);
}

/** Parses '{a,b,"c d",NULL}' (one or more dimensions) into nested SqlValue arrays. */
export function parseArrayText(text: string, element: SqlType): SqlValue[] {
  let i = 0;
  const fail = (): KodiakError => new KodiakError(SqlState.invalidTextRepresentation, `malformed array literal: "${text}"`);
  const skipWs = (): void => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const parseLevel = (): SqlValue[] => {
    if (text[i] !== "{") throw fail();
    i++;
    const out: SqlValue[] = [];
    skipWs();
    if (text[i] === "}") {
      i++;
      return out;
    }
    for (;;) {
      skipWs();
      if (text[i] === "{") out.push(parseLevel());
      else if (text[i] === '"') {
        let s = "";
        for (i++; i < text.length && text[i] !== '"'; i++) s += text[i] === "\\" ? text[++i] : text[i];
        if (text[i] !== '"') throw fail();
        i++;
        out.push(parseTextValue(s, element));
      } else {
        let s = "";
        while (i < text.length && text[i] !== "," && text[i] !== "}") s += text[i++];
        s = s.trim();
        if (s === "") throw fail();
        out.push(/^null$/i.test(s) ? null : parseTextValue(s, element));
      }
      skipWs();
      if (text[i] === ",") i++;
      else if (text[i] === "}") {
        i++;
        return out;
      } else throw fail();
    }
  };
  skipWs();
  const result = parseLevel();
  skipWs();
  if (i !== text.length) throw fail();
  return result;
}

/** Parses PostgreSQL text input for a type into a SqlValue (22P02/22003/22007 on bad input). */
export function parseTextValue(text: string, type: SqlType): SqlValue {
  const element = ARRAY_ELEMENT_OIDS.get(type.oid);
  if (element !== undefined) return parseArrayText(text, sqlTypeOf(element));
  switch (type.oid) {
    case PgOid.bool:
      return parseBool(text);
    case PgOid.int2:
    case PgOid.int4:
    case PgOid.oid:
      return parseInt4ish(text, type);
    case PgOid.int8: {
      const t = text.trim();
      if (!/^[+-]?\d+$/.test(t)) throw syntax("bigint", text);
      const v = BigInt(t);
      if (v < INT8_MIN || v > INT8_MAX)
        throw new KodiakError(SqlState.numericValueOutOfRange, `value "${text}" is out of range for type bigint`);
      return v;
    }
    case PgOid.float4:
    case PgOid.float8:
      return parseFloatText(text, type);
    case PgOid.numeric: {
      const t = text.trim();
      if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t) && !/^([+-]?infinity|nan)$/i.test(t)) throw syntax("numeric", text);
      // Canonical form as PostgreSQL prints it ("1e10" → "10000000000", "+.5" → "0.5").
      return decodeNumeric(encodeNumeric(t));
    }
    case PgOid.bytea:
      return parseBytea(text);
    case PgOid.uuid: {
      const hex = text.trim().replace(/[{}-]/g, "").toLowerCase();
      if (!/^[0-9a-f]{32}$/.test(hex)) throw syntax("uuid", text);
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    }
    case PgOid.json:
    case PgOid.jsonb:
      try {
        JSON.parse(text);
      } catch {
        throw syntax("json", text);
      }
      return text;
    case PgOid.date:
      return daysToDate(dateToDays(text.trim()));
    case PgOid.time:
      return usToTime(timeToUs(text.trim()));
    case PgOid.timestamp:
    case PgOid.timestamptz: {
      const tz = type.oid === PgOid.timestamptz;
      return usToTimestamp(timestampToUs(text.trim(), tz), tz);
    }
    default:
      return text;
  }
}
