// One SQL session (implements api.ts SqlSession): parses, plans and runs statements, owns the
// transaction state machine (idle / in transaction / failed with 25P02 until ROLLBACK),
// statement-level atomicity, settings and prepared statements. Errors are always KodiakError.
import { type Clock, type FileSystem, isKodiakError, KodiakError, SqlState, systemClock, toKodiakError } from "../../util/index.js";
import type {
  CopyInSink,
  ExecuteOptions,
  PreparedStatement,
  ResultColumn,
  SessionOptions,
  SqlSession,
  SqlType,
  SqlValue,
  StatementResult,
  TransactionStatus,
} from "../api.js";
import { type CatalogData, findTable, readCatalog, requireTable, updateCatalog } from "../catalog/catalog.js";
import type { KvStore } from "../kv/index.js";
import type { CopyStmt, Statement } from "../parser/ast.js";
import { builtFromShape } from "../parser/literal-shapes.js";
import { parseSql, parseStatement } from "../parser/parse.js";
import { type Col, type Env, type PlanNode, runNode } from "../plan/context.js";
import { bindExpr, coerce } from "../plan/expr.js";
import { Scope } from "../plan/scope.js";
import { type PlanContext, planQuery } from "../plan/select.js";
import { planWithSubplans } from "../plan/subplans.js";
import { type DataType, resolveTypeRef, T, toSqlType } from "../types/types.js";
import { castValue, parseText, type Row, type Value } from "../types/values.js";
import { fromSqlValue, formatSqlValue, toSqlValue, typeOfSqlType } from "./convert.js";
import { type CopyFields, type CopyFormat, copyFormat } from "./copy.js";
import { CopyDecoder, CopyInserter, copyFromFile, copyOut } from "./copy-run.js";
import { alterTable, createIndex, createSchema, createTable, createView, drop } from "./ddl.js";
import { describeDmlParams, describeReturning, executeDelete, executeInsert, executeUpdate } from "./dml.js";
import { explainLines } from "./explain.js";
import { createIndexOnline } from "./index-backfill.js";
import { analyzeTables } from "./analyze.js";
import { dropEntries } from "./tables.js";
import { Settings, sessionTempSpace, statementSpillContext } from "./settings.js";
import { Transaction } from "./txn.js";
import { PlEngineServices } from "../pl/engine-services.js";
import { PlEngineAdapter } from "../pl/engine-adapter.js";

/** Query plans by statement AST (weak: entries go when the parser's statement cache drops the text). */
const planCache = new WeakMap<Statement, { catalog: CatalogData; types: string; node: PlanNode }>();

/** Statement kinds the PL-Grizzly front end passes through unchanged when they hold no PL syntax. */
const PLAIN_KINDS: ReadonlySet<Statement["kind"]> = new Set([
  "query",
  "insert",
  "update",
  "delete",
  "begin",
  "commit",
  "rollback",
  "savepoint",
  "release",
  "rollbackTo",
]);

/** hasPlNode of whole statements already checked (cached ASTs are checked once). */
const plFree = new WeakMap<Statement, boolean>();

function statementHasPlNode(st: Statement): boolean {
  if (builtFromShape(st)) return false;
  let has = plFree.get(st);
  if (has === undefined) {
    has = hasPlNode(st);
    plFree.set(st, has);
  }
  return has;
}

function hasPlNode(x: unknown): boolean {
  if (x === null || typeof x !== "object") return false;
  if (Array.isArray(x)) return x.some(hasPlNode);
  const kind = (x as { kind?: unknown }).kind;
  if (kind === "pl") return true;
  if (kind === "literal") return false; // (bulk INSERTs are mostly literals)
  for (const v of Object.values(x)) if (typeof v === "object" && hasPlNode(v)) return true;
  return false;
}

/**
 * A script that is one plain SQL statement (no `{…}` interpolation, no PL-Grizzly syntax): its
 * AST from the SQL parser's cache, so it skips the PL front end's own parse of the script (which
 * would hand back the same text to be parsed again). Anything else, including text that does not
 * parse, goes the PL way, which reports errors as before.
 */
