// Tab completion for the REPL: SQL keywords, dot commands, and table and column names fetched
// from the backend (cached; refreshed after DDL). A lookup is bounded so Tab never hangs.

import type { SqlBackend } from "../cli/backend.js";

export const KEYWORDS = [
  "SELECT",
  "FROM",
  "WHERE",
  "INSERT",
  "INTO",
  "VALUES",
  "UPDATE",
  "SET",
  "DELETE",
  "CREATE",
  "TABLE",
  "DROP",
  "ALTER",
  "INDEX",
  "VIEW",
  "SCHEMA",
  "PRIMARY",
  "KEY",
  "FOREIGN",
  "REFERENCES",
  "UNIQUE",
  "NOT",
  "NULL",
  "DEFAULT",
  "CHECK",
  "AND",
  "OR",
  "IN",
  "IS",
  "LIKE",
  "ILIKE",
  "BETWEEN",
  "EXISTS",
  "CASE",
  "WHEN",
  "THEN",
  "ELSE",
  "END",
  "AS",
  "ON",
  "JOIN",
  "LEFT",
  "RIGHT",
  "FULL",
  "INNER",
  "OUTER",
  "CROSS",
  "USING",
  "GROUP",
  "BY",
  "ORDER",
  "HAVING",
  "LIMIT",
  "OFFSET",
  "DISTINCT",
  "UNION",
  "ALL",
  "INTERSECT",
  "EXCEPT",
  "WITH",
  "RECURSIVE",
  "RETURNING",
  "CONFLICT",
  "DO",
  "NOTHING",
  "BEGIN",
  "COMMIT",
  "ROLLBACK",
  "SAVEPOINT",
  "RELEASE",
  "EXPLAIN",
  "ANALYZE",
  "SHOW",
  "COPY",
  "CAST",
  "INTEGER",
  "BIGINT",
  "SMALLINT",
  "TEXT",
  "VARCHAR",
  "BOOLEAN",
  "NUMERIC",
  "REAL",
  "DOUBLE",
  "PRECISION",
  "DATE",
  "TIME",
  "TIMESTAMP",
  "TIMESTAMPTZ",
  "INTERVAL",
  "JSON",
  "JSONB",
  "UUID",
  "BYTEA",
  "TRUE",
  "FALSE",
  "ASC",
  "DESC",
  "NULLS",
  "FIRST",
  "LAST",
  "COUNT",
  "SUM",
  "AVG",
  "MIN",
  "MAX",
  "COALESCE",
  "NULLIF",
];

export const DOT_COMMANDS = [".help", ".tables", ".schema", ".cluster", ".mode", ".timer", ".read", ".exit", ".quit"];

/** How long Tab waits for table/column names before completing with what it has. */
export const COMPLETION_LOOKUP_TIMEOUT_MS = 1000;

export class Completer {
  private names: string[] | undefined;

  constructor(private readonly backend: SqlBackend) {}

  /** Forget cached names (after DDL). */
  invalidate(): void {
    this.names = undefined;
  }

  private async loadNames(): Promise<string[]> {
    if (this.names !== undefined) return this.names;
    const lookup = (async () => {
      const tables = await this.backend.tables();
      const cols = await Promise.all(tables.map((t) => this.backend.columns(t).catch(() => [])));
      return [...new Set([...tables, ...cols.flat().map((c) => c.name)])];
    })();
    const timeout = new Promise<string[]>((resolve) => {
      const t = setTimeout(() => resolve([]), COMPLETION_LOOKUP_TIMEOUT_MS);
      lookup.finally(() => clearTimeout(t)).catch(() => {});
    });
    const got = await Promise.race([lookup.catch(() => []), timeout]);
    if (got.length > 0) this.names = got;
    return got;
  }

  /** Candidates for the word before the cursor (node:readline completer contract). */
  async complete(line: string): Promise<[string[], string]> {
    const word = /[A-Za-z0-9_.]*$/.exec(line)?.[0] ?? "";
    if (line.trimStart().startsWith(".") && !line.includes(" ")) {
      return [DOT_COMMANDS.filter((c) => c.startsWith(line.trim())), line.trim()];
    }
    if (word === "") return [[], word];
    const names = await this.loadNames();
    const lower = word.toLowerCase();
    const upperCase = word === word.toUpperCase() && /[A-Z]/.test(word);
    const keywords = KEYWORDS.filter((k) => k.toLowerCase().startsWith(lower)).map((k) => (upperCase || word === "" ? k : k.toLowerCase()));
    const hits = [...new Set([...names.filter((n) => n.toLowerCase().startsWith(lower)), ...keywords])].sort();
    return [hits, word];
  }
}
