// The catalog helper functions psql and drivers call (pg_get_userbyid, pg_table_is_visible,
// pg_get_indexdef, pg_get_constraintdef, pg_encoding_to_char, ...), answered from the same
// PgCatalogInput as the system relations. Pure; the engine's function table dispatches to them.

import { KodiakError, SqlState } from "../util/index.js";
import type { SqlValue } from "./api.js";
import {
  checkOid,
  foreignKeyOid,
  MAX_CHECKS_PER_TABLE,
  MAX_FOREIGN_KEYS_PER_TABLE,
  namespaceOid,
  type PgCatalogForeignKey,
  type PgCatalogIndex,
  type PgCatalogInput,
  type PgCatalogRelation,
  SUPERUSER_OID,
} from "./pg-catalog.js";
import { formatType, PG_TYPES } from "./pg-catalog-types.js";

/** The OID alias types a cast can target (`'t'::regclass`, `oid::regtype`). */
export type RegType = "regclass" | "regtype" | "regnamespace" | "regproc" | "regprocedure" | "regrole" | "regoper";
export const REG_TYPES: readonly RegType[] = ["regclass", "regtype", "regnamespace", "regproc", "regprocedure", "regrole", "regoper"];

/** Splits `schema.name` / `"Quoted".name` into its parts, unquoting and folding case as SQL does. */
function identifierParts(text: string): string[] {
  const parts: string[] = [];
  const re = /\s*(?:"((?:[^"]|"")*)"|([^".\s]+))\s*(\.|$)/y;
  let m: RegExpExecArray | null = re.exec(text);
  while (m !== null && m[0] !== "") {
    parts.push(m[1] !== undefined ? m[1].replace(/""/g, '"') : (m[2] as string).toLowerCase());
    if (m[3] === "") break;
    m = re.exec(text);
  }
  return parts;
}

const ENCODINGS: Record<number, string> = { 0: "SQL_ASCII", 6: "UTF8", 8: "LATIN1" };

const quoteIdent = (s: string): string => (/^[a-z_][a-z0-9_$]*$/.test(s) ? s : `"${s.replace(/"/g, '""')}"`);

function findIndex(input: PgCatalogInput, oid: number): { rel: PgCatalogRelation; index: PgCatalogIndex } | undefined {
  for (const rel of input.relations) {
    const index = rel.indexes.find((i) => i.oid === oid || i.oid + 1 === oid);
    if (index !== undefined) return { rel, index };
  }
  return undefined;
}

export class PgCatalogFunctions {
  constructor(private readonly input: PgCatalogInput) {}

  /** Names of the functions served here, for the engine's function lookup (with or without "pg_catalog."). */
  static readonly names = [
    "pg_get_userbyid",
    "pg_table_is_visible",
    "pg_type_is_visible",
    "pg_encoding_to_char",
    "format_type",
    "pg_get_indexdef",
    "pg_get_constraintdef",
    "pg_get_expr",
    "obj_description",
    "col_description",
    "pg_relation_is_publishable",
    "pg_get_viewdef",
    "array_to_string",
    "pg_get_statisticsobjdef_columns",
    "pg_get_partkeydef",
    "pg_get_triggerdef",
    "array_upper",
    "array_lower",
    "pg_function_is_visible",
    "pg_partition_ancestors",
    "pg_get_function_result",
    "pg_get_function_arguments",
    "pg_get_function_identity_arguments",
  ] as const;

