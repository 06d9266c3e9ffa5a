// Node side of the SqlHost service: runs a coordinator's session on this node's SQL engine, one
// bidirectional stream per session. Calls run one at a time in arrival order; cancel and COPY
// data are handled while a call runs. When the stream ends the session is closed (rolled back).

import { type ServerDuplexStream, type ServerUnaryCall, type sendUnaryData, status } from "@grpc/grpc-js";
import type { ReadIndexRequest, ReadIndexResponse, SessionRequest, SessionResponse, SqlHostServer } from "../../proto/gen/sqlhost.js";
import type { CopyInSink, PreparedStatement, ResultColumn, SqlEngine, SqlSession, SqlType, StatementResult } from "../../sql/index.js";
import { KodiakError, type Logger, SqlState, toKodiakError } from "../../util/index.js";
import { DEFAULT_SETTINGS, durationSettingMs, READ_ONLY_SETTINGS } from "../../sql/engine/settings.js";
import type { StalenessGate } from "./staleness-gate.js";
import { decodeParams, encodeRows } from "./value-codec.js";

/** Settings a PostgreSQL client is told about (ParameterStatus), mirrored to the coordinator. */
export const REPORTED_SETTINGS = [
  "application_name",
  "client_encoding",
  "DateStyle",
  "IntervalStyle",
  "TimeZone",
  "integer_datetimes",
  "is_superuser",
  "server_encoding",
  "server_version",
  "session_authorization",
  "standard_conforming_strings",
] as const;

/**
 * Settings mirrored to the coordinator (Done.session_settings) and replayed when a session moves
 * to another node: every changeable setting the engine knows (server-fixed ones are left out).
 */
export const SESSION_SETTINGS: readonly string[] = Object.keys(DEFAULT_SETTINGS).filter((n) => !READ_ONLY_SETTINGS.has(n));

/** Setting telling which node serves a session (SHOW kodiak.node_id); set by the node, never replayed. */
export const NODE_ID_SETTING = "kodiak.node_id";

/** Bound on statements prepared on one session. */
export const MAX_PREPARED_PER_SESSION = 10_000;
/** Bound on calls queued behind the running one (a well-behaved coordinator sends one at a time). */
const MAX_QUEUED_CALLS = 64;

export interface LeaderInfo {
  isLeader: boolean;
  leaderId: number;
  leaderAddress: string;
}

type Call = ServerDuplexStream<SessionRequest, SessionResponse>;

/** What a node needs to host bounded-stale sessions (any role). */
export interface StaleReads {
  /** The SQL engine without the linearizable barrier. */
  engine: SqlEngine;
  gate: StalenessGate;
  /** Leader only: a ReadIndex barrier, then the applied index. */
  readIndex(): Promise<number>;
}

export interface HostOptions {
  engine: SqlEngine;
  leader: () => LeaderInfo;
  logger: Logger;
  nodeId: number;
  stale?: StaleReads;
}

export function sqlHostService(o: HostOptions): SqlHostServer {
  return {
    session(call: Call) {
      new HostedSession(call, o).start();
    },
    readIndex(_call: ServerUnaryCall<ReadIndexRequest, ReadIndexResponse>, callback: sendUnaryData<ReadIndexResponse>) {
      if (o.stale === undefined) {
        callback({ code: status.UNIMPLEMENTED, details: "this node does not serve stale reads" });
        return;
      }
      o.stale.readIndex().then(
        (index) => callback(null, { index }),
        (e: unknown) => callback({ code: status.FAILED_PRECONDITION, details: toKodiakError(e).message }),
      );
    },
  };
}

/** The session's max_staleness in ms (the default when unset or malformed). */
function maxStalenessMs(session: SqlSession): number {
  return durationSettingMs(session.setting("max_staleness") ?? "") ?? (durationSettingMs(DEFAULT_SETTINGS.max_staleness ?? "5s") as number);
}

const typeToProto = (t: SqlType) => ({ name: t.name, oid: t.oid, typmod: t.typmod });
const columnsToProto = (cs: readonly ResultColumn[] | undefined) => (cs ?? []).map((c) => ({ name: c.name, type: typeToProto(c.type) }));

class HostedSession {
  private session: SqlSession | undefined;
  private readonly prepared = new Map<number, PreparedStatement>();
  private nextStatementId = 1;
  private queue: Promise<void> = Promise.resolve();
  private queued = 0;
  private running:
    | { callId: number; abort: AbortController; copy?: CopyInSink; copyDone?: (ok: boolean, reason?: string) => void }
    | undefined;
  private ended = false;
  /** Opened for bounded-stale reads (OpenSession.stale_reads). */
  private stale = false;
  /** Settings as last sent to the coordinator (Done sends only what changed). */
  private readonly sentReported = new Map<string, string>();
  private readonly sentSession = new Map<string, string>();
  /** The last plain Result of the running call, held back to carry the call's Done (done_after). */
  private held: SessionResponse | undefined;
  private readonly leader: () => LeaderInfo;
  private readonly logger: Logger;

