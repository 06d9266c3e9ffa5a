// Test/dev fixture only, NOT the SQL engine: an in-memory SqlEngine over a tiny table store so
// pgwire can be tested end to end (and demoed with psql) before sql/ has a working engine.
// Transactions work on a private copy of the tables and publish it on COMMIT.

import type {
  CopyInSink,
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
} from "../../../sql/api.js";
import { PgOid } from "../../../sql/api.js";
import { KodiakError, SqlState } from "../../../util/index.js";
import { formatTextValue, parseTextValue } from "../text-format.js";
import { sqlTypeOf } from "../type-info.js";
import { splitStatements } from "./fake-sql-lexer.js";
import { type Expr, parseStatement, type Stmt, typeOf, type Where } from "./fake-sql-parser.js";

interface Table {
  columns: ResultColumn[];
  rows: SqlValue[][];
}
type Tables = Map<string, Table>;

const cloneTables = (t: Tables): Tables => new Map([...t].map(([k, v]) => [k, { columns: v.columns, rows: v.rows.map((r) => [...r]) }]));
const VOID: SqlType = { name: "void", oid: 2278, typmod: -1 };
/** Longest pg_sleep the fixture allows (keeps tests bounded). */
const MAX_SLEEP_MS = 30_000;
// (The fixture sleeps with the global setTimeout: it is dev/test code, not under the simulator.)

export class FakeSqlEngine implements SqlEngine {
  tables: Tables = new Map();
  readonly sessions = new Set<FakeSqlSession>();

  async openSession(options: SessionOptions): Promise<SqlSession> {
    if (options.database === "nonexistent") throw new KodiakError("3D000", `database "${options.database}" does not exist`);
    const s = new FakeSqlSession(this, options);
    this.sessions.add(s);
    return s;
  }

  async close(): Promise<void> {
    for (const s of this.sessions) await s.close();
  }
}

interface FakePrepared extends PreparedStatement {
  stmt: Stmt;
}

class FakeSqlSession implements SqlSession {
  private tx: Tables | undefined;
  private failed = false;
  private readonly settings = new Map<string, string>([
    ["statement_timeout", "0"],
    ["TimeZone", "UTC"],
    ["DateStyle", "ISO, MDY"],
  ]);

  constructor(
    private readonly engine: FakeSqlEngine,
    options: SessionOptions,
  ) {
    for (const [k, v] of Object.entries(options.settings ?? {})) this.settings.set(k, v);
  }

  private get tables(): Tables {
    return this.tx ?? this.engine.tables;
  }

  async *run(sql: string, options?: ExecuteOptions): AsyncIterable<StatementResult> {
    for (const { text, offset } of splitStatements(sql)) {
      let stmt: Stmt;
      try {
        stmt = parseStatement(text);
      } catch (e) {
        throw this.fail(shift(e, offset));
      }
      try {
        yield await this.exec(stmt, [], options);
      } catch (e) {
        throw this.fail(shift(e, offset));
      }
    }
  }

  async prepare(sql: string, paramTypeOids: number[]): Promise<PreparedStatement> {
    const stmt = parseStatement(sql);
    const count = Math.max(paramTypeOids.length, maxParam(stmt));
    const paramTypes: SqlType[] = [];
    for (let n = 1; n <= count; n++) {
      const oid = paramTypeOids[n - 1] ?? 0;
      paramTypes.push(oid !== 0 ? sqlTypeOf(oid) : (paramHint(stmt, n, this.tables) ?? typeOf("text")));
    }
    const prepared: FakePrepared = { sql, stmt, paramTypes, columns: this.describe(stmt, paramTypes) };
    return prepared;
  }

  async execute(statement: PreparedStatement, params: SqlValue[], options?: ExecuteOptions): Promise<StatementResult> {
    try {
      return await this.exec((statement as FakePrepared).stmt, params, options, statement.paramTypes);
    } catch (e) {
      throw this.fail(e);
    }
  }

  transactionStatus(): TransactionStatus {
    return this.failed ? "failed" : this.tx !== undefined ? "inTransaction" : "idle";
  }
  setting(name: string): string | undefined {
    return this.settings.get(name);
  }
  formatText(value: SqlValue, type: SqlType): string | null {
    return formatTextValue(value, type);
  }
  parseText(text: string, type: SqlType): SqlValue {
    return parseTextValue(text, type);
  }
  async close(): Promise<void> {
    this.tx = undefined;
    this.failed = false;
    this.engine.sessions.delete(this);
  }

