// kodiak.v1.Kodiak over any SqlEngine: sessions, Execute, streaming Query (Arrow IPC),
// transactions, Cancel, ClusterStatus. Every statement passes admission control and runs under an
// AbortSignal (client cancel, Cancel RPC, statement timeout). Errors leave as gRPC statuses with
// an ErrorDetail (errors.ts); nothing here formats for people.

import type { ServerReadableStream, ServerUnaryCall, ServerWritableStream, sendUnaryData } from "@grpc/grpc-js";
import {
  type BeginTransactionRequest,
  type CancelRequest,
  type CancelResponse,
  type CloseSessionRequest,
  type CloseSessionResponse,
  type ClusterStatusRequest,
  ClusterStatusResponse,
  type CopyInRequest,
  type CopyInResponse,
  type CopyOutRequest,
  type CopyOutResponse,
  type ExecuteRequest,
  type ExecuteResponse,
  IsolationLevel,
  type KodiakServer,
  NodeRole,
  type OpenSessionRequest,
  type OpenSessionResponse,
  type QueryRequest,
  type QueryResponse,
  type SessionRequest,
  type StatementResult as StatementResultMsg,
  TransactionStatus,
  type TransactionResponse,
  type Value,
} from "../../proto/gen/kodiak.js";
import type { SqlEngine, SqlSession, StatementResult } from "../../sql/api.js";
import {
  type Clock,
  KodiakError,
  type Logger,
  SqlState,
  silentLogger,
  systemClock,
  type TimerHandle,
  toKodiakError,
} from "../../util/index.js";
import { type AdmissionLimits, AdmissionController, DEFAULT_ADMISSION_LIMITS } from "./admission.js";
import { encodeArrowIpc } from "./arrow.js";
import type { ClusterStatusSource } from "./cluster.js";
import { localClusterStatus } from "./cluster.js";
import { isCopyFromStdin, isCopyToStdout, readCopyInStart } from "./copy.js";
import { toServiceError } from "./errors.js";
import { DEFAULT_SESSION_LIMITS, type ServerSession, type SessionLimits, SessionRegistry } from "./sessions.js";
import { bindParam, paramTypeOid } from "./values.js";

/** Rows per Arrow record batch on a Query stream unless the client asks otherwise, and the cap. */
export const DEFAULT_BATCH_ROWS = 1024;
export const MAX_BATCH_ROWS = 65_536;
/** Rows one Execute may return per statement; more fail with 54000 (use Query). */
export const MAX_EXECUTE_ROWS = 100_000;
/** Bound on waiting for a slow client to drain a Query stream. */
export const STREAM_DRAIN_TIMEOUT_MS = 30_000;
/** Bound on asking the cluster status source. */
export const CLUSTER_STATUS_TIMEOUT_MS = 2_000;

export interface ApiServiceOptions {
  coordinatorId?: string;
  clock?: Clock;
  log?: Logger;
  sessions?: Partial<SessionLimits>;
  admission?: Partial<AdmissionLimits>;
  /** Statement timeout when neither the call nor the session sets one (0 = none). */
  defaultStatementTimeoutMs?: number;
  cluster?: ClusterStatusSource;
}

type Work<T> = (sql: SqlSession, signal: AbortSignal) => Promise<T>;

interface RunContext {
  /** Index of the statement being run, for ErrorDetail.statement_index. */
  statementIndex: number;
  timedOut: boolean;
}

const CANCELED_BY_USER = "canceling statement due to user request";

/** The part of a grpc-js server call that tells whether the client went away. */
interface CancellableCall {
  readonly cancelled: boolean;
  on(event: "cancelled", listener: () => void): unknown;
}

const NEVER_CANCELLED: CancellableCall = { cancelled: false, on: () => undefined };

function txStatus(sql: SqlSession): TransactionStatus {
  switch (sql.transactionStatus()) {
    case "idle":
      return TransactionStatus.TRANSACTION_STATUS_IDLE;
    case "inTransaction":
      return TransactionStatus.TRANSACTION_STATUS_IN_TRANSACTION;
    case "failed":
      return TransactionStatus.TRANSACTION_STATUS_FAILED;
  }
}

