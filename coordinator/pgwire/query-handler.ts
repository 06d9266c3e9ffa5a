// Serves one authenticated session: dispatches each client message to the simple-query path,
// the extended-query state (discarding until Sync after an error), or COPY; sends ReadyForQuery
// with the session's transaction status.

import type { SqlSession, StatementResult } from "../../sql/api.js";
import { KodiakError, type Logger, SqlState } from "../../util/index.js";
import { backend, type TransactionStatusByte } from "./backend.js";
import { copyIn, copyOut } from "./copy.js";
import { ExtendedQuery, isEmptyQuery } from "./extended-query.js";
import type { FrontendMessage } from "./frontend.js";
import type { ReportedParameters } from "./parameter-status.js";
import { commandTag, fieldDescriptions, writeRows } from "./results.js";
import { errorFields, FatalConnectionError, isFatalForConnection } from "./wire-errors.js";
import type { WireIo } from "./wire-io.js";

const STATUS_BYTES: Record<ReturnType<SqlSession["transactionStatus"]>, TransactionStatusByte> = {
  idle: "I",
  inTransaction: "T",
  failed: "E",
};
const ROWS_PER_FLUSH = 256;

export class QueryHandler {
  private readonly extended: ExtendedQuery;
  /** Set after an error in an extended-protocol message: ignore everything until Sync. */
  private skipUntilSync = false;

  constructor(
    private readonly session: SqlSession,
    private readonly io: WireIo,
    private readonly logger: Logger,
    private readonly reported: ReportedParameters,
  ) {
    this.extended = new ExtendedQuery(session, io);
  }

  readyForQuery(): void {
    for (const [name, value] of this.reported.changes(this.session)) backend.parameterStatus(this.io.out, name, value);
    const status = STATUS_BYTES[this.session.transactionStatus()];
    if (status === "I") this.extended.endOfTransaction();
    backend.readyForQuery(this.io.out, status);
  }

  /** Handles one message; FatalConnectionError means the connection must close. */
  async handle(msg: FrontendMessage): Promise<void> {
    // As PostgreSQL: after an extended-protocol error, every message but Sync/Terminate is dropped.
    if (this.skipUntilSync && msg.kind !== "sync" && msg.kind !== "terminate") return;
    switch (msg.kind) {
      case "query":
        await this.simpleQuery(msg.sql);
        return;
      case "sync":
        this.skipUntilSync = false;
        this.readyForQuery();
        await this.io.flush();
        return;
      case "flush":
        await this.io.flush();
        return;
      case "parse":
      case "bind":
      case "describe":
      case "execute":
      case "close":
        await this.extendedStep(msg);
        return;
      case "copyData":
      case "copyDone":
      case "copyFail":
        return; // leftovers of a failed COPY: PostgreSQL ignores them too
      case "functionCall":
        this.sendError(new KodiakError(SqlState.featureNotSupported, "fastpath function calls are not supported"));
        this.readyForQuery();
        return;
      case "password":
        throw new FatalConnectionError(new KodiakError(SqlState.protocolViolation, "unexpected password message after authentication"));
      case "terminate":
        return;
    }
  }

  private async extendedStep(msg: Extract<FrontendMessage, { kind: "parse" | "bind" | "describe" | "execute" | "close" }>): Promise<void> {
    try {
      switch (msg.kind) {
        case "parse":
          return await this.extended.parse(msg);
        case "bind":
          return this.extended.bind(msg);
        case "describe":
          return this.extended.describe(msg);
        case "execute":
          return await this.extended.execute(msg);
        case "close":
          return this.extended.close(msg);
      }
    } catch (e) {
      if (isFatalForConnection(e)) throw e;
      this.sendError(e);
      this.skipUntilSync = true;
    }
  }

  sendError(e: unknown): void {
    backend.errorResponse(this.io.out, errorFields(e, this.logger));
  }

  private async simpleQuery(sql: string): Promise<void> {
    this.extended.dropUnnamed();
    if (isEmptyQuery(sql)) {
      backend.emptyQueryResponse(this.io.out);
    } else {
      try {
        await this.io.runStatement(async (signal) => {
          for await (const result of this.session.run(sql, { signal })) await this.sendResult(result);
        });
      } catch (e) {
        if (isFatalForConnection(e)) throw e;
        this.sendError(e);
      }
    }
    this.readyForQuery();
    await this.io.flush();
  }

  private async sendResult(result: StatementResult): Promise<void> {
    this.io.sendNotices(result);
    if (result.copyIn !== undefined) {
      const n = await copyIn(this.io, result.copyIn);
      backend.commandComplete(this.io.out, commandTag(result, n));
      return;
    }
    if (result.copyOut !== undefined) await copyOut(this.io, result.copyOut);
    else if (result.columns !== undefined) {
      const rows = result.rows ?? [];
      backend.rowDescription(this.io.out, fieldDescriptions(result.columns, []));
      for (let i = 0; i < rows.length; i += ROWS_PER_FLUSH) {
        writeRows(this.io.out, this.session, result.columns, rows, [], i, Math.min(rows.length, i + ROWS_PER_FLUSH));
        await this.io.flushIfFull();
      }
    }
    backend.commandComplete(this.io.out, commandTag(result));
  }
}