  private fail(e: unknown): unknown {
    if (this.tx !== undefined) this.failed = true;
    return e;
  }

  private table(name: string, pos: number): Table {
    const t = this.tables.get(name);
    if (t === undefined) throw new KodiakError(SqlState.undefinedTable, `relation "${name}" does not exist`, { position: pos });
    return t;
  }

  private describe(stmt: Stmt, paramTypes: SqlType[]): ResultColumn[] | undefined {
    if (stmt.kind === "show") return [{ name: stmt.name, type: typeOf("text") }];
    if (stmt.kind === "insert") return stmt.returning ? this.table(stmt.table, stmt.pos).columns : undefined;
    if (stmt.kind !== "select") return undefined;
    const t = stmt.from === undefined ? undefined : this.table(stmt.from.table, stmt.from.pos);
    if (stmt.items === "*") return t?.columns ?? [];
    return stmt.items.map((it) => ({ name: it.alias, type: exprType(it.expr, t, paramTypes) }));
  }

  private async exec(
    stmt: Stmt,
    params: SqlValue[],
    options: ExecuteOptions | undefined,
    paramTypes: SqlType[] = [],
  ): Promise<StatementResult> {
    if (this.failed && stmt.kind !== "rollback" && stmt.kind !== "commit") {
      throw new KodiakError(
        SqlState.inFailedSqlTransaction,
        "current transaction is aborted, commands ignored until end of transaction block",
      );
    }
    const ctx: EvalCtx = { params, paramTypes, signal: options?.signal };
    switch (stmt.kind) {
      case "begin":
        if (this.tx !== undefined)
          return {
            command: "BEGIN",
            rowCount: 0,
            notices: [{ severity: "WARNING", code: "25001", message: "there is already a transaction in progress" }],
          };
        this.tx = cloneTables(this.engine.tables);
        return { command: "BEGIN", rowCount: 0 };
      case "commit": {
        const wasFailed = this.failed;
        if (this.tx !== undefined && !wasFailed) this.engine.tables = this.tx;
        this.tx = undefined;
        this.failed = false;
        return { command: wasFailed ? "ROLLBACK" : "COMMIT", rowCount: 0 };
      }
      case "rollback":
        this.tx = undefined;
        this.failed = false;
        return { command: "ROLLBACK", rowCount: 0 };
      case "createTable":
        if (this.tables.has(stmt.table)) throw new KodiakError(SqlState.duplicateTable, `relation "${stmt.table}" already exists`);
        this.tables.set(stmt.table, { columns: stmt.columns, rows: [] });
        return { command: "CREATE TABLE", rowCount: 0 };
      case "dropTable": {
        const notices: NonNullable<StatementResult["notices"]> = [];
        for (const name of stmt.tables) {
          if (!this.tables.has(name)) {
            if (!stmt.ifExists) throw new KodiakError(SqlState.undefinedTable, `table "${name}" does not exist`);
            notices.push({ severity: "NOTICE", code: "00000", message: `table "${name}" does not exist, skipping` });
          }
          this.tables.delete(name);
        }
        return { command: "DROP TABLE", rowCount: 0, notices };
      }
      case "insert":
        return this.insert(stmt, ctx);
      case "select":
        return await this.select(stmt, ctx);
      case "update":
        return this.update(stmt, ctx);
      case "delete": {
        const t = this.table(stmt.table, stmt.pos);
        const keep = t.rows.filter((r) => !matches(t, r, stmt.where, ctx));
        const n = t.rows.length - keep.length;
        t.rows = keep;
        return { command: "DELETE", rowCount: n };
      }
      case "copy":
        return this.copy(stmt);
      case "set":
        this.settings.set(stmt.name, stmt.value);
        return { command: "SET", rowCount: 0 };
      case "show": {
        const v = this.settings.get(stmt.name);
        if (v === undefined) throw new KodiakError(SqlState.undefinedObject, `unrecognized configuration parameter "${stmt.name}"`);
        return { command: "SHOW", columns: [{ name: stmt.name, type: typeOf("text") }], rows: [[v]], rowCount: 1 };
      }
    }
  }