/** Rejects with the signal's reason once it fires (never resolves). */
function rejectOnAbort(signal: AbortSignal): Promise<never> {
  const p = new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
  p.catch(() => undefined);
  return p;
}

/** An engine that stopped for our signal may throw something generic; report why it stopped. */
function stopReason(e: unknown, signal: AbortSignal): unknown {
  if (signal.aborted && !(e instanceof KodiakError && e.code === SqlState.queryCanceled)) {
    const reason: unknown = signal.reason;
    if (reason instanceof KodiakError) return reason;
  }
  return e;
}

/** Parses PostgreSQL's statement_timeout forms: "0", "5000", "5s", "250ms", "1min". */
export function parseTimeoutMs(text: string | undefined): number {
  if (text === undefined) return 0;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|min|h)?\s*$/.exec(text);
  if (m === null) return 0;
  const n = Number(m[1]);
  const unit = m[2] ?? "ms";
  const factor = unit === "ms" ? 1 : unit === "s" ? 1000 : unit === "min" ? 60_000 : 3_600_000;
  return Math.floor(n * factor);
}

function noticesOf(r: StatementResult) {
  return (r.notices ?? []).map((n) => ({ severity: n.severity, code: n.code, message: n.message }));
}

function unsupportedCopy(r: StatementResult): void {
  if (r.copyIn !== undefined) {
    r.copyIn.sink.abort("COPY FROM STDIN is not supported over the gRPC API");
    throw new KodiakError(SqlState.featureNotSupported, "COPY FROM STDIN is not supported over the gRPC API; use pgwire or a file");
  }
  if (r.copyOut !== undefined) {
    throw new KodiakError(SqlState.featureNotSupported, "COPY TO STDOUT is not supported over the gRPC API; use Query");
  }
}

/** Counters exported as Prometheus metrics (monotonic since start). */
export interface ApiStats {
  callsOk: number;
  callsFailed: number;
  /** Failures by SQLSTATE class (first two characters), e.g. "42", "40", "53". */
  failedByClass: Map<string, number>;
}

/** Distinct SQLSTATE classes tracked in ApiStats.failedByClass (bounded label set). */
export const MAX_TRACKED_ERROR_CLASSES = 64;

export class ApiService {
  readonly stats: ApiStats = { callsOk: 0, callsFailed: 0, failedByClass: new Map() };
  readonly sessions: SessionRegistry;
  readonly admission: AdmissionController;
  readonly coordinatorId: string;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly defaultTimeoutMs: number;
  private readonly cluster: ClusterStatusSource;

  constructor(engine: SqlEngine, options: ApiServiceOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.log = options.log ?? silentLogger;
    this.coordinatorId = options.coordinatorId ?? "coordinator";
    this.sessions = new SessionRegistry(engine, { ...DEFAULT_SESSION_LIMITS, ...options.sessions }, this.clock, this.log);
    this.admission = new AdmissionController({ ...DEFAULT_ADMISSION_LIMITS, ...options.admission }, this.clock);
    this.defaultTimeoutMs = options.defaultStatementTimeoutMs ?? 0;
    this.cluster = options.cluster ?? localClusterStatus;
  }

  async close(): Promise<void> {
    this.admission.close();
    await this.sessions.closeAll();
  }

