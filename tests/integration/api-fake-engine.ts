// A tiny in-memory SqlEngine for the API/SDK/CLI tests, so they do not depend on the real SQL
// engine: CREATE/DROP TABLE, INSERT VALUES, SELECT * FROM t, SELECT of literals and $n,
// generate_series, pg_sleep (honours the AbortSignal), information_schema, BEGIN/COMMIT/ROLLBACK
// with buffered writes, and injectable 40001 commit failures. Not a SQL engine: regexes only.

import type {
  ExecuteOptions,
  PreparedStatement,
  ResultColumn,
  SessionOptions,
  SqlEngine,
  SqlSession,
  SqlType,
  SqlValue,
  StatementResult,
  TransactionStatus,
} from "../../sql/api.js";
import { PgOid } from "../../sql/api.js";
import { KodiakError, SqlState } from "../../util/index.js";

const T = (name: keyof typeof PgOid): SqlType => ({ name, oid: PgOid[name], typmod: -1 });

interface Table {
  columns: ResultColumn[];
  rows: SqlValue[][];
}

const TYPE_WORDS: Record<string, SqlType> = {
  int: T("int4"),
  integer: T("int4"),
  int4: T("int4"),
  smallint: T("int2"),
  bigint: T("int8"),
  int8: T("int8"),
  text: T("text"),
  varchar: T("varchar"),
  numeric: T("numeric"),
  boolean: T("bool"),
  bool: T("bool"),
  float8: T("float8"),
  double: T("float8"),
  bytea: T("bytea"),
};

function splitStatements(sql: string): { text: string; offset: number }[] {
  const out: { text: string; offset: number }[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i <= sql.length; i++) {
    const ch = sql[i];
    if (ch === "'") quoted = !quoted;
    if ((ch === ";" && !quoted) || i === sql.length) {
      const text = sql.slice(start, i);
      const lead = text.length - text.trimStart().length;
      if (text.trim() !== "") out.push({ text: text.trim(), offset: start + lead });
      start = i + 1;
    }
  }
  return out;
}

function splitList(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let cur = "";
  for (const ch of s) {
    if (ch === "'") quoted = !quoted;
    if (!quoted && ch === "(") depth++;
    if (!quoted && ch === ")") depth--;
    if (!quoted && depth === 0 && ch === ",") {
      out.push(cur.trim());
      cur = "";
    } else cur += ch;
  }
  if (cur.trim() !== "") out.push(cur.trim());
  return out;
}

export class FakeEngine implements SqlEngine {
  readonly tables = new Map<string, Table>();
  /** COMMITs that fail with 40001 before one succeeds. */
  commitConflicts = 0;
  /** COMMIT attempts seen (for retry tests). */
  commitAttempts = 0;
  openSessions = 0;

  openSession(_options: SessionOptions): Promise<SqlSession> {
    this.openSessions++;
    return Promise.resolve(new FakeSession(this));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason instanceof KodiakError ? signal.reason : new KodiakError(SqlState.queryCanceled, "canceling statement"));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

class FakeSession implements SqlSession {
  private status: TransactionStatus = "idle";
  private pending: { table: Table; row: SqlValue[] }[] = [];
  private readonly settings = new Map<string, string>([["statement_timeout", "0"]]);

  constructor(private readonly engine: FakeEngine) {}

  async *run(sql: string, options?: ExecuteOptions): AsyncIterable<StatementResult> {
    for (const s of splitStatements(sql)) yield await this.one(s.text, s.offset, [], options?.signal);
  }

  prepare(sql: string, paramTypeOids: number[]): Promise<PreparedStatement> {
    const n = Math.max(0, ...[...sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));
    const byOid = new Map(Object.entries(PgOid).map(([k, v]) => [v as number, k as keyof typeof PgOid]));
    const paramTypes = Array.from({ length: n }, (_, i) => T(byOid.get(paramTypeOids[i] ?? 0) ?? "text"));
    return Promise.resolve({ sql, paramTypes, columns: undefined });
  }

  execute(statement: PreparedStatement, params: SqlValue[], options?: ExecuteOptions): Promise<StatementResult> {
    return this.one(statement.sql.trim().replace(/;$/, ""), 0, params, options?.signal);
  }

  transactionStatus(): TransactionStatus {
    return this.status;
  }

  setting(name: string): string | undefined {
    return this.settings.get(name);
  }

  formatText(value: SqlValue, _type: SqlType): string | null {
    if (value === null) return null;
    if (Array.isArray(value)) return `{${value.map((v) => this.formatText(v, _type) ?? "NULL").join(",")}}`;
    if (value instanceof Uint8Array) return `\\x${Buffer.from(value).toString("hex")}`;
    if (typeof value === "boolean") return value ? "t" : "f";
    return String(value);
  }