  private insert(stmt: Extract<Stmt, { kind: "insert" }>, ctx: EvalCtx): StatementResult {
    const t = this.table(stmt.table, stmt.pos);
    const names = stmt.columns ?? t.columns.map((c) => c.name);
    const idx = names.map((n) => {
      const i = t.columns.findIndex((c) => c.name === n);
      if (i < 0) throw new KodiakError(SqlState.undefinedColumn, `column "${n}" of relation "${stmt.table}" does not exist`);
      return i;
    });
    const added: SqlValue[][] = stmt.rows.map((exprs) => {
      if (exprs.length > idx.length) throw new KodiakError(SqlState.syntaxError, "INSERT has more expressions than target columns");
      const row: SqlValue[] = t.columns.map(() => null);
      exprs.forEach((e, k) => {
        row[idx[k]!] = coerce(evaluate(e, undefined, undefined, ctx), exprType(e, t, ctx.paramTypes), t.columns[idx[k]!]!.type);
      });
      return row;
    });
    t.rows.push(...added);
    return stmt.returning
      ? { command: "INSERT", columns: t.columns, rows: added, rowCount: added.length }
      : { command: "INSERT", rowCount: added.length };
  }

  private async select(stmt: Extract<Stmt, { kind: "select" }>, ctx: EvalCtx): Promise<StatementResult> {
    const t = stmt.from === undefined ? undefined : this.table(stmt.from.table, stmt.from.pos);
    const columns = this.describe(stmt, ctx.paramTypes)!;
    let source: SqlValue[][] = t === undefined ? [[]] : t.rows.filter((r) => matches(t, r, stmt.where, ctx));
    if (stmt.orderBy !== undefined && t !== undefined) {
      const i = columnIndex(t, stmt.orderBy.column, 0);
      const dir = stmt.orderBy.desc ? -1 : 1;
      source = [...source].sort((a, b) => dir * compare(a[i]!, b[i]!));
    }
    if (stmt.limit !== undefined) source = source.slice(0, stmt.limit);
    if (stmt.items === "*") return { command: "SELECT", columns, rows: source, rowCount: source.length };
    const items = stmt.items;
    if (items.some((it) => it.expr.kind === "call" && it.expr.fn === "count")) {
      return { command: "SELECT", columns, rows: [[BigInt(source.length)]], rowCount: 1 };
    }
    const rows: SqlValue[][] = [];
    for (const r of source) {
      const row: SqlValue[] = [];
      for (const it of items) row.push(await evaluateAsync(it.expr, t, r, ctx));
      rows.push(row);
    }
    return { command: "SELECT", columns, rows, rowCount: rows.length };
  }

  private update(stmt: Extract<Stmt, { kind: "update" }>, ctx: EvalCtx): StatementResult {
    const t = this.table(stmt.table, stmt.pos);
    let n = 0;
    t.rows = t.rows.map((r) => {
      if (!matches(t, r, stmt.where, ctx)) return r;
      n++;
      const next = [...r];
      for (const [col, e] of stmt.sets) {
        const i = columnIndex(t, col, 0);
        next[i] = coerce(evaluate(e, t, r, ctx), exprType(e, t, ctx.paramTypes), t.columns[i]!.type);
      }
      return next;
    });
    return { command: "UPDATE", rowCount: n };
  }

  private copy(stmt: Extract<Stmt, { kind: "copy" }>): StatementResult {
    const t = this.table(stmt.table, stmt.pos);
    if (stmt.direction === "to") {
      const lines = t.rows.map((r) => `${r.map((v, i) => (v === null ? "\\N" : formatTextValue(v, t.columns[i]!.type))).join("\t")}\n`);
      const data = (async function* () {
        for (const line of lines) yield Buffer.from(line, "utf8");
      })();
      return { command: "COPY", rowCount: t.rows.length, copyOut: { format: "text", columnCount: t.columns.length, data } };
    }
    const chunks: Buffer[] = [];
    const sink: CopyInSink = {
      write: (chunk) => {
        chunks.push(Buffer.from(chunk));
      },
      finish: async () => {
        const lines = Buffer.concat(chunks).toString("utf8").split("\n");
        const rows = lines
          .filter((l) => l !== "" && l !== "\\.")
          .map((l) =>
            l.split("\t").map((f, i): SqlValue => (f === "\\N" ? null : parseTextValue(f, t.columns[i]?.type ?? typeOf("text")))),
          );
        t.rows.push(...rows);
        return rows.length;
      },
      abort: () => {
        chunks.length = 0;
      },
    };
    return { command: "COPY", rowCount: 0, copyIn: { format: "text", columnCount: t.columns.length, sink } };
  }
}