  /**
   * Runs work on a session (a throwaway one when sessionId is empty) once it is this session's
   * turn and admission grants a slot, under a signal that fires on cancel or timeout.
   */
  private async onSession<T>(sessionId: string, timeoutMs: number, call: CancellableCall, ctx: RunContext, work: Work<T>): Promise<T> {
    const ephemeral = sessionId === "";
    const session: ServerSession = ephemeral
      ? await this.sessions.open({ user: "kodiak", database: "kodiak" }, false)
      : this.sessions.get(sessionId);
    let answer!: { resolve: (v: T) => void; reject: (e: unknown) => void };
    const answered = new Promise<T>((resolve, reject) => {
      answer = { resolve, reject };
    });
    const turn = session.exclusive(async () => {
      const ac = new AbortController();
      let timer: TimerHandle | undefined;
      session.running = ac;
      try {
        // The client may have given up while this call waited for the session.
        if (call.cancelled) throw new KodiakError(SqlState.queryCanceled, CANCELED_BY_USER);
        call.on("cancelled", () => session.cancel(new KodiakError(SqlState.queryCanceled, CANCELED_BY_USER)));
        const limit = timeoutMs > 0 ? timeoutMs : parseTimeoutMs(session.sql.setting("statement_timeout")) || this.defaultTimeoutMs;
        if (limit > 0) {
          timer = this.clock.setTimeout(() => {
            ctx.timedOut = true;
            ac.abort(new KodiakError(SqlState.queryCanceled, "canceling statement due to statement timeout"));
          }, limit);
        }
        const release = await this.admission.acquire(ac.signal);
        try {
          const running = work(session.sql, ac.signal);
          // Answer when the statement ends or is stopped, even if the engine is slow to notice the
          // signal; the session and the admission slot stay taken until the engine is really done.
          Promise.race([running, rejectOnAbort(ac.signal)]).then(answer.resolve, (e: unknown) => answer.reject(stopReason(e, ac.signal)));
          await running.catch(() => undefined);
        } finally {
          release();
        }
      } catch (e) {
        answer.reject(stopReason(e, ac.signal));
      } finally {
        timer?.cancel();
        session.running = undefined;
        session.lastUsedMs = this.clock.monotonicMs();
      }
    });
    const done = turn.catch((e: unknown) => answer.reject(e));
    if (ephemeral) {
      done
        .then(() => this.sessions.closeEphemeral(session))
        .catch((e: unknown) => this.log.warn({ err: String(e) }, "closing a one-call session failed"));
    }
    return answered;
  }

  private async runStatements(sql: SqlSession, text: string, params: Value[], signal: AbortSignal, ctx: RunContext) {
    const out: StatementResult[] = [];
    if (params.length > 0) {
      const stmt = await sql.prepare(
        text,
        params.map((p) => paramTypeOid(p)),
      );
      const values = params.map((p, i) => {
        const type = stmt.paramTypes[i];
        if (type === undefined)
          throw new KodiakError(SqlState.protocolViolation, `statement takes ${stmt.paramTypes.length} parameters, ${params.length} given`);
        return bindParam(p, type, sql);
      });
      if (stmt.paramTypes.length !== params.length) {
        throw new KodiakError(SqlState.protocolViolation, `statement takes ${stmt.paramTypes.length} parameters, ${params.length} given`);
      }
      out.push(await sql.execute(stmt, values, { signal }));
      return out;
    }
    for await (const r of sql.run(text, { signal })) {
      unsupportedCopy(r);
      out.push(r);
      ctx.statementIndex++;
    }
    return out;
  }

  private toResultMsg(sql: SqlSession, r: StatementResult, maxRows: number): StatementResultMsg {
    const columns = r.columns ?? [];
    const rows = r.rows ?? [];
    if (rows.length > maxRows) {
      throw new KodiakError(SqlState.programLimitExceeded, `result has more than ${maxRows} rows; use Query to stream it`);
    }
    const hasRows = r.columns !== undefined;
    return {
      command: r.command,
      rowsAffected: r.rowCount,
      columns: columns.map((c) => ({ name: c.name, type: c.type })),
      arrowIpc: hasRows ? Buffer.from(encodeArrowIpc(columns, rows, (v, t) => sql.formatText(v, t))) : Buffer.alloc(0),
      hasRows,
      notices: noticesOf(r),
    };
  }

  private async execute(req: ExecuteRequest, call: CancellableCall, ctx: RunContext): Promise<ExecuteResponse> {
    const maxRows = req.maxRows > 0 ? Math.min(req.maxRows, MAX_EXECUTE_ROWS) : MAX_EXECUTE_ROWS;
    return this.onSession(req.sessionId, req.timeoutMs, call, ctx, async (sql, signal) => {
      const results = await this.runStatements(sql, req.sql, req.params, signal, ctx);
      return { results: results.map((r) => this.toResultMsg(sql, r, maxRows)), transactionStatus: txStatus(sql) };
    });
  }