function plainSqlStatement(sql: string): Statement | undefined {
  if (sql.includes("{")) return undefined;
  let parsed: ReturnType<typeof parseSql>;
  try {
    parsed = parseSql(sql);
  } catch {
    return undefined;
  }
  if (parsed.length !== 1) return undefined;
  const ps = parsed[0];
  if (!PLAIN_KINDS.has(ps.statement.kind) || statementHasPlNode(ps.statement)) return undefined;
  // Positions are relative to the statement text, as on the PL path.
  return ps.text === sql ? ps.statement : parseStatement(ps.text).statement;
}

/** Bound on statements prepared by name in one session (PREPARE and the extended protocol). */
export const PREPARED_STATEMENTS_MAX = 10_000;

class Prepared implements PreparedStatement {
  constructor(
    readonly sql: string,
    readonly statement: Statement,
    readonly paramTypes: SqlType[],
    readonly columns: ResultColumn[] | undefined,
  ) {}
}

function resultColumns(cols: readonly Col[]): ResultColumn[] {
  return cols.filter((c) => !c.hidden).map((c) => ({ name: c.name, type: toSqlType(c.type.id === "unknown" ? T.text : c.type) }));
}

function convertRows(rows: readonly Row[], width: number): SqlValue[][] {
  return rows.map((r) => {
    const out: SqlValue[] = new Array(width);
    for (let i = 0; i < width; i++) out[i] = toSqlValue(r[i]);
    return out;
  });
}

export class Session implements SqlSession {
  private txn: Transaction | undefined;
  private explicit = false;
  private failed = false;
  private readonly settings: Settings;
  private readonly named = new Map<string, { statement: Statement; types: DataType[] }>();
  private closed = false;
  /** Spill files of sorts, hash joins and aggregations past work_mem (removed at statement end). */
  private readonly temp: ReturnType<typeof sessionTempSpace>;

  /** PL-Grizzly: scripts, PL statements and `{name}` interpolation (sql/pl). */
  private readonly pl: PlEngineAdapter;

  constructor(
    private readonly store: KvStore,
    options: SessionOptions,
    private readonly fs?: FileSystem,
    private readonly clock: Clock = systemClock,
    plServices: PlEngineServices = new PlEngineServices(async () => {
      throw new KodiakError(SqlState.featureNotSupported, "cron jobs need a SqlEngine");
    }),
    tempDir?: string,
  ) {
    this.settings = new Settings(options.settings);
    this.temp = sessionTempSpace(fs, tempDir);
    this.pl = new PlEngineAdapter(plServices, this.noHost());
  }

  /** A SqlHost for PL code over `txn` (embedded SQL runs through executeIn). */
  private plHost(txn: Transaction, signal: AbortSignal | undefined): import("../pl/host.js").SqlHost {
    return this.pl.hostFor(
      (s, p, t) => this.executeIn(parseStatement(s).statement, txn, p, t, signal),
      () => txn.mark(),
      (m) => txn.restore(m as ReturnType<Transaction["mark"]>),
    );
  }

  /** PL code only runs inside executeIn, which supplies a host over the transaction. */
  private noHost(): import("../pl/host.js").SqlHost {
    const fail = (): never => {
      throw new KodiakError(SqlState.internalError, "PL-Grizzly SQL outside a statement");
    };
    return { execute: fail, savepoint: fail, rollbackToSavepoint: fail, releaseSavepoint: fail };
  }

  transactionStatus(): TransactionStatus {
    return this.failed ? "failed" : this.explicit ? "inTransaction" : "idle";
  }

  setting(name: string): string | undefined {
    return this.settings.get(name);
  }

  formatText(value: SqlValue, type: SqlType): string | null {
    return formatSqlValue(value, type);
  }

  parseText(text: string, type: SqlType): SqlValue {
    return toSqlValue(parseText(text, typeOfSqlType(type)));
  }

  async close(): Promise<void> {
    this.temp.removeAll();
    this.txn = undefined;
    this.explicit = false;
    this.failed = false;
    this.closed = true;
  }

  async *run(sql: string, options?: ExecuteOptions): AsyncIterable<StatementResult> {
    const plain = plainSqlStatement(sql);
    if (plain !== undefined) {
      yield await this.runStatement(plain, [], [], options?.signal);
      return;
    }
    yield* this.pl.run(sql, options?.signal, (st, params, types) => this.runStatement(st, params, types, options?.signal));
  }