interface EvalCtx {
  params: SqlValue[];
  paramTypes: SqlType[];
  signal: AbortSignal | undefined;
}

function shift(e: unknown, offset: number): unknown {
  if (!(e instanceof KodiakError) || e.position === undefined || offset === 0) return e;
  return new KodiakError(e.code, e.message, { position: e.position + offset, detail: e.detail, hint: e.hint });
}

function columnIndex(t: Table, name: string, pos: number): number {
  const i = t.columns.findIndex((c) => c.name === name);
  if (i < 0) throw new KodiakError(SqlState.undefinedColumn, `column "${name}" does not exist`, pos > 0 ? { position: pos } : {});
  return i;
}

function walk(e: Expr, f: (e: Expr) => void): void {
  f(e);
  if (e.kind === "cast") walk(e.expr, f);
  else if (e.kind === "bin") {
    walk(e.a, f);
    walk(e.b, f);
  } else if (e.kind === "call") for (const a of e.args) walk(a, f);
}

function stmtExprs(s: Stmt): Expr[] {
  const w = (x: Where | undefined): Expr[] => (x === undefined ? [] : [x.value]);
  if (s.kind === "select") return [...(s.items === "*" ? [] : s.items.map((i) => i.expr)), ...w(s.where)];
  if (s.kind === "insert") return s.rows.flat();
  if (s.kind === "update") return [...s.sets.map(([, e]) => e), ...w(s.where)];
  if (s.kind === "delete") return w(s.where);
  return [];
}

function maxParam(s: Stmt): number {
  let n = 0;
  for (const e of stmtExprs(s)) {
    walk(e, (x) => {
      if (x.kind === "param") n = Math.max(n, x.n);
    });
  }
  return n;
}

/** Type of $n from a cast around it, the column it is inserted into, or compared with. */
function paramHint(s: Stmt, n: number, tables: Tables): SqlType | undefined {
  let hint: SqlType | undefined;
  for (const e of stmtExprs(s)) {
    walk(e, (x) => {
      if (x.kind === "cast" && x.expr.kind === "param" && x.expr.n === n) hint = x.type;
    });
  }
  if (hint !== undefined) return hint;
  const table = "table" in s ? tables.get(s.table) : s.kind === "select" && s.from !== undefined ? tables.get(s.from.table) : undefined;
  if (table === undefined) return undefined;
  const colType = (name: string): SqlType | undefined => table.columns.find((c) => c.name === name)?.type;
  if (s.kind === "insert") {
    const names = s.columns ?? table.columns.map((c) => c.name);
    for (const row of s.rows) {
      row.forEach((e, i) => {
        if (e.kind === "param" && e.n === n) hint = colType(names[i]!);
      });
    }
  }
  if (s.kind === "update") for (const [c, e] of s.sets) if (e.kind === "param" && e.n === n) hint = colType(c);
  const where = "where" in s ? s.where : undefined;
  if (where?.value.kind === "param" && where.value.n === n) hint = colType(where.column);
  return hint;
}

function exprType(e: Expr, t: Table | undefined, paramTypes: SqlType[]): SqlType {
  switch (e.kind) {
    case "lit":
      return e.type;
    case "param":
      return paramTypes[e.n - 1] ?? typeOf("text");
    case "col":
      if (t === undefined) throw new KodiakError(SqlState.undefinedColumn, `column "${e.name}" does not exist`, { position: e.pos });
      return t.columns[columnIndex(t, e.name, e.pos)]!.type;
    case "cast":
      return e.type;
    case "bin": {
      const a = exprType(e.a, t, paramTypes).name;
      const b = exprType(e.b, t, paramTypes).name;
      for (const n of ["numeric", "float8", "int8"] as const) if (a === n || b === n) return typeOf(n);
      return typeOf("int4");
    }
    case "call":
      if (e.fn === "pg_sleep") return VOID;
      if (e.fn === "count") return typeOf("int8");
      if (e.fn === "version") return typeOf("text");
      throw new KodiakError(SqlState.undefinedFunction, `function ${e.fn} does not exist`, { position: e.pos });
  }
}