  private async query(call: ServerWritableStream<QueryRequest, QueryResponse>, ctx: RunContext): Promise<void> {
    const req = call.request;
    const batchRows = Math.min(req.batchRows > 0 ? req.batchRows : DEFAULT_BATCH_ROWS, MAX_BATCH_ROWS);
    await this.onSession(req.sessionId, req.timeoutMs, call, ctx, async (sql, signal) => {
      const results = await this.runStatements(sql, req.sql, req.params, signal, ctx);
      if (results.length !== 1) {
        throw new KodiakError(SqlState.syntaxError, "Query runs exactly one statement; use Execute for several");
      }
      const r = results[0]!;
      const columns = r.columns ?? [];
      await this.write(call, { header: { columns: columns.map((c) => ({ name: c.name, type: c.type })) } }, signal);
      if (r.columns !== undefined) {
        // At least one batch, so even an empty result carries its Arrow schema.
        const rows = r.rows ?? [];
        let i = 0;
        do {
          if (signal.aborted) throw signal.reason;
          const chunk = encodeArrowIpc(columns, rows.slice(i, i + batchRows), (v, t) => sql.formatText(v, t));
          await this.write(call, { arrowIpc: Buffer.from(chunk) }, signal);
          i += batchRows;
        } while (i < rows.length);
      }
      await this.write(
        call,
        { complete: { command: r.command, rowsAffected: r.rowCount, transactionStatus: txStatus(sql), notices: noticesOf(r) } },
        signal,
      );
    });
  }

  /** CopyIn: a COPY ... FROM STDIN fed from the client stream; the half-close ends the data. */
  private async copyIn(call: ServerReadableStream<CopyInRequest, CopyInResponse>, ctx: RunContext): Promise<CopyInResponse> {
    const { start, data } = await readCopyInStart(call);
    if (!isCopyFromStdin(start.sql)) throw new KodiakError(SqlState.syntaxError, "CopyIn runs one COPY ... FROM STDIN statement");
    return this.onSession(start.sessionId, start.timeoutMs, call, ctx, async (sql, signal) => {
      let copied: number | undefined;
      for await (const r of sql.run(start.sql, { signal })) {
        if (r.copyIn === undefined) continue;
        const sink = r.copyIn.sink;
        try {
          for await (const chunk of data) {
            if (signal.aborted) throw signal.reason;
            sink.write(chunk);
          }
          // A cancelled call ends its stream too: that is not the end of the data.
          if (call.cancelled || signal.aborted) throw signal.reason ?? new KodiakError(SqlState.queryCanceled, CANCELED_BY_USER);
        } catch (e) {
          sink.abort(e instanceof Error ? e.message : String(e));
          throw e;
        }
        copied = await sink.finish();
      }
      if (copied === undefined) throw new KodiakError(SqlState.syntaxError, "CopyIn runs one COPY ... FROM STDIN statement");
      return { rowsCopied: copied, transactionStatus: txStatus(sql) };
    });
  }

  /** CopyOut: a COPY ... TO STDOUT streamed as data chunks. */
  private async copyOut(call: ServerWritableStream<CopyOutRequest, CopyOutResponse>, ctx: RunContext): Promise<void> {
    const req = call.request;
    if (!isCopyToStdout(req.sql)) throw new KodiakError(SqlState.syntaxError, "CopyOut runs one COPY ... TO STDOUT statement");
    await this.onSession(req.sessionId, req.timeoutMs, call, ctx, async (sql, signal) => {
      let sent = false;
      for await (const r of sql.run(req.sql, { signal })) {
        if (r.copyOut === undefined) continue;
        sent = true;
        await this.write(call, { header: { format: r.copyOut.format, columnCount: r.copyOut.columnCount } }, signal);
        for await (const chunk of r.copyOut.data) await this.write(call, { data: Buffer.from(chunk) }, signal);
        await this.write(call, { complete: { rowsCopied: r.rowCount, transactionStatus: txStatus(sql) } }, signal);
      }
      if (!sent) throw new KodiakError(SqlState.syntaxError, "CopyOut runs one COPY ... TO STDOUT statement");
    });
  }