  async prepare(sql: string, paramTypeOids: number[]): Promise<PreparedStatement> {
    const ps = parseStatement(sql);
    const types: (DataType | undefined)[] = paramTypeOids.map((o) =>
      o === 0 ? undefined : typeOfSqlType({ name: "", oid: o, typmod: -1 }),
    );
    const columns = this.describe(ps.statement, types);
    return new Prepared(
      sql,
      ps.statement,
      types.map((t) => toSqlType(t && t.id !== "unknown" ? t : T.text)),
      columns,
    );
  }

  async execute(statement: PreparedStatement, params: SqlValue[], options?: ExecuteOptions): Promise<StatementResult> {
    const p =
      statement instanceof Prepared
        ? statement
        : await this.prepare(
            statement.sql,
            statement.paramTypes.map((t) => t.oid),
          );
    const prepared = p as Prepared;
    const types = prepared.paramTypes.map(typeOfSqlType);
    const values = params.map((v, i) => fromSqlValue(v, types[i] ?? T.unknown));
    return this.runStatement(prepared.statement, values, types, options?.signal);
  }

  /** Result columns of a statement, planned against the current catalog without running it. */
  private describe(st: Statement, types: (DataType | undefined)[]): ResultColumn[] | undefined {
    const txn = this.txn ?? new Transaction(this.store, this.clock);
    const pc: PlanContext = { catalog: readCatalog(txn), paramTypes: types, depth: 0 };
    switch (st.kind) {
      case "query":
        return resultColumns(planQuery(st, undefined, pc).cols);
      case "insert":
      case "update":
      case "delete":
        describeDmlParams(st, pc);
        if (st.returning) return resultColumns(describeReturning(st, pc));
        describeReturning(st, pc);
        return undefined;
      case "explain":
        return [{ name: "QUERY PLAN", type: toSqlType(T.text) }];
      case "show":
        return [{ name: st.name, type: toSqlType(T.text) }];
      default:
        return undefined;
    }
  }

  private reset(): void {
    this.txn = undefined;
    this.explicit = false;
    this.failed = false;
  }

  private notice(message: string, severity: "NOTICE" | "WARNING" = "NOTICE", code = "00000"): StatementResult["notices"] {
    return [{ severity, code, message }];
  }

  private async runStatement(
    st: Statement,
    params: Value[],
    paramTypes: DataType[],
    signal: AbortSignal | undefined,
  ): Promise<StatementResult> {
    if (this.closed) throw new KodiakError(SqlState.adminShutdown, "session is closed");
    switch (st.kind) {
      case "begin":
        if (this.explicit)
          return { command: "BEGIN", rowCount: 0, notices: this.notice("there is already a transaction in progress", "WARNING", "25001") };
        this.txn = new Transaction(this.store, this.clock);
        this.explicit = true;
        return { command: "BEGIN", rowCount: 0 };
      case "commit": {
        if (!this.explicit)
          return { command: "COMMIT", rowCount: 0, notices: this.notice("there is no transaction in progress", "WARNING", "25P01") };
        if (this.failed) {
          this.reset();
          return { command: "ROLLBACK", rowCount: 0 };
        }
        const txn = this.txn!;
        this.reset();
        await txn.commit();
        return { command: "COMMIT", rowCount: 0 };
      }
      case "rollback":
        if (!this.explicit)
          return { command: "ROLLBACK", rowCount: 0, notices: this.notice("there is no transaction in progress", "WARNING", "25P01") };
        this.reset();
        return { command: "ROLLBACK", rowCount: 0 };
      case "savepoint":
      case "release":
      case "rollbackTo": {
        const word = st.kind === "savepoint" ? "SAVEPOINT" : st.kind === "release" ? "RELEASE" : "ROLLBACK";
        if (!this.explicit)
          throw new KodiakError(
            SqlState.noActiveSqlTransaction,
            `${word === "ROLLBACK" ? "ROLLBACK TO SAVEPOINT" : word} can only be used in transaction blocks`,
            { position: st.pos + 1 },
          );
        if (this.failed && st.kind !== "rollbackTo") throw this.abortedError();
        if (st.kind === "savepoint") this.txn!.savepoint(st.name);
        else if (st.kind === "release") this.txn!.release(st.name);
        else {
          this.txn!.rollbackTo(st.name);
          this.failed = false;
        }
        return { command: word, rowCount: 0 };
      }
      default:
        break;
    }
    if (st.kind === "createIndex" && !this.explicit) {
      // Outside a transaction block: built in bounded chunks, each its own commit (index-backfill.ts).
      const chunkBytes = this.settings.bytes("index_backfill_chunk_size");
      return this.ddl(await createIndexOnline(st, this.store, this.clock, { chunkBytes, signal }));
    }
    // PL-Grizzly: the session's PL context is active while the statement runs (sql/pl).
    return this.runStatementWith(st, (txn) =>
      this.pl.active(signal, this.plHost(txn, signal), readCatalog(txn), () => this.executeIn(st, txn, params, paramTypes, signal)),
    );
  }