function coerce(v: SqlValue, from: SqlType, to: SqlType): SqlValue {
  if (v === null || from.oid === to.oid) return v;
  const text = formatTextValue(v, from);
  return text === null ? null : parseTextValue(text, to);
}

function evaluate(e: Expr, t: Table | undefined, row: SqlValue[] | undefined, ctx: EvalCtx): SqlValue {
  switch (e.kind) {
    case "lit":
      return e.value;
    case "param":
      if (e.n > ctx.params.length) throw new KodiakError(SqlState.undefinedParameter, `there is no parameter $${e.n}`);
      return ctx.params[e.n - 1]!;
    case "col":
      if (t === undefined || row === undefined)
        throw new KodiakError(SqlState.undefinedColumn, `column "${e.name}" does not exist`, { position: e.pos });
      return row[columnIndex(t, e.name, e.pos)]!;
    case "cast":
      return coerce(evaluate(e.expr, t, row, ctx), exprType(e.expr, t, ctx.paramTypes), e.type);
    case "bin":
      return arithmetic(e, evaluate(e.a, t, row, ctx), evaluate(e.b, t, row, ctx), exprType(e, t, ctx.paramTypes));
    case "call":
      if (e.fn === "version") return "PostgreSQL 15.0 (Kodiak fake engine)";
      throw new KodiakError(SqlState.featureNotSupported, `function ${e.fn} cannot be used here`);
  }
}

async function evaluateAsync(e: Expr, t: Table | undefined, row: SqlValue[] | undefined, ctx: EvalCtx): Promise<SqlValue> {
  if (e.kind === "call" && e.fn === "pg_sleep") {
    const seconds = Number(evaluate(e.args[0]!, t, row, ctx));
    await sleep(Math.min(MAX_SLEEP_MS, seconds * 1000), ctx.signal);
    return null;
  }
  return evaluate(e, t, row, ctx);
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function arithmetic(e: Extract<Expr, { kind: "bin" }>, a: SqlValue, b: SqlValue, type: SqlType): SqlValue {
  if (a === null || b === null) return null;
  if (type.oid === PgOid.int8) {
    const x = BigInt(a as number | bigint);
    const y = BigInt(b as number | bigint);
    if (e.op === "/" && y === 0n) throw new KodiakError(SqlState.divisionByZero, "division by zero");
    return e.op === "+" ? x + y : e.op === "-" ? x - y : e.op === "*" ? x * y : x / y;
  }
  const x = Number(a);
  const y = Number(b);
  if (e.op === "/" && y === 0) throw new KodiakError(SqlState.divisionByZero, "division by zero");
  const r = e.op === "+" ? x + y : e.op === "-" ? x - y : e.op === "*" ? x * y : x / y;
  if (type.oid === PgOid.int4) return Math.trunc(r);
  return type.oid === PgOid.numeric ? String(r) : r;
}

function compare(a: SqlValue, b: SqlValue): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  if (typeof a === "bigint" || typeof b === "bigint") {
    const x = BigInt(a as bigint);
    const y = BigInt(b as bigint);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

function matches(t: Table, row: SqlValue[], where: Where | undefined, ctx: EvalCtx): boolean {
  if (where === undefined) return true;
  const i = columnIndex(t, where.column, where.pos);
  const v = coerce(evaluate(where.value, t, row, ctx), exprType(where.value, t, ctx.paramTypes), t.columns[i]!.type);
  if (row[i] === null || v === null) return false;
  const c = compare(row[i]!, v);
  switch (where.op) {
    case "=":
      return c === 0;
    case "<":
      return c < 0;
    case ">":
      return c > 0;
    case "<=":
      return c <= 0;
    case ">=":
      return c >= 0;
    default:
      return c !== 0;
  }
}