  constructor(
    private readonly call: Call,
    private readonly o: HostOptions,
  ) {
    this.leader = o.leader;
    this.logger = o.logger;
  }

  start(): void {
    this.call.on("data", (req: SessionRequest) => this.onRequest(req));
    const end = () => this.end();
    this.call.on("end", end);
    this.call.on("cancelled", end);
    this.call.on("error", end);
  }

  private send(r: SessionResponse): void {
    this.flushHeld();
    if (!this.ended) this.call.write(r);
  }

  private flushHeld(): void {
    const h = this.held;
    this.held = undefined;
    if (h !== undefined && !this.ended) this.call.write(h);
  }

  /** Entries of `current` whose value differs from what was last sent (recorded as sent). */
  private static changed(current: Record<string, string>, sent: Map<string, string>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const k in current) {
      const v = current[k] as string;
      if (sent.get(k) !== v) {
        out[k] = v;
        sent.set(k, v);
      }
    }
    return out;
  }

  private onRequest(req: SessionRequest): void {
    const r = this.running;
    if (req.cancel !== undefined) {
      if (r !== undefined && r.callId === req.cancel)
        r.abort.abort(new KodiakError(SqlState.queryCanceled, "canceling statement due to user request"));
      return;
    }
    if (req.copyData !== undefined) {
      if (r?.copy !== undefined && r.callId === req.callId) r.copy.write(req.copyData.data);
      return;
    }
    if (req.copyDone !== undefined || req.copyFail !== undefined) {
      if (r?.copyDone !== undefined && r.callId === req.callId) r.copyDone(req.copyDone !== undefined, req.copyFail?.reason);
      return;
    }
    if (this.queued >= MAX_QUEUED_CALLS) {
      this.sendError(req.callId, new KodiakError(SqlState.programLimitExceeded, "too many calls queued on one session"));
      return;
    }
    this.queued++;
    this.queue = this.queue.then(async () => {
      this.queued--;
      if (this.ended) return;
      try {
        await this.handle(req);
      } catch (e) {
        this.sendError(req.callId, toKodiakError(e));
      }
      this.sendDone(req.callId);
    });
  }

  private sendError(callId: number, e: KodiakError): void {
    const l = this.leader();
    this.send({
      callId,
      error: {
        code: e.code,
        message: e.message,
        position: e.position ?? 0,
        detail: e.detail ?? "",
        hint: e.hint ?? "",
        leaderId: l.isLeader ? 0 : l.leaderId,
        leaderAddress: l.isLeader ? "" : l.leaderAddress,
      },
    });
  }

  private sendDone(callId: number, rowCount = 0): void {
    const s = this.session;
    let settings: Record<string, string> = {};
    let sessionSettings: Record<string, string> = {};
    if (s !== undefined) {
      const reported: Record<string, string> = {};
      for (const name of REPORTED_SETTINGS) {
        const v = s.setting(name);
        if (v !== undefined) reported[name] = v;
      }
      settings = HostedSession.changed(reported, this.sentReported);
      // The coordinator replays the whole set, so any change sends all of it.
      const all: Record<string, string> = {};
      for (const name of SESSION_SETTINGS) {
        const v = s.setting(name);
        if (v !== undefined) all[name] = v;
      }
      if (Object.keys(HostedSession.changed(all, this.sentSession)).length > 0) sessionSettings = all;
    }
    const done = { transactionStatus: s?.transactionStatus() ?? "idle", settings, rowCount, sessionSettings };
    const h = this.held;
    this.held = undefined;
    if (h !== undefined && h.callId === callId) {
      if (!this.ended) this.call.write({ ...h, doneAfter: done });
      return;
    }
    if (h !== undefined && !this.ended) this.call.write(h);
    this.send({ callId, done });
  }

  private requireSession(): SqlSession {
    if (this.session === undefined) throw new KodiakError(SqlState.protocolViolation, "the session was not opened");
    return this.session;
  }

  private async handle(req: SessionRequest): Promise<void> {
    if (req.open !== undefined) {
      const settings = { ...req.open.settings, [NODE_ID_SETTING]: String(this.o.nodeId) };
      if (req.open.staleReads) {
        if (this.o.stale === undefined) throw new KodiakError(SqlState.featureNotSupported, "this node does not serve stale reads");
        if (this.session !== undefined) throw new KodiakError(SqlState.protocolViolation, "the session is already open");
        this.stale = true;
        this.session = await this.o.stale.engine.openSession({ user: req.open.user, database: req.open.database, settings });
        return;
      }
      const l = this.leader();
      if (!l.isLeader) {
        throw new KodiakError(
          SqlState.cannotConnectNow,
          l.leaderId === 0 ? "no leader is known (election in progress)" : `not the leader; the leader is node ${l.leaderId}`,
        );
      }
      if (this.session !== undefined) throw new KodiakError(SqlState.protocolViolation, "the session is already open");
      this.session = await this.o.engine.openSession({ user: req.open.user, database: req.open.database, settings });
      return;
    }
    const session = this.requireSession();
    const abort = new AbortController();
    this.running = { callId: req.callId, abort };
    try {
      if (this.stale && (req.run !== undefined || req.execute !== undefined)) await this.checkStaleness(session, req.callId);
      if (req.run !== undefined) await this.run(session, req.callId, req.run.sql, abort.signal);
      else if (req.prepare !== undefined) await this.prepare(session, req.callId, req.prepare.sql, req.prepare.paramTypeOids);
      else if (req.execute !== undefined) {
        const stmt = this.prepared.get(req.execute.statementId);
        if (stmt === undefined)
          throw new KodiakError(SqlState.invalidSqlStatementName, `prepared statement ${req.execute.statementId} does not exist`);
        const r = await session.execute(stmt, decodeParams(req.execute.paramsJson), { signal: abort.signal });
        await this.sendResult(req.callId, r);
      } else throw new KodiakError(SqlState.protocolViolation, "empty SQL host request");
    } finally {
      this.running = undefined;
    }
  }

  /** A stale-reads session reads only data proven within its bound (else 57P03: run it on the leader). */
  private async checkStaleness(session: SqlSession, callId: number): Promise<void> {
    const gate = this.o.stale?.gate;
    if (gate === undefined || session.transactionStatus() !== "idle") return;
    const p = await gate.check(maxStalenessMs(session));
    this.send({ callId, staleRead: { nodeId: p.nodeId, appliedIndex: p.appliedIndex, stalenessMs: p.stalenessMs } });
  }

  private async run(session: SqlSession, callId: number, sql: string, signal: AbortSignal): Promise<void> {
    for await (const r of session.run(sql, { signal })) await this.sendResult(callId, r);
  }

  private async prepare(session: SqlSession, callId: number, sql: string, oids: number[]): Promise<void> {
    if (this.prepared.size >= MAX_PREPARED_PER_SESSION) {
      throw new KodiakError(SqlState.programLimitExceeded, `more than ${MAX_PREPARED_PER_SESSION} prepared statements on one session`);
    }
    const p = await session.prepare(sql, oids);
    const id = this.nextStatementId++;
    this.prepared.set(id, p);
    this.send({
      callId,
      prepared: {
        statementId: id,
        paramTypes: p.paramTypes.map(typeToProto),
        columns: columnsToProto(p.columns),
        hasColumns: p.columns !== undefined,
      },
    });
  }

  private async sendResult(callId: number, r: StatementResult): Promise<void> {
    const base = {
      command: r.command,
      rowCount: r.rowCount,
      hasRows: r.rows !== undefined,
      columns: columnsToProto(r.columns),
      rowsJson: r.rows !== undefined ? encodeRows(r.rows) : Buffer.alloc(0),
      notices: r.notices ?? [],
      copyInFormat: "",
      copyColumns: 0,
      copyOutFormat: "",
      copyOutData: Buffer.alloc(0),
      copyOutEnd: false,
    };
    if (r.copyIn !== undefined) {
      const { sink, format, columnCount } = r.copyIn;
      const running = this.running;
      const finished = new Promise<{ ok: boolean; reason?: string }>((resolve) => {
        if (running !== undefined) {
          running.copy = sink;
          running.copyDone = (ok, reason) => resolve(reason === undefined ? { ok } : { ok, reason });
        }
      });
      this.send({ callId, result: { ...base, copyInFormat: format, copyColumns: columnCount } });
      const outcome = await finished;
      if (!outcome.ok) {
        sink.abort(outcome.reason ?? "COPY failed");
        throw new KodiakError(SqlState.queryCanceled, `COPY from stdin failed: ${outcome.reason ?? "client gave up"}`);
      }
      const n = await sink.finish();
      this.send({ callId, result: { ...base, command: "COPY", rowCount: n } });
      return;
    }
    if (r.copyOut !== undefined) {
      this.send({ callId, result: { ...base, copyOutFormat: r.copyOut.format, copyColumns: r.copyOut.columnCount } });
      for await (const chunk of r.copyOut.data)
        this.send({ callId, result: { ...base, copyOutFormat: r.copyOut.format, copyOutData: Buffer.from(chunk) } });
      this.send({ callId, result: { ...base, copyOutFormat: r.copyOut.format, copyOutEnd: true } });
      return;
    }
    this.flushHeld();
    this.held = { callId, result: base };
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.running?.abort.abort(new KodiakError(SqlState.queryCanceled, "the coordinator went away"));
    this.running?.copyDone?.(false, "the coordinator went away");
    const s = this.session;
    this.session = undefined;
    if (s !== undefined) {
      s.close().catch((e: unknown) => this.logger.warn({ err: String(e) }, "closing a hosted session failed"));
    }
    try {
      this.call.end();
    } catch {
      // already closed by the peer
    }
  }
}