  /** Runs one non-transaction-control statement with autocommit or inside the open transaction. */
  private async runStatementWith(_st: Statement, body: (txn: Transaction) => StatementResult): Promise<StatementResult> {
    if (this.failed) throw this.abortedError();
    const auto = !this.explicit;
    if (auto) this.txn = new Transaction(this.store, this.clock);
    const txn = this.txn!;
    const mark = auto ? undefined : txn.mark();
    try {
      const result = body(txn);
      if (auto) {
        this.txn = undefined;
        await txn.commit();
      }
      return result;
    } catch (e) {
      const ke = asKodiakError(e);
      if (auto) this.txn = undefined;
      else {
        txn.restore(mark!);
        this.failed = true;
      }
      throw ke;
    } finally {
      this.temp.removeAll();
    }
  }

  private abortedError(): KodiakError {
    return new KodiakError(
      SqlState.inFailedSqlTransaction,
      "current transaction is aborted, commands ignored until end of transaction block",
    );
  }

  private env(txn: Transaction, params: Value[], signal: AbortSignal | undefined, stats?: Env["stats"]): Env {
    const timeoutMs = parseTimeoutMs(this.settings.get("statement_timeout") ?? "0");
    const deadline = timeoutMs > 0 ? performance.now() + timeoutMs : undefined;
    const spill = statementSpillContext(this.settings, this.temp);
    return { params, outer: [], txn, catalog: readCatalog(txn), cache: new Map(), signal, stats, deadline, nowMs: txn.startedAtMs, spill };
  }

