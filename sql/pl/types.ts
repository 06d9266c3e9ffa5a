// PL-Grizzly types: the type descriptors the interpreter and checker share, type-name parsing
// (PostgreSQL aliases included) and PostgreSQL-style names for display. Pure data, no evaluation.

import { KodiakError, SqlState } from "../../util/index.js";

export type ScalarKind =
  | "int16"
  | "int32"
  | "int64"
  | "real"
  | "double"
  | "numeric"
  | "text"
  | "bool"
  | "date"
  | "time"
  | "timestamp"
  | "timestamptz"
  | "interval"
  | "json"
  | "uuid"
  | "bytea"
  | "void"
  | "trigger";

/** `unknown` is an untyped string literal or bare NULL: it takes the type its context needs. */
export type PlType =
  | { readonly k: ScalarKind }
  | { readonly k: "unknown" }
  | { readonly k: "varchar"; readonly n: number | null }
  | { readonly k: "array"; readonly elem: PlType }
  | { readonly k: "struct"; readonly name: string | null; readonly fields: readonly StructField[] }
  | { readonly k: "exception"; readonly name: string; readonly def: ExceptionDef | null }
  | { readonly k: "future"; readonly inner: PlType }
  | { readonly k: "range" };

export interface StructField {
  readonly name: string;
  readonly type: PlType;
}

export interface ExceptionDef {
  readonly name: string;
  readonly defaultMessage: string;
  readonly fields: readonly StructField[];
  readonly sqlstate: string;
  /** Built-in condition (class matching applies) rather than a user type. */
  readonly builtin: boolean;
}

const scalars = new Map<ScalarKind, PlType>();
export function scalar(k: ScalarKind): PlType {
  let t = scalars.get(k);
  if (t === undefined) {
    t = { k };
    scalars.set(k, t);
  }
  return t;
}

export const T = {
  int16: scalar("int16"),
  int32: scalar("int32"),
  int64: scalar("int64"),
  real: scalar("real"),
  double: scalar("double"),
  numeric: scalar("numeric"),
  text: scalar("text"),
  bool: scalar("bool"),
  date: scalar("date"),
  time: scalar("time"),
  timestamp: scalar("timestamp"),
  timestamptz: scalar("timestamptz"),
  interval: scalar("interval"),
  json: scalar("json"),
  uuid: scalar("uuid"),
  bytea: scalar("bytea"),
  void: scalar("void"),
  trigger: scalar("trigger"),
  unknown: { k: "unknown" } as PlType,
  range: { k: "range" } as PlType,
} as const;

export function arrayOf(elem: PlType): PlType {
  return { k: "array", elem };
}

export function anonStruct(fields: readonly StructField[]): PlType {
  return { k: "struct", name: null, fields };
}

export const isInteger = (t: PlType): boolean => t.k === "int16" || t.k === "int32" || t.k === "int64";
export const isNumeric = (t: PlType): boolean => isInteger(t) || t.k === "real" || t.k === "double" || t.k === "numeric";
export const isText = (t: PlType): boolean => t.k === "text" || t.k === "varchar";

/** Aliases accepted in type position (section 3.1), after lower-casing. */
const aliases: Record<string, ScalarKind | "varchar"> = {
  int16: "int16",
  smallint: "int16",
  int2: "int16",
  int32: "int32",
  int: "int32",
  integer: "int32",
  int4: "int32",
  int64: "int64",
  bigint: "int64",
  int8: "int64",
  real: "real",
  float4: "real",
  float: "double",
  double: "double",
  "double precision": "double",
  float8: "double",
  numeric: "numeric",
  decimal: "numeric",
  text: "text",
  varchar: "varchar",
  "character varying": "varchar",
  boolean: "bool",
  bool: "bool",
  date: "date",
  time: "time",
  timestamp: "timestamp",
  timestamptz: "timestamptz",
  "timestamp with time zone": "timestamptz",
  interval: "interval",
  json: "json",
  jsonb: "json",
  uuid: "uuid",
  bytea: "bytea",
  blob: "bytea",
  void: "void",
  trigger: "trigger",
};

/** Resolves a built-in type name (already folded) with optional modifiers; undefined if not built in. */
export function builtinType(name: string, mods: readonly number[] = []): PlType | undefined {
  const k = aliases[name.toLowerCase()];
  if (k === undefined) return undefined;
  if (k === "varchar") return { k: "varchar", n: mods[0] ?? null };
  return scalar(k);
}

/** PostgreSQL's display name, as pg_typeof prints it. */
export function typeName(t: PlType): string {
  switch (t.k) {
    case "int16":
      return "smallint";
    case "int32":
      return "integer";
    case "int64":
      return "bigint";
    case "real":
      return "real";
    case "double":
      return "double precision";
    case "bool":
      return "boolean";
    case "timestamptz":
      return "timestamp with time zone";
    case "timestamp":
      return "timestamp without time zone";
    case "time":
      return "time without time zone";
    case "json":
      return "jsonb";
    case "varchar":
      return t.n === null ? "character varying" : `character varying(${t.n})`;
    case "array":
      return `${typeName(t.elem)}[]`;
    case "struct":
      return t.name ?? `struct(${t.fields.map((f) => `${f.name}: ${typeName(f.type)}`).join(", ")})`;
    case "exception":
      return t.name;
    case "future":
      return `future<${typeName(t.inner)}>`;
    case "range":
      return "range";
    default:
      return t.k;
  }
}

export function sameType(a: PlType, b: PlType): boolean {
  if (a === b) return true;
  if (a.k !== b.k) return false;
  switch (a.k) {
    case "varchar":
      return true;
    case "array":
      return sameType(a.elem, (b as typeof a).elem);
    case "future":
      return sameType(a.inner, (b as typeof a).inner);
    case "exception":
      return a.name === (b as typeof a).name;
    case "struct": {
      const bs = b as typeof a;
      if (a.name !== null || bs.name !== null) return a.name === bs.name;
      return (
        a.fields.length === bs.fields.length &&
        a.fields.every((f, i) => f.name === bs.fields[i]?.name && sameType(f.type, bs.fields[i]!.type))
      );
    }
    default:
      return true;
  }
}

const intRank: Record<string, number> = { int16: 1, int32: 2, int64: 3, numeric: 4, real: 5, double: 6 };

/** Result type of arithmetic between two numeric types (PostgreSQL promotion). */
export function numericPromote(a: PlType, b: PlType): PlType {
  if (a.k === "real" && b.k === "real") return T.real;
  if ((a.k === "real" && isInteger(b)) || (b.k === "real" && isInteger(a))) return T.double;
  const ra = intRank[a.k] ?? 0;
  const rb = intRank[b.k] ?? 0;
  if (a.k === "real" || b.k === "real") return T.double;
  return ra >= rb ? a : b;
}

/** The common type of two branches (CASE rules); throws 42804 when none exists. */
export function unify(a: PlType, b: PlType, what: string): PlType {
  if (a.k === "unknown") return b.k === "unknown" ? T.text : b;
  if (b.k === "unknown") return a;
  if (sameType(a, b)) return a;
  if (isNumeric(a) && isNumeric(b)) return numericPromote(a, b);
  if (isText(a) && isText(b)) return T.text;
  if (a.k === "array" && b.k === "array") return arrayOf(unify(a.elem, b.elem, what));
  if (a.k === "struct" && b.k === "struct" && (a.name === null || b.name === null)) return a.name === null ? b : a;
  throw new KodiakError(SqlState.datatypeMismatch, `${what} types ${typeName(a)} and ${typeName(b)} cannot be matched`);
}
