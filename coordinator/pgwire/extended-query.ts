// Extended query protocol: named/unnamed prepared statements and portals, Parse/Bind/Describe/
// Execute/Close with row limits (PortalSuspended). Errors propagate to the caller, which reports
// them and discards messages until Sync.

import type { PreparedStatement, SqlSession, SqlValue, StatementResult } from "../../sql/api.js";
import { KodiakError, SqlState } from "../../util/index.js";
import { backend } from "./backend.js";
import { decodeBinary } from "./binary-codec.js";
import { MAX_PORTALS, MAX_PREPARED_STATEMENTS } from "./constants.js";
import { copyIn, copyOut } from "./copy.js";
import type { FrontendMessage } from "./frontend.js";
import { checkResultFormats, commandTag, fieldDescriptions, formatFor, TEXT_FORMAT, writeRows } from "./results.js";
import type { WireIo } from "./wire-io.js";

type Msg<K extends FrontendMessage["kind"]> = Extract<FrontendMessage, { kind: K }>;

interface Statement {
  /** undefined for an empty query string (Execute answers EmptyQueryResponse). */
  prepared: PreparedStatement | undefined;
}

interface Portal {
  statement: Statement;
  params: SqlValue[];
  resultFormats: number[];
  result: StatementResult | undefined;
  /** Rows already sent by earlier Executes with a row limit. */
  sent: number;
  done: boolean;
}

export class ExtendedQuery {
  private readonly statements = new Map<string, Statement>();
  private readonly portals = new Map<string, Portal>();

  constructor(
    private readonly session: SqlSession,
    private readonly io: WireIo,
  ) {}

  /** The simple Query message destroys the unnamed statement and portal (as PostgreSQL). */
  dropUnnamed(): void {
    this.statements.delete("");
    this.portals.delete("");
  }

  /** Portals do not outlive their transaction. */
  endOfTransaction(): void {
    this.portals.clear();
  }

  async parse(m: Msg<"parse">): Promise<void> {
    if (m.name !== "" && this.statements.has(m.name)) {
      throw new KodiakError("42P05", `prepared statement "${m.name}" already exists`);
    }
    if (m.name !== "" && this.statements.size >= MAX_PREPARED_STATEMENTS) {
      throw new KodiakError(SqlState.programLimitExceeded, `too many prepared statements (limit ${MAX_PREPARED_STATEMENTS})`);
    }
    const prepared = isEmptyQuery(m.sql) ? undefined : await this.session.prepare(m.sql, m.paramTypeOids);
    this.statements.set(m.name, { prepared });
    backend.parseComplete(this.io.out);
  }

  private statement(name: string): Statement {
    const s = this.statements.get(name);
    if (s === undefined) throw new KodiakError(SqlState.invalidSqlStatementName, `prepared statement "${name}" does not exist`);
    return s;
  }

  private portal(name: string): Portal {
    const p = this.portals.get(name);
    if (p === undefined) throw new KodiakError(SqlState.invalidCursorName, `portal "${name}" does not exist`);
    return p;
  }

  bind(m: Msg<"bind">): void {
    const statement = this.statement(m.statement);
    const types = statement.prepared?.paramTypes ?? [];
    if (m.params.length !== types.length) {
      throw new KodiakError(
        SqlState.protocolViolation,
        `bind message supplies ${m.params.length} parameters, but prepared statement "${m.statement}" requires ${types.length}`,
      );
    }
    if (m.paramFormats.length > 1 && m.paramFormats.length !== m.params.length) {
      throw new KodiakError(
        SqlState.protocolViolation,
        `bind message has ${m.paramFormats.length} parameter formats but ${m.params.length} parameters`,
      );
    }
    checkResultFormats(m.resultFormats, statement.prepared?.columns?.length ?? 0);
    if (m.portal !== "" && this.portals.has(m.portal)) throw new KodiakError("42P03", `cursor "${m.portal}" already exists`);
    if (m.portal !== "" && this.portals.size >= MAX_PORTALS)
      throw new KodiakError(SqlState.programLimitExceeded, `too many portals (limit ${MAX_PORTALS})`);
    const params = m.params.map((bytes, i): SqlValue => {
      if (bytes === null) return null;
      const type = types[i]!;
      return formatFor(m.paramFormats, i) === TEXT_FORMAT
        ? this.session.parseText(bytes.toString("utf8"), type)
        : decodeBinary(bytes, type);
    });
    this.portals.set(m.portal, { statement, params, resultFormats: m.resultFormats, result: undefined, sent: 0, done: false });
    backend.bindComplete(this.io.out);
  }