  private executeIn(
    st: Statement,
    txn: Transaction,
    params: Value[],
    paramTypes: DataType[],
    signal: AbortSignal | undefined,
  ): StatementResult {
    const env = this.env(txn, params, signal);
    const pc: PlanContext = { catalog: env.catalog, paramTypes: [...paramTypes], depth: 0 };
    const nextId = (sequence?: string) => this.store.allocateId(sequence);
    switch (st.kind) {
      case "query": {
        const node = this.cachedPlan(st, pc);
        return this.rowsResult("SELECT", node, runNode(node, env));
      }
      case "insert":
      case "update":
      case "delete": {
        const r =
          st.kind === "insert"
            ? executeInsert(st, pc, env, nextId)
            : st.kind === "update"
              ? executeUpdate(st, pc, env)
              : executeDelete(st, pc, env);
        const command = st.kind.toUpperCase();
        if (r.columns && r.rows)
          return { command, rowCount: r.rowCount, columns: resultColumns(r.columns), rows: convertRows(r.rows, r.columns.length) };
        return { command, rowCount: r.rowCount };
      }
      case "createTable":
        return this.ddl(createTable(st, txn, pc, env, nextId));
      case "createIndex":
        return this.ddl(createIndex(st, txn));
      case "createView":
        return this.ddl(createView(st, txn, pc));
      case "createSchema":
        return this.ddl(createSchema(st, txn));
      case "drop":
        return this.ddl(drop(st, txn));
      case "alterTable":
        return this.ddl(alterTable(st, txn, pc, env));
      case "explain":
        return this.explain(st.statement, st.analyze, txn, params, pc, signal);
      case "analyze": {
        const tables = st.table
          ? [requireTable(env.catalog, st.table.schema, st.table.name, st.table.pos + 1)]
          : Object.values(env.catalog.tables);
        analyzeTables(txn, tables);
        return { command: "ANALYZE", rowCount: 0 };
      }
      case "truncate": {
        for (const n of st.tables) dropEntries(txn, requireTable(env.catalog, n.schema, n.name, n.pos + 1));
        return { command: "TRUNCATE TABLE", rowCount: 0 };
      }
      case "vacuum": {
        if (this.explicit)
          throw new KodiakError(SqlState.activeSqlTransaction, "VACUUM cannot run inside a transaction block", { position: st.pos + 1 });
        const tables = st.tables.length
          ? st.tables.map((n) => requireTable(env.catalog, n.schema, n.name, n.pos + 1))
          : Object.values(env.catalog.tables);
        if (st.analyze) analyzeTables(txn, tables);
        return { command: "VACUUM", rowCount: 0 };
      }
      case "discard":
        this.settings.reset("all");
        this.named.clear();
        return { command: "DISCARD ALL", rowCount: 0 };
      case "set":
        if (st.name === "transaction") return { command: "SET", rowCount: 0 };
        this.settings.set(st.name, st.value);
        return { command: "SET", rowCount: 0 };
      case "reset":
        this.settings.reset(st.name);
        return { command: "RESET", rowCount: 0 };
      case "show": {
        if (st.name === "all") {
          const rows = this.settings.all().map(([k, v]) => [k, v]);
          return {
            command: "SHOW",
            rowCount: rows.length,
            columns: [
              { name: "name", type: toSqlType(T.text) },
              { name: "setting", type: toSqlType(T.text) },
            ],
            rows,
          };
        }
        const v = this.settings.get(st.name);
        if (v === undefined)
          throw new KodiakError(SqlState.undefinedObject, `unrecognized configuration parameter "${st.name}"`, { position: st.pos + 1 });
        return { command: "SHOW", rowCount: 1, columns: [{ name: st.name, type: toSqlType(T.text) }], rows: [[v]] };
      }
      case "copy":
        return this.copy(st, txn, env, pc);
      case "prepare": {
        if (this.named.has(st.name))
          throw new KodiakError("42P05", `prepared statement "${st.name}" already exists`, { position: st.pos + 1 });
        if (this.named.size >= PREPARED_STATEMENTS_MAX)
          throw new KodiakError(SqlState.programLimitExceeded, "too many prepared statements");
        this.named.set(st.name, { statement: st.statement, types: st.types.map((t) => resolveTypeRef(t, st.pos + 1)) });
        return { command: "PREPARE", rowCount: 0 };
      }
      case "execute": {
        const p = this.named.get(st.name);
        if (!p)
          throw new KodiakError(SqlState.invalidSqlStatementName, `prepared statement "${st.name}" does not exist`, {
            position: st.pos + 1,
          });
        const scope = new Scope([], undefined, new Map());
        const ctx = { planSubquery: (q: import("../parser/ast.js").Query, s: Scope) => planQuery(q, s, pc), paramTypes: pc.paramTypes };
        const vals = st.args.map((a, i) => {
          const b = coerce(bindExpr(a, scope, ctx), p.types[i] ?? T.unknown);
          return b.fn([], env);
        });
        return this.executeIn(p.statement, txn, vals, p.types, signal);
      }
      case "pl":
        return this.pl.execute(
          st,
          (s, p, t) => this.executeIn(parseStatement(s).statement, txn, p, t, signal),
          () => txn.mark(),
          (m) => txn.restore(m as ReturnType<Transaction["mark"]>),
          signal,
          (name) => findTable(env.catalog, undefined, name)?.columns.filter((c) => !c.hidden),
          env.catalog,
          (change) =>
            updateCatalog(txn, (c) => {
              c.pl ??= {};
              change(c.pl);
            }),
        );
      case "deallocate":
        if (st.name === undefined) this.named.clear();
        else if (!this.named.delete(st.name))
          throw new KodiakError(SqlState.invalidSqlStatementName, `prepared statement "${st.name}" does not exist`);
        return { command: "DEALLOCATE", rowCount: 0 };
      default:
        throw new KodiakError(SqlState.featureNotSupported, `${st.kind} is not supported here`, { position: st.pos + 1 });
    }
  }

