// The catalog helper functions psql and drivers call (pg_get_userbyid, pg_table_is_visible,
// pg_get_indexdef, pg_get_constraintdef, pg_encoding_to_char, ...), answered from the same
// PgCatalogInput as the system relations. Pure; the engine's function table dispatches to them.

import type { SqlValue } from "./api.js";
import { namespaceOid, type PgCatalogIndex, type PgCatalogInput, type PgCatalogRelation, SUPERUSER_OID } from "./pg-catalog.js";
import { formatType } from "./pg-catalog-types.js";

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
        return this.indexdef(n(0));
      case "pg_get_constraintdef":
        return this.constraintdef(n(0));
      case "pg_get_expr":
        return args[0] === null || args[0] === undefined ? null : String(args[0]);
      case "obj_description":
      case "col_description":
        return null;
      case "pg_relation_is_publishable":
        return false;
      case "pg_get_viewdef":
        return this.input.relations.find((r) => r.oid === n(0))?.viewDefinition ?? null;
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

  private isVisible(oid: number): boolean {
    const rel = this.input.relations.find((r) => r.oid === oid || r.indexes.some((i) => i.oid === oid));
    if (rel === undefined) return true; // types and system relations live in pg_catalog, always on the path
    return rel.schema === "public" || rel.schema === "pg_catalog";
  }

  private indexdef(oid: number): string | null {
    const found = findIndex(this.input, oid);
    if (found === undefined) return null;
    const { rel, index } = found;
    const cols = index.columns.map((c) => quoteIdent(rel.columns[c]!.name)).join(", ");
    return `CREATE ${index.unique || index.primary ? "UNIQUE " : ""}INDEX ${quoteIdent(index.name)} ON ${quoteIdent(rel.schema)}.${quoteIdent(rel.name)} USING btree (${cols})`;
  }

  private constraintdef(oid: number): string | null {
    const found = findIndex(this.input, oid);
    if (found === undefined) return null;
    const cols = found.index.columns.map((c) => quoteIdent(found.rel.columns[c]!.name)).join(", ");
    return `${found.index.primary ? "PRIMARY KEY" : "UNIQUE"} (${cols})`;
  }
}

/** Re-exported for engines that resolve schema-qualified names: pg_catalog's namespace OID. */
export const pgCatalogNamespaceOid = (input: PgCatalogInput): number => namespaceOid(input.schemas, "pg_catalog");