  call(name: (typeof PgCatalogFunctions.names)[number], args: SqlValue[]): SqlValue {
    const n = (i: number): number => Number(args[i] ?? 0);
    switch (name) {
      case "pg_get_userbyid":
        return n(0) === SUPERUSER_OID ? this.input.user : `unknown (OID=${n(0)})`;
      case "pg_table_is_visible":
      case "pg_type_is_visible":
        return this.isVisible(n(0));
      case "pg_encoding_to_char":
        return ENCODINGS[n(0)] ?? "";
      case "format_type":
        return args[0] === null ? null : formatType(n(0), args[1] === null || args[1] === undefined ? -1 : n(1));
      case "pg_get_indexdef":
        return this.indexdef(n(0), n(1));
      case "pg_get_constraintdef":
        return this.constraintdef(n(0));
      case "pg_get_expr":
        return args[0] === null || args[0] === undefined ? null : String(args[0]);
      case "obj_description":
      case "col_description":
      case "pg_get_statisticsobjdef_columns": // no extended statistics, partitioning or triggers in pg_catalog
      case "pg_get_partkeydef":
      case "pg_get_triggerdef":
        return null;
      case "pg_relation_is_publishable":
        return false;
      case "pg_get_viewdef":
        return this.input.relations.find((r) => r.oid === n(0))?.viewDefinition ?? null;
      case "pg_partition_ancestors":
        // Set-returning in PostgreSQL; without partitioning its only row is the relation itself, so
        // in a select list (psql's "Referenced by:" query) it is this one value.
        return typeof args[0] === "string" ? this.regOid("regclass", args[0]) : args[0] === null ? null : n(0);
      case "pg_function_is_visible":
        return this.input.procs?.some((p) => p.oid === n(0)) ?? false;
      case "pg_get_function_result": {
        const p = this.input.procs?.find((x) => x.oid === n(0));
        return p === undefined ? null : formatType(p.returnType, -1);
      }
      case "pg_get_function_arguments":
      case "pg_get_function_identity_arguments": {
        const p = this.input.procs?.find((x) => x.oid === n(0));
        return p === undefined ? null : p.argTypes.map((t, i) => `${quoteIdent(p.argNames[i] ?? "")} ${formatType(t, -1)}`).join(", ");
      }
      case "array_upper":
      case "array_lower": {
        // One-dimensional arrays only (what the catalogs hold); NULL for an empty array or another dimension.
        const arr = args[0];
        if (!Array.isArray(arr) || arr.length === 0 || n(1) !== 1) return null;
        return name === "array_upper" ? arr.length : 1;
      }
      case "array_to_string": {
        const [arr, sep] = args;
        if (!Array.isArray(arr) || typeof sep !== "string") return null;
        return arr
          .filter((x) => x !== null)
          .map(String)
          .join(sep);
      }
    }
  }

  /** A cast of text to an OID alias type: the named object's OID (digits are taken as the OID). */
  regOid(kind: RegType, text: string): number {
    const t = text.trim();
    if (/^\d+$/.test(t)) return Number(t);
    const parts = identifierParts(t);
    const name = parts[parts.length - 1] ?? "";
    const schema = parts.length > 1 ? parts[parts.length - 2] : undefined;
    switch (kind) {
      case "regclass": {
        for (const rel of this.input.relations) {
          if (schema !== undefined ? rel.schema !== schema : !(rel.schema === "public" || rel.schema === "pg_catalog")) continue;
          if (rel.name === name) return rel.oid;
          const index = rel.indexes.find((i) => i.name === name);
          if (index !== undefined) return index.oid;
        }
        throw new KodiakError(SqlState.undefinedTable, `relation "${t}" does not exist`);
      }
      case "regtype": {
        const lower = t.toLowerCase();
        for (const [oid, info] of PG_TYPES) if (info.name === name || info.sqlName === lower) return oid;
        throw new KodiakError(SqlState.undefinedObject, `type "${t}" does not exist`);
      }
      case "regnamespace":
        if (!this.input.schemas.includes(name) && name !== "pg_catalog") {
          throw new KodiakError("3F000", `schema "${t}" does not exist`);
        }
        return namespaceOid(this.input.schemas, name);
      case "regrole":
        if (name !== this.input.user) throw new KodiakError(SqlState.undefinedObject, `role "${t}" does not exist`);
        return SUPERUSER_OID;
      default:
        throw new KodiakError(SqlState.undefinedFunction, `function "${t}" does not exist`);
    }
  }