  /**
   * Plans of queries, reused while the catalog snapshot (the same parsed catalog object) and the
   * parameter types are unchanged; statements are cached per text by the parser, so repeated texts
   * and prepared statements skip binding and planning.
   */
  private cachedPlan(st: Statement & { kind: "query" }, pc: PlanContext): PlanNode {
    const types = pc.paramTypes.map((t) => (t ? `${t.id}:${t.typmod}` : "?")).join(",");
    const hit = planCache.get(st);
    if (hit && hit.catalog === pc.catalog && hit.types === types) return hit.node;
    const node = planQuery(st, undefined, pc);
    planCache.set(st, { catalog: pc.catalog, types, node });
    return node;
  }

  private ddl(r: { command: string; rowCount: number; notice?: string }): StatementResult {
    return { command: r.command, rowCount: r.rowCount, notices: r.notice ? this.notice(r.notice) : undefined };
  }

  private rowsResult(command: string, node: PlanNode, rows: Row[]): StatementResult {
    const columns = resultColumns(node.cols);
    return { command, rowCount: rows.length, columns, rows: convertRows(rows, columns.length) };
  }

  private explain(
    st: Statement,
    analyze: boolean,
    txn: Transaction,
    params: Value[],
    pc: PlanContext,
    signal: AbortSignal | undefined,
  ): StatementResult {
    if (st.kind !== "query") {
      if (analyze) {
        const t0 = performance.now();
        const r = this.executeIn(st, txn, params, [], signal);
        const lines = [`${st.kind.toUpperCase()} (actual rows=${r.rowCount})`, `Execution Time: ${(performance.now() - t0).toFixed(3)} ms`];
        return {
          command: "EXPLAIN",
          rowCount: lines.length,
          columns: [{ name: "QUERY PLAN", type: toSqlType(T.text) }],
          rows: lines.map((l) => [l]),
        };
      }
      const lines = [`${st.kind[0].toUpperCase()}${st.kind.slice(1)}`];
      return { command: "EXPLAIN", rowCount: 1, columns: [{ name: "QUERY PLAN", type: toSqlType(T.text) }], rows: lines.map((l) => [l]) };
    }
    const node = planWithSubplans(() => planQuery(st, undefined, pc));
    let lines: string[];
    if (analyze) {
      const stats: NonNullable<Env["stats"]> = new Map();
      const t0 = performance.now();
      const env = this.env(txn, params, signal, stats);
      runNode(node, env);
      lines = [...explainLines(node, stats, env.spill?.notes), `Execution Time: ${(performance.now() - t0).toFixed(3)} ms`];
    } else lines = explainLines(node, undefined);
    return {
      command: "EXPLAIN",
      rowCount: lines.length,
      columns: [{ name: "QUERY PLAN", type: toSqlType(T.text) }],
      rows: lines.map((l) => [l]),
    };
  }