  parseText(text: string, type: SqlType): SqlValue {
    const bad = () => new KodiakError(SqlState.invalidTextRepresentation, `invalid input syntax for type ${type.name}: "${text}"`);
    switch (type.name) {
      case "int2":
      case "int4": {
        if (!/^\s*-?\d+\s*$/.test(text)) throw bad();
        return Number(text);
      }
      case "int8":
        if (!/^\s*-?\d+\s*$/.test(text)) throw bad();
        return BigInt(text);
      case "float8":
        return Number(text);
      case "bool":
        return text === "t" || text === "true";
      default:
        return text;
    }
  }

  close(): Promise<void> {
    this.pending = [];
    this.status = "idle";
    this.engine.openSessions--;
    return Promise.resolve();
  }

  private async one(sql: string, offset: number, params: SqlValue[], signal: AbortSignal | undefined): Promise<StatementResult> {
    if (this.status === "failed" && !/^(rollback|commit)\b/i.test(sql)) {
      throw new KodiakError(
        SqlState.inFailedSqlTransaction,
        "current transaction is aborted, commands ignored until end of transaction block",
      );
    }
    try {
      return await this.dispatch(sql, offset, params, signal);
    } catch (e) {
      if (this.status === "inTransaction") this.status = "failed";
      throw e;
    }
  }

  private table(name: string, position: number): Table {
    const t = this.engine.tables.get(name.toLowerCase());
    if (t === undefined) throw new KodiakError(SqlState.undefinedTable, `relation "${name}" does not exist`, { position });
    return t;
  }

  private async dispatch(sql: string, offset: number, params: SqlValue[], signal: AbortSignal | undefined): Promise<StatementResult> {
    let m: RegExpExecArray | null;
    if (/^begin\b/i.test(sql)) {
      this.status = "inTransaction";
      return { command: "BEGIN", rowCount: 0 };
    }
    if (/^commit\b/i.test(sql)) return this.commit();
    if (/^rollback\b/i.test(sql)) {
      this.pending = [];
      this.status = "idle";
      return { command: "ROLLBACK", rowCount: 0 };
    }
    m = /^set\s+(\w+)\s*(?:=|to)\s*'?([^']*)'?$/i.exec(sql);
    if (m) {
      this.settings.set(m[1]!.toLowerCase(), m[2]!);
      return { command: "SET", rowCount: 0 };
    }
    m = /^show\s+(\w+)$/i.exec(sql);
    if (m) {
      const v = this.settings.get(m[1]!.toLowerCase());
      if (v === undefined) throw new KodiakError(SqlState.undefinedObject, `unrecognized configuration parameter "${m[1]}"`);
      return { command: "SHOW", columns: [{ name: m[1]!, type: T("text") }], rows: [[v]], rowCount: 1 };
    }
    m = /^create\s+table\s+(\w+)\s*\((.*)\)$/is.exec(sql);
    if (m) {
      const name = m[1]!.toLowerCase();
      if (this.engine.tables.has(name)) throw new KodiakError(SqlState.duplicateTable, `relation "${name}" already exists`);
      const columns = splitList(m[2]!).map((def) => {
        const [col, type] = def.split(/\s+/);
        return { name: col!.toLowerCase(), type: TYPE_WORDS[(type ?? "text").toLowerCase().replace(/\(.*/, "")] ?? T("text") };
      });
      this.engine.tables.set(name, { columns, rows: [] });
      return { command: "CREATE TABLE", rowCount: 0 };
    }
    m = /^drop\s+table\s+(\w+)$/i.exec(sql);
    if (m) {
      this.table(m[1]!, offset + sql.indexOf(m[1]!) + 1);
      this.engine.tables.delete(m[1]!.toLowerCase());
      return { command: "DROP TABLE", rowCount: 0 };
    }
    m = /^insert\s+into\s+(\w+)\s+values\s*(.*)$/is.exec(sql);
    if (m) {
      const t = this.table(m[1]!, offset + sql.indexOf(m[1]!) + 1);
      const tuples = splitList(m[2]!).map((tuple) => splitList(tuple.replace(/^\(|\)$/g, "")));
      const rows = tuples.map((vals) => t.columns.map((c, i) => this.literal(vals[i] ?? "NULL", params, c.type).value));
      if (this.status === "inTransaction") for (const row of rows) this.pending.push({ table: t, row });
      else t.rows.push(...rows);
      return { command: "INSERT", rowCount: rows.length };
    }
    if (/^select\s+table_name\s+from\s+information_schema\.tables/i.test(sql)) {
      const names = [...this.engine.tables.keys()].sort();
      return { command: "SELECT", columns: [{ name: "table_name", type: T("text") }], rows: names.map((n) => [n]), rowCount: names.length };
    }
    m = /^select\s+column_name,\s*data_type\s+from\s+information_schema\.columns\s+where\s+table_name\s*=\s*'(\w+)'/i.exec(sql);
    if (m) {
      const t = this.engine.tables.get(m[1]!.toLowerCase());
      const rows = (t?.columns ?? []).map((c) => [c.name, c.type.name]);
      return {
        command: "SELECT",
        columns: [
          { name: "column_name", type: T("text") },
          { name: "data_type", type: T("text") },
        ],
        rows,
        rowCount: rows.length,
      };
    }
    m = /^select\s+\*\s+from\s+(\w+)(?:\s+order\s+by\s+.*)?$/i.exec(sql);
    if (m) {
      const t = this.table(m[1]!, offset + sql.search(new RegExp(`\\b${m[1]}\\b`, "i")) + 1);
      const rows = [...t.rows, ...this.pending.filter((p) => p.table === t).map((p) => p.row)];
      return { command: "SELECT", columns: t.columns, rows, rowCount: rows.length };
    }
    m = /^select\s+generate_series\(\s*(\d+)\s*,\s*(\d+)\s*\)$/i.exec(sql);
    if (m) {
      const rows: SqlValue[][] = [];
      for (let i = Number(m[1]); i <= Number(m[2]); i++) rows.push([i]);
      return { command: "SELECT", columns: [{ name: "generate_series", type: T("int4") }], rows, rowCount: rows.length };
    }
    m = /^select\s+(.*)$/is.exec(sql);
    if (m) return this.selectList(m[1]!, offset + 8, params, signal);
    const word = /^\S+/.exec(sql)?.[0] ?? sql;
    throw new KodiakError(SqlState.syntaxError, `syntax error at or near "${word}"`, { position: offset + 1 });
  }