  /** Writes one message, waiting (bounded) for the client to drain when gRPC's buffer is full. */
  private write<M>(call: ServerWritableStream<unknown, M>, msg: M, signal: AbortSignal): Promise<void> {
    // Stopped (cancel, timeout) or the call already ended: nobody reads any more.
    if (signal.aborted) return Promise.reject(signal.reason);
    if (call.cancelled || call.writableEnded || call.destroyed) {
      return Promise.reject(new KodiakError(SqlState.queryCanceled, "canceling statement: the call ended"));
    }
    if (call.write(msg)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (e?: unknown) => {
        timer.cancel();
        call.off("drain", onDrain);
        signal.removeEventListener("abort", onAbort);
        if (e === undefined) resolve();
        else reject(e);
      };
      const onDrain = () => done();
      const onAbort = () => done(signal.reason);
      const timer = this.clock.setTimeout(
        () => done(new KodiakError(SqlState.queryCanceled, "canceling statement: the client stopped reading results")),
        STREAM_DRAIN_TIMEOUT_MS,
      );
      call.on("drain", onDrain);
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  private async transaction(sessionId: string, sqlText: string, expectTag?: string): Promise<TransactionResponse> {
    if (sessionId === "") throw new KodiakError(SqlState.invalidTransactionState, "transactions need a session id");
    const ctx: RunContext = { statementIndex: 0, timedOut: false };
    return this.onSession(sessionId, 0, NEVER_CANCELLED, ctx, async (sql, signal) => {
      let tag = "";
      for await (const r of sql.run(sqlText, { signal })) tag = r.command;
      if (expectTag !== undefined && tag !== expectTag) {
        throw new KodiakError(SqlState.serializationFailure, "the transaction was rolled back because an earlier statement failed", {
          detail: `COMMIT ended as ${tag}`,
        });
      }
      return { transactionStatus: txStatus(sql) };
    });
  }

  /** The grpc-js handler table. */
  handlers(): KodiakServer {
    const unary =
      <Req, Res>(fn: (call: ServerUnaryCall<Req, Res>, ctx: RunContext) => Promise<Res>) =>
      (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
        const ctx: RunContext = { statementIndex: 0, timedOut: false };
        fn(call, ctx).then(
          (res) => {
            this.stats.callsOk++;
            callback(null, res);
          },
          (e: unknown) => {
            this.logFailure(e);
            callback(toServiceError(e, ctx.statementIndex, ctx.timedOut));
          },
        );
      };
    return {
      openSession: unary<OpenSessionRequest, OpenSessionResponse>(async (call) => {
        const r = call.request;
        const s = await this.sessions.open({ user: r.user || "kodiak", database: r.database || "kodiak", settings: r.settings });
        return { sessionId: s.id, idleTimeoutMs: this.sessions.idleTimeoutMs, coordinatorId: this.coordinatorId };
      }),
      closeSession: unary<CloseSessionRequest, CloseSessionResponse>(async (call) => {
        await this.sessions.close(call.request.sessionId);
        return {};
      }),
      execute: unary<ExecuteRequest, ExecuteResponse>((call, ctx) => this.execute(call.request, call, ctx)),
      query: (call: ServerWritableStream<QueryRequest, QueryResponse>) => this.serverStream(call, (ctx) => this.query(call, ctx)),
      beginTransaction: unary<BeginTransactionRequest, TransactionResponse>((call) => {
        const r = call.request;
        const level =
          r.isolation === IsolationLevel.ISOLATION_LEVEL_READ_COMMITTED
            ? " ISOLATION LEVEL READ COMMITTED"
            : r.isolation === IsolationLevel.ISOLATION_LEVEL_REPEATABLE_READ
              ? " ISOLATION LEVEL REPEATABLE READ"
              : r.isolation === IsolationLevel.ISOLATION_LEVEL_SERIALIZABLE
                ? " ISOLATION LEVEL SERIALIZABLE"
                : "";
        return this.transaction(r.sessionId, `BEGIN${level}${r.readOnly ? " READ ONLY" : ""}`);
      }),
      commitTransaction: unary<SessionRequest, TransactionResponse>((call) => this.transaction(call.request.sessionId, "COMMIT", "COMMIT")),
      rollbackTransaction: unary<SessionRequest, TransactionResponse>((call) => this.transaction(call.request.sessionId, "ROLLBACK")),
      cancel: unary<CancelRequest, CancelResponse>(async (call) => {
        const s = this.sessions.find(call.request.sessionId);
        return { cancelled: s?.cancel(new KodiakError(SqlState.queryCanceled, CANCELED_BY_USER)) ?? false };
      }),
      clusterStatus: unary<ClusterStatusRequest, ClusterStatusResponse>(() => this.clusterStatus()),
      copyIn: (call: ServerReadableStream<CopyInRequest, CopyInResponse>, callback: sendUnaryData<CopyInResponse>) => {
        const ctx: RunContext = { statementIndex: 0, timedOut: false };
        this.copyIn(call, ctx).then(
          (res) => {
            this.stats.callsOk++;
            callback(null, res);
          },
          (e: unknown) => {
            this.logFailure(e);
            callback(toServiceError(e, ctx.statementIndex, ctx.timedOut));
          },
        );
      },
      copyOut: (call: ServerWritableStream<CopyOutRequest, CopyOutResponse>) => this.serverStream(call, (ctx) => this.copyOut(call, ctx)),
    };
  }

  async clusterStatus(): Promise<ClusterStatusResponse> {
    const info = await this.cluster.clusterStatus(AbortSignal.timeout(CLUSTER_STATUS_TIMEOUT_MS));
    const roles = {
      leader: NodeRole.NODE_ROLE_LEADER,
      follower: NodeRole.NODE_ROLE_FOLLOWER,
      candidate: NodeRole.NODE_ROLE_CANDIDATE,
      learner: NodeRole.NODE_ROLE_LEARNER,
      unknown: NodeRole.NODE_ROLE_UNKNOWN,
    } as const;
    return ClusterStatusResponse.fromPartial({
      coordinatorId: this.coordinatorId,
      leaderId: info.leaderId,
      term: info.term,
      ready: info.ready,
      nodes: [...info.nodes]
        .sort((a, b) => a.id - b.id)
        .map((n) => ({
          id: n.id,
          address: n.address,
          role: roles[n.role],
          term: n.term,
          commitIndex: n.commitIndex,
          appliedIndex: n.appliedIndex,
          lagEntries: n.lagEntries,
          reachable: n.reachable,
          lastContactMsAgo: n.lastContactMsAgo,
          region: n.region ?? "",
        })),
      openSessions: this.sessions.size,
      runningStatements: this.admission.runningCount,
    });
  }

  /** Runs a server-streaming call: ends the stream on success, emits the error status on failure. */
  private serverStream<Res>(call: ServerWritableStream<unknown, Res>, run: (ctx: RunContext) => Promise<void>): void {
    const ctx: RunContext = { statementIndex: 0, timedOut: false };
    run(ctx).then(
      () => {
        this.stats.callsOk++;
        call.end();
      },
      (e: unknown) => {
        this.logFailure(e);
        call.emit("error", toServiceError(e, ctx.statementIndex, ctx.timedOut));
      },
    );
  }

  private logFailure(e: unknown): void {
    const err = toKodiakError(e);
    this.stats.callsFailed++;
    const cls = err.code.slice(0, 2);
    if (this.stats.failedByClass.has(cls) || this.stats.failedByClass.size < MAX_TRACKED_ERROR_CLASSES) {
      this.stats.failedByClass.set(cls, (this.stats.failedByClass.get(cls) ?? 0) + 1);
    }
    if (err.code.startsWith("XX"))
      this.log.error({ code: err.code, err: err.message, stack: e instanceof Error ? e.stack : undefined }, "internal error");
    else this.log.debug({ code: err.code, err: err.message }, "statement failed");
  }
}