  describe(m: Msg<"describe">): void {
    if (m.target === "statement") {
      const prepared = this.statement(m.name).prepared;
      backend.parameterDescription(
        this.io.out,
        (prepared?.paramTypes ?? []).map((t) => t.oid),
      );
      if (prepared?.columns === undefined) backend.noData(this.io.out);
      else backend.rowDescription(this.io.out, fieldDescriptions(prepared.columns, []));
      return;
    }
    const portal = this.portal(m.name);
    const columns = portal.statement.prepared?.columns;
    if (columns === undefined) backend.noData(this.io.out);
    else backend.rowDescription(this.io.out, fieldDescriptions(columns, portal.resultFormats));
  }

  async execute(m: Msg<"execute">): Promise<void> {
    const portal = this.portal(m.portal);
    const prepared = portal.statement.prepared;
    if (prepared === undefined) {
      backend.emptyQueryResponse(this.io.out);
      return;
    }
    if (portal.result === undefined) {
      portal.result = await this.io.runStatement((signal) => this.session.execute(prepared, portal.params, { signal }));
      this.io.sendNotices(portal.result);
    }
    const result = portal.result;
    if (result.copyIn !== undefined && !portal.done) {
      portal.done = true;
      const n = await copyIn(this.io, result.copyIn);
      backend.commandComplete(this.io.out, commandTag(result, n));
      return;
    }
    if (result.copyOut !== undefined && !portal.done) {
      portal.done = true;
      await copyOut(this.io, result.copyOut);
      backend.commandComplete(this.io.out, commandTag(result));
      return;
    }
    await this.sendRows(portal, result, m.maxRows);
  }

  private async sendRows(portal: Portal, result: StatementResult, maxRows: number): Promise<void> {
    const rows = result.rows ?? [];
    const start = portal.sent;
    const end = maxRows > 0 ? Math.min(rows.length, start + maxRows) : rows.length;
    if (result.columns !== undefined) {
      const columns = result.columns;
      for (let i = start; i < end; i += ROWS_PER_FLUSH) {
        writeRows(this.io.out, this.session, columns, rows, portal.resultFormats, i, Math.min(end, i + ROWS_PER_FLUSH));
        await this.io.flushIfFull();
      }
    }
    portal.sent = end;
    // Like PostgreSQL, a run that fills its row limit suspends without looking ahead; the next
    // Execute then completes with "SELECT 0".
    if (end < rows.length || (maxRows > 0 && end - start === maxRows)) {
      backend.portalSuspended(this.io.out);
      return;
    }
    const firstRun = !portal.done;
    portal.done = true;
    const counted = result.columns !== undefined && result.command.toUpperCase() === "SELECT";
    backend.commandComplete(this.io.out, commandTag(result, counted ? end - start : firstRun ? result.rowCount : 0));
  }

  close(m: Msg<"close">): void {
    if (m.target === "statement") this.statements.delete(m.name);
    else this.portals.delete(m.name);
    backend.closeComplete(this.io.out);
  }
}

/** Rows encoded between checks of the output buffer size. */
const ROWS_PER_FLUSH = 256;

/** True for a query string with no statement in it (only blanks, semicolons and comments). */
export function isEmptyQuery(sql: string): boolean {
  let i = 0;
  while (i < sql.length) {
    const c = sql.charCodeAt(i);
    if (c === 0x3b || c === 0x20 || (c >= 0x09 && c <= 0x0d)) i++;
    else if (sql.startsWith("--", i)) {
      const end = sql.indexOf("\n", i);
      i = end < 0 ? sql.length : end + 1;
    } else if (sql.startsWith("/*", i)) {
      const end = sql.indexOf("*/", i + 2);
      if (end < 0) return false; // unterminated comment: the engine reports the syntax error
      i = end + 2;
    } else return false;
  }
  return true;
}