  /** An OID shown as an OID alias type: the object's name, or the number when there is none. */
  regName(kind: RegType, oid: number): string {
    switch (kind) {
      case "regclass": {
        for (const rel of this.input.relations) {
          const visible = rel.schema === "public" || rel.schema === "pg_catalog";
          const qualify = (n: string) => (visible ? quoteIdent(n) : `${quoteIdent(rel.schema)}.${quoteIdent(n)}`);
          if (rel.oid === oid) return qualify(rel.name);
          const index = rel.indexes.find((i) => i.oid === oid);
          if (index !== undefined) return qualify(index.name);
        }
        return String(oid);
      }
      case "regtype":
        return PG_TYPES.has(oid) ? formatType(oid, -1) : String(oid);
      case "regnamespace":
        return [...this.input.schemas, "pg_catalog"].find((n) => namespaceOid(this.input.schemas, n) === oid) ?? String(oid);
      case "regrole":
        return oid === SUPERUSER_OID ? this.input.user : String(oid);
      default:
        return oid === 0 ? "-" : String(oid);
    }
  }

  private isVisible(oid: number): boolean {
    const rel = this.input.relations.find((r) => r.oid === oid || r.indexes.some((i) => i.oid === oid));
    if (rel === undefined) return true; // types and system relations live in pg_catalog, always on the path
    return rel.schema === "public" || rel.schema === "pg_catalog";
  }

  /** pg_get_indexdef(oid, column, pretty): the CREATE INDEX statement, or with column > 0 that key column. */
  private indexdef(oid: number, column = 0): string | null {
    const found = findIndex(this.input, oid);
    if (found === undefined) return null;
    const { rel, index } = found;
    if (column > 0) {
      const c = index.columns[column - 1];
      return c === undefined ? "" : quoteIdent(rel.columns[c]!.name);
    }
    const cols = index.columns.map((c) => quoteIdent(rel.columns[c]!.name)).join(", ");
    return `CREATE ${index.unique || index.primary ? "UNIQUE " : ""}INDEX ${quoteIdent(index.name)} ON ${quoteIdent(rel.schema)}.${quoteIdent(rel.name)} USING btree (${cols})`;
  }

  private constraintdef(oid: number): string | null {
    for (const rel of this.input.relations) {
      const k = (rel.checks ?? []).findIndex((_, i) => i < MAX_CHECKS_PER_TABLE && checkOid(rel.oid, i) === oid);
      if (k >= 0) {
        const sql = rel.checks?.[k]?.sql ?? "";
        return /^\(.*\)$/s.test(sql) ? `CHECK ${sql}` : `CHECK (${sql})`;
      }
    }
    const fk = this.foreignKeydef(oid);
    if (fk !== undefined) return fk;
    const found = findIndex(this.input, oid);
    if (found === undefined) return null;
    const cols = found.index.columns.map((c) => quoteIdent(found.rel.columns[c]!.name)).join(", ");
    return `${found.index.primary ? "PRIMARY KEY" : "UNIQUE"} (${cols})`;
  }

  /** FOREIGN KEY (a) REFERENCES t(b) [ON DELETE ...], as pg_get_constraintdef prints it; undefined for another OID. */
  private foreignKeydef(oid: number): string | undefined {
    for (const rel of this.input.relations) {
      const fks = rel.foreignKeys ?? [];
      const k = fks.findIndex((_, i) => i < MAX_FOREIGN_KEYS_PER_TABLE && foreignKeyOid(rel.oid, i) === oid);
      const fk = fks[k];
      if (fk === undefined) continue;
      const ref = this.input.relations.find((r) => r.oid === fk.refOid);
      const cols = fk.columns.map((c) => quoteIdent(rel.columns[c]?.name ?? "")).join(", ");
      const refCols = fk.refColumns.map((c) => quoteIdent(ref?.columns[c]?.name ?? "")).join(", ");
      return `FOREIGN KEY (${cols}) REFERENCES ${this.regName("regclass", fk.refOid)}(${refCols})${ON_DELETE[fk.onDelete]}`;
    }
    return undefined;
  }
}

const ON_DELETE: Record<PgCatalogForeignKey["onDelete"], string> = {
  a: "",
  r: " ON DELETE RESTRICT",
  c: " ON DELETE CASCADE",
  n: " ON DELETE SET NULL",
  d: " ON DELETE SET DEFAULT",
};

/** Re-exported for engines that resolve schema-qualified names: pg_catalog's namespace OID. */
export const pgCatalogNamespaceOid = (input: PgCatalogInput): number => namespaceOid(input.schemas, "pg_catalog");