  private commit(): StatementResult {
    if (this.status === "failed") {
      this.pending = [];
      this.status = "idle";
      return { command: "ROLLBACK", rowCount: 0 };
    }
    this.engine.commitAttempts++;
    if (this.engine.commitConflicts > 0) {
      this.engine.commitConflicts--;
      this.pending = [];
      this.status = "idle";
      throw new KodiakError(SqlState.serializationFailure, "could not serialize access due to read/write dependencies among transactions");
    }
    for (const p of this.pending) p.table.rows.push(p.row);
    this.pending = [];
    this.status = "idle";
    return { command: "COMMIT", rowCount: 0 };
  }

  private async selectList(list: string, offset: number, params: SqlValue[], signal: AbortSignal | undefined): Promise<StatementResult> {
    const columns: ResultColumn[] = [];
    const row: SqlValue[] = [];
    let at = 0;
    for (const item of splitList(list)) {
      const pos = offset + list.indexOf(item, at);
      at = list.indexOf(item, at) + item.length;
      const m = /^(.*?)(?:\s+as\s+(\w+))?$/is.exec(item)!;
      const expr = m[1]!.trim();
      let name = m[2] ?? "?column?";
      let v: { value: SqlValue; type: SqlType };
      const sleepM = /^pg_sleep\(\s*([\d.]+)\s*\)$/i.exec(expr);
      if (sleepM) {
        await sleep(Number(sleepM[1]) * 1000, signal);
        v = { value: null, type: T("text") };
        name = m[2] ?? "pg_sleep";
      } else if (/^\d+\s*\/\s*0$/.test(expr)) {
        throw new KodiakError(SqlState.divisionByZero, "division by zero", { position: pos + expr.indexOf("/") });
      } else {
        v = this.literal(expr, params, undefined, pos);
      }
      columns.push({ name, type: v.type });
      row.push(v.value);
    }
    return { command: "SELECT", columns, rows: [row], rowCount: 1 };
  }

  private literal(expr: string, params: SqlValue[], want: SqlType | undefined, position = 1): { value: SqlValue; type: SqlType } {
    let m: RegExpExecArray | null;
    if (/^null$/i.test(expr)) return { value: null, type: want ?? T("text") };
    if (/^(true|false)$/i.test(expr)) return { value: expr.toLowerCase() === "true", type: T("bool") };
    m = /^\$(\d+)$/.exec(expr);
    if (m) {
      const v = params[Number(m[1]) - 1] ?? null;
      const type = typeof v === "bigint" ? T("int8") : typeof v === "number" ? T("float8") : typeof v === "boolean" ? T("bool") : T("text");
      return { value: v, type: want ?? type };
    }
    m = /^'((?:[^']|'')*)'$/.exec(expr);
    if (m) {
      const text = m[1]!.replace(/''/g, "'");
      return { value: want ? this.parseText(text, want) : text, type: want ?? T("text") };
    }
    if (/^-?\d+$/.test(expr)) {
      const big = BigInt(expr);
      if (want?.name === "int8" || big > 2147483647n || big < -2147483648n) return { value: big, type: T("int8") };
      if (want?.name === "numeric") return { value: expr, type: want };
      return { value: Number(expr), type: want ?? T("int4") };
    }
    if (/^-?\d+\.\d+$/.test(expr)) return { value: want?.name === "float8" ? Number(expr) : expr, type: want ?? T("numeric") };
    throw new KodiakError(SqlState.undefinedColumn, `column "${expr}" does not exist`, { position });
  }
}