  private copy(st: CopyStmt, txn: Transaction, env: Env, pc: PlanContext): StatementResult {
    const fmt = copyFormat(st.options);
    const file = typeof st.target === "object" ? st.target.file : undefined;
    if (file !== undefined && !this.fs) {
      throw new KodiakError(SqlState.featureNotSupported, "COPY to or from a server file is not available here; use STDIN/STDOUT", {
        position: st.pos + 1,
      });
    }
    if (st.direction === "to") {
      let node: PlanNode;
      if (st.query) node = planQuery(st.query, undefined, pc);
      else {
        const t = requireTable(env.catalog, st.table!.schema, st.table!.name, st.table!.pos + 1);
        const cols = st.columns ?? t.columns.filter((c) => !c.hidden).map((c) => c.name);
        node = planQuery(
          parseStatement(`SELECT ${cols.map((c) => `"${c.replace(/"/g, '""')}"`).join(", ")} FROM "${t.schema}"."${t.name}"`)
            .statement as import("../parser/ast.js").Query,
          undefined,
          pc,
        );
      }
      return copyOut(
        node.cols.filter((c) => !c.hidden),
        runNode(node, env),
        fmt,
        file,
        this.fs,
      );
    }
    const t = requireTable(env.catalog, st.table!.schema, st.table!.name, st.table!.pos + 1);
    const colNames = st.columns ?? t.columns.filter((c) => !c.hidden).map((c) => c.name);
    const nextId = (sequence?: string) => this.store.allocateId(sequence);
    if (file !== undefined) {
      const n = copyFromFile(this.fs!, file, fmt, new CopyInserter(t, colNames, pc, env, nextId), colNames.length);
      return { command: "COPY", rowCount: n };
    }
    void txn;
    const format = fmt.kind === "arrow" ? "binary" : fmt.csv ? "csv" : "text";
    return { command: "COPY", rowCount: 0, copyIn: { format, columnCount: colNames.length, sink: this.copyInSink(t, colNames, fmt) } };
  }

  /**
   * COPY FROM STDIN: rows are inserted as the client's chunks complete them (memory stays bounded
   * by the chunk, not the input), into the open transaction or an autocommit one that commits at
   * the end. Any failure undoes the COPY (in a transaction block: 25P02 until ROLLBACK).
   */
  private copyInSink(t: import("../catalog/catalog.js").TableMeta, colNames: readonly string[], fmt: CopyFormat): CopyInSink {
    const decoder = new CopyDecoder(fmt, colNames.length);
    let state: { txn: Transaction; auto: boolean; mark: number; ins: CopyInserter } | undefined;
    let error: unknown;
    let aborted = false;
    const open = () => {
      if (state) return state;
      const auto = !this.explicit;
      const txn = auto ? new Transaction(this.store, this.clock) : this.txn!;
      const env = this.env(txn, [], undefined);
      const pc: PlanContext = { catalog: env.catalog, paramTypes: [], depth: 0 };
      const tt = requireTable(env.catalog, t.schema, t.name);
      const nextId = (sequence?: string) => this.store.allocateId(sequence);
      state = { txn, auto, mark: txn.mark(), ins: new CopyInserter(tt, colNames, pc, env, nextId) };
      return state;
    };
    const insert = (batch: CopyFields[]) => {
      if (error !== undefined || aborted || batch.length === 0) return;
      try {
        open().ins.insert(batch);
      } catch (e) {
        error = e;
      }
    };
    const undo = () => {
      if (state && !state.auto) {
        state.txn.restore(state.mark);
        this.failed = true;
      }
      this.temp.removeAll();
    };
    return {
      write: (chunk) => {
        if (error !== undefined || aborted) return;
        try {
          insert(decoder.push(chunk));
        } catch (e) {
          error = e;
        }
      },
      abort: () => {
        aborted = true;
      },
      finish: async () => {
        if (aborted) {
          undo();
          throw new KodiakError(SqlState.queryCanceled, "COPY from stdin failed");
        }
        if (error === undefined) {
          try {
            for (const batch of decoder.end()) insert(batch);
          } catch (e) {
            error = e;
          }
        }
        if (error !== undefined) {
          undo();
          throw asKodiakError(error);
        }
        const s = open();
        this.temp.removeAll();
        if (s.auto) await s.txn.commit();
        return s.ins.rows;
      },
    };
  }
}

/** statement_timeout as PostgreSQL accepts it: milliseconds, or a number with ms/s/min units. */
/** The last statement_timeout text parsed (every statement reads the setting). */
let lastTimeout: { text: string; ms: number } | undefined;

function parseTimeoutMs(v: string): number {
  if (lastTimeout?.text === v) return lastTimeout.ms;
  const ms = parseTimeoutText(v);
  lastTimeout = { text: v, ms };
  return ms;
}

function parseTimeoutText(v: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|min)?\s*$/i.exec(v);
  if (!m) return 0;
  const n = Number(m[1]);
  const unit = (m[2] ?? "ms").toLowerCase();
  return unit === "s" ? n * 1000 : unit === "min" ? n * 60_000 : n;
}

function asKodiakError(e: unknown): KodiakError {
  if (isKodiakError(e)) return e;
  if (e instanceof RangeError)
    return new KodiakError(SqlState.statementTooComplex, "statement is too complex (stack depth limit exceeded)");
  return toKodiakError(e);
}

export { castValue };
