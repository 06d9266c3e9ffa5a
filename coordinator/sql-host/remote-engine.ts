// Coordinator side of SqlHost: an SqlEngine whose sessions run on the Raft leader's SQL engine,
// one bidirectional stream per session. Finds the leader (following not-leader hints), and when
// leadership moves while a session is idle, reconnects it to the new leader on its next call,
// replaying the session's settings (the node mirrors them in Done.session_settings). Values are
// formatted locally.
//
// Bounded-stale reads (SET read_consistency = 'stale'): a read-only autocommit statement runs on a
// second stream opened on the nearest follower, which proves its data is within max_staleness
// before running it. Whenever the follower cannot (57P03: leader unreachable, replica behind, or
// the statement tried to write), does not answer in time, or is gone, the statement runs on the
// leader instead, so a stale session never fails because of its follower. Everything else (SET,
// DDL, DML, explicit transactions) runs on the leader, as a read/write-splitting proxy does.

import * as grpc from "@grpc/grpc-js";
import { type SessionRequest, type SessionResponse, SqlHostClient } from "../../proto/gen/sqlhost.js";
import {
  type CopyInSink,
  type ExecuteOptions,
  formatSqlValueText,
  parseSqlValueText,
  type PreparedStatement,
  type ResultColumn,
  type SessionOptions,
  type SqlEngine,
  type SqlSession,
  type SqlType,
  type SqlValue,
  type StatementResult,
  type TransactionStatus,
} from "../../sql/index.js";
import { type Clock, KodiakError, type Logger, SqlState, systemClock } from "../../util/index.js";
import { isStaleReadCandidate } from "./stale-read-routing.js";
import { decodeRows, encodeParams } from "./value-codec.js";

/** Bound on finding a leader and opening a session there. */
export const CONNECT_TIMEOUT_MS = 10_000;
/** Bound on one node answering a session open. */
const OPEN_ATTEMPT_MS = 2000;
const RETRY_PAUSE_MS = 100;
/** Bound on a follower passing its staleness check (its own bounds are 1 s + 1 s). */
const FOLLOWER_GATE_MS = 2500;
/** How long a follower that failed to answer is skipped for stale reads. */
const FOLLOWER_SUSPECT_MS = 10_000;
/** Bound on responses buffered for one call (rows arrive per statement, so this stays small). */
const MAX_BUFFERED_RESPONSES = 10_000;
const GRPC_CHANNEL_OPTIONS = { "grpc.max_receive_message_length": 256 * 1024 * 1024, "grpc.max_send_message_length": 256 * 1024 * 1024 };

export interface RemoteEngineOptions {
  /** Node id -> host:port of each node's gRPC server. */
  nodes: Map<number, string>;
  clock?: Clock;
  logger: Logger;
}

type Stream = grpc.ClientDuplexStream<SessionRequest, SessionResponse>;

/** The responses of one call, in order, with waiters. */
class CallQueue {
  private readonly items: SessionResponse[] = [];
  private waiter: ((r: SessionResponse | KodiakError) => void) | undefined;
  private failure: KodiakError | undefined;

  push(r: SessionResponse): void {
    if (this.waiter !== undefined) {
      const w = this.waiter;
      this.waiter = undefined;
      w(r);
      return;
    }
    if (this.items.length >= MAX_BUFFERED_RESPONSES) {
      this.fail(new KodiakError(SqlState.programLimitExceeded, "too many responses buffered for one call"));
      return;
    }
    this.items.push(r);
  }

  fail(e: KodiakError): void {
    this.failure = e;
    const w = this.waiter;
    this.waiter = undefined;
    w?.(e);
  }

  /** The next response; with timeout (ms), fails with 57014 when none arrives in time. */
  async next(timeout?: { ms: number; clock: Clock }): Promise<SessionResponse> {
    const head = this.items.shift();
    if (head !== undefined) return head;
    if (this.failure !== undefined) throw this.failure;
    const r = await new Promise<SessionResponse | KodiakError>((resolve) => {
      if (timeout === undefined) {
        this.waiter = resolve;
        return;
      }
      const waiter = (x: SessionResponse | KodiakError) => {
        t.cancel();
        resolve(x);
      };
      const t = timeout.clock.setTimeout(() => {
        if (this.waiter !== waiter) return;
        this.waiter = undefined;
        resolve(new KodiakError(SqlState.queryCanceled, `no answer within ${timeout.ms} ms`));
      }, timeout.ms);
      this.waiter = waiter;
    });
    if (r instanceof KodiakError) throw r;
    return r;
  }
}

class Connection {
  private nextCallId = 1;
  private readonly calls = new Map<number, CallQueue>();
  broken: KodiakError | undefined;
  /** The Done that answered the session open: the session's settings as the node has them. */
  opened: SessionResponse | undefined;

  constructor(
    readonly address: string,
    private readonly stream: Stream,
  ) {
    stream.on("data", (r: SessionResponse) => {
      const q = this.calls.get(r.callId);
      if (q === undefined) return;
      if (r.doneAfter === undefined) {
        q.push(r);
        return;
      }
      // A Result carrying its call's Done: two responses in order.
      const { doneAfter, ...rest } = r;
      q.push(rest);
      q.push({ callId: r.callId, done: doneAfter });
    });
    const lost = (why: string) => {
      this.broken ??= new KodiakError(SqlState.connectionFailure, `lost the session on node ${address}: ${why}`);
      for (const q of this.calls.values()) q.fail(this.broken);
    };
    stream.on("error", (e: Error) => lost(e.message));
    stream.on("end", () => lost("the node closed the stream"));
  }

  call(req: Omit<SessionRequest, "callId">): { id: number; responses: CallQueue } {
    if (this.broken !== undefined) throw this.broken;
    const id = this.nextCallId++;
    const responses = new CallQueue();
    this.calls.set(id, responses);
    this.stream.write({ ...req, callId: id } as SessionRequest);
    return { id, responses };
  }

  send(req: SessionRequest): void {
    if (this.broken === undefined) this.stream.write(req);
  }

  finish(id: number): void {
    this.calls.delete(id);
  }

  close(): void {
    this.broken ??= new KodiakError(SqlState.connectionFailure, "session closed");
    this.stream.end();
  }
}

function errorOf(r: SessionResponse): KodiakError & { leaderAddress?: string } {
  const e = r.error;
  if (e === undefined) return new KodiakError(SqlState.protocolViolation, "unexpected SQL host response");
  const fields: { position?: number; detail?: string; hint?: string } = {};
  if (e.position > 0) fields.position = e.position;
  if (e.detail !== "") fields.detail = e.detail;
  if (e.hint !== "") fields.hint = e.hint;
  const err: KodiakError & { leaderAddress?: string } = new KodiakError(e.code, e.message, fields);
  if (e.leaderAddress !== "") err.leaderAddress = e.leaderAddress;
  return err;
}

const typeOf = (t: { name: string; oid: number; typmod: number } | undefined): SqlType => ({
  name: t?.name ?? "text",
  oid: t?.oid ?? 25,
  typmod: t?.typmod ?? -1,
});
const columnsOf = (cs: { name: string; type?: { name: string; oid: number; typmod: number } }[]): ResultColumn[] =>
  cs.map((c) => ({ name: c.name, type: typeOf(c.type) }));

/** Counters of bounded-stale reads (coordinator metrics). */
export interface StaleReadStats {
  /** Statements served by a follower. */
  follower: number;
  /** Stale-session reads that ran on the leader because no follower could serve them. */
  leaderFallback: number;
}

export class RemoteSqlEngine implements SqlEngine {
  private readonly clients = new Map<string, SqlHostClient>();
  private leaderHint: string | undefined;
  readonly clock: Clock;
  /** Follower address -> monotonic time until which it is skipped for stale reads. */
  private readonly suspects = new Map<string, number>();
  /** Address -> smoothed session-open round trip (ms): "nearest" replica for stale reads. */
  private readonly rttMs = new Map<string, number>();
  readonly staleStats: StaleReadStats = { follower: 0, leaderFallback: 0 };
  private readonly sessions = new Set<RemoteSession>();

  constructor(private readonly o: RemoteEngineOptions) {
    this.clock = o.clock ?? systemClock;
  }

  async openSession(options: SessionOptions): Promise<SqlSession> {
    const s = new RemoteSession(this, options);
    await s.reconnect();
    this.sessions.add(s);
    return s;
  }

  forget(s: RemoteSession): void {
    this.sessions.delete(s);
  }

  private client(address: string): SqlHostClient {
    let c = this.clients.get(address);
    if (c === undefined) {
      c = new SqlHostClient(address, grpc.credentials.createInsecure(), GRPC_CHANNEL_OPTIONS);
      this.clients.set(address, c);
    }
    return c;
  }

  /** Opens a session stream on the leader: the hinted node first, then every node, until one accepts. */
  async connect(options: SessionOptions): Promise<Connection> {
    const deadline = this.clock.monotonicMs() + CONNECT_TIMEOUT_MS;
    let last: KodiakError = new KodiakError(SqlState.cannotConnectNow, "no node is reachable");
    while (this.clock.monotonicMs() < deadline) {
      const candidates = [...new Set([...(this.leaderHint !== undefined ? [this.leaderHint] : []), ...this.o.nodes.values()])];
      for (const address of candidates) {
        try {
          const conn = await this.tryOpen(address, options);
          this.leaderHint = address;
          return conn;
        } catch (e) {
          last = e instanceof KodiakError ? e : new KodiakError(SqlState.connectionFailure, String(e));
          const hint = (e as { leaderAddress?: string }).leaderAddress;
          if (hint !== undefined && hint !== address) {
            this.leaderHint = hint;
            break;
          }
          if (this.leaderHint === address) this.leaderHint = undefined;
        }
      }
      await new Promise<void>((r) => this.clock.setTimeout(r, RETRY_PAUSE_MS));
    }
    throw new KodiakError(SqlState.cannotConnectNow, `no leader accepted the session within ${CONNECT_TIMEOUT_MS} ms: ${last.message}`, {
      hint: "retry",
    });
  }

  /**
   * Opens a bounded-stale session on the nearest follower that is not suspected (followers ordered
   * by measured round trip); throws when none accepts, and the caller uses the leader.
   */
  async connectFollower(options: SessionOptions): Promise<Connection> {
    const now = this.clock.monotonicMs();
    const candidates = [...this.o.nodes.values()]
      .filter((a) => a !== this.leaderHint && (this.suspects.get(a) ?? 0) <= now)
      .sort((a, b) => (this.rttMs.get(a) ?? 0) - (this.rttMs.get(b) ?? 0));
    let last: unknown = new KodiakError(SqlState.cannotConnectNow, "no follower is available for stale reads");
    for (const address of candidates) {
      try {
        return await this.tryOpen(address, options, true);
      } catch (e) {
        last = e;
        this.suspect(address);
      }
    }
    throw last;
  }

  /** Skips a follower for stale reads for a while (it did not answer, or is gone). */
  suspect(address: string): void {
    this.suspects.set(address, this.clock.monotonicMs() + FOLLOWER_SUSPECT_MS);
  }

  private async tryOpen(address: string, options: SessionOptions, staleReads = false): Promise<Connection> {
    const stream = this.client(address).session();
    const conn = new Connection(address, stream);
    const timer = this.clock.setTimeout(() => stream.cancel(), OPEN_ATTEMPT_MS);
    const started = this.clock.monotonicMs();
    try {
      const { id, responses } = conn.call({
        open: { user: options.user, database: options.database, settings: options.settings ?? {}, staleReads },
      });
      let failure: KodiakError | undefined;
      for (;;) {
        const r = await responses.next();
        if (r.error !== undefined) failure = errorOf(r);
        if (r.done !== undefined) {
          conn.opened = r;
          break;
        }
      }
      conn.finish(id);
      if (failure !== undefined) throw failure;
      const rtt = this.clock.monotonicMs() - started;
      const prev = this.rttMs.get(address);
      this.rttMs.set(address, prev === undefined ? rtt : 0.8 * prev + 0.2 * rtt);
      return conn;
    } catch (e) {
      conn.close();
      throw e;
    } finally {
      timer.cancel();
    }
  }

  async close(): Promise<void> {
    for (const s of [...this.sessions]) await s.close();
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}

interface RemotePrepared extends PreparedStatement {
  readonly paramTypeOids: number[];
  statementId: number;
  connection: Connection | undefined;
  /** Its id on the stale-reads follower stream, if prepared there. */
  follower?: { connection: Connection; statementId: number };
}

/** Where the last statement of a stale session was served (for tests and EXPLAIN-like checks). */
export interface ServedBy {
  nodeId: number;
  stalenessMs: number;
}

class RemoteSession implements SqlSession {
  private conn: Connection | undefined;
  private status: TransactionStatus = "idle";
  private settings: Record<string, string> = {};
  /** The session's settings as the node last reported them; replayed on a new node. */
  private sessionSettings: Record<string, string> = {};
  private settingsVersion = 0;
  /** The stale-reads stream on a follower and the settings version it was opened with. */
  private follower: { conn: Connection; version: number } | undefined;
  /** Node that served the last stale-session read on a follower, with its staleness bound. */
  lastStaleRead: ServedBy | undefined;

  constructor(
    private readonly engine: RemoteSqlEngine,
    private readonly options: SessionOptions,
  ) {}

  /** Startup settings for a new node: the client's, then every setting the session changed since. */
  private openOptions(): SessionOptions {
    return { ...this.options, settings: { ...this.options.settings, ...this.sessionSettings } };
  }

  async reconnect(): Promise<void> {
    this.conn?.close();
    this.conn = await this.engine.connect(this.openOptions());
    // Later Dones carry only changes: start from the open's full set.
    if (this.conn.opened !== undefined) this.onDone(this.conn.opened);
    this.status = "idle";
  }

  private staleMode(): boolean {
    return this.status === "idle" && (this.sessionSettings.read_consistency ?? "").toLowerCase() === "stale";
  }

  /** The follower stream, reopened when the session's settings changed since it was opened. */
  private async followerConnection(): Promise<Connection> {
    const f = this.follower;
    if (f !== undefined && f.conn.broken === undefined && f.version === this.settingsVersion) return f.conn;
    f?.conn.close();
    this.follower = undefined;
    const conn = await this.engine.connectFollower(this.openOptions());
    this.follower = { conn, version: this.settingsVersion };
    return conn;
  }

  private dropFollower(suspect: boolean): void {
    const f = this.follower;
    if (f === undefined) return;
    if (suspect) this.engine.suspect(f.conn.address);
    f.conn.close();
    this.follower = undefined;
  }

  /**
   * Runs one read-only statement on the follower. Returns its results, or undefined when the
   * leader must run it instead (nothing ran on the follower that the leader would not redo).
   */
  private async onFollower(
    request: (conn: Connection) => Promise<Omit<SessionRequest, "callId">>,
    options: ExecuteOptions | undefined,
  ): Promise<{ results: NonNullable<SessionResponse["result"]>[] } | undefined> {
    let conn: Connection;
    let req: Omit<SessionRequest, "callId">;
    try {
      conn = await this.followerConnection();
      req = await request(conn);
    } catch {
      this.dropFollower(false);
      this.engine.staleStats.leaderFallback++;
      return undefined;
    }
    if (conn.broken !== undefined) {
      this.dropFollower(true);
      this.engine.staleStats.leaderFallback++;
      return undefined;
    }
    const { id, responses } = conn.call(req);
    const onAbort = () => conn.send({ callId: 0, cancel: id } as SessionRequest);
    options?.signal?.addEventListener("abort", onAbort, { once: true });
    const results: NonNullable<SessionResponse["result"]>[] = [];
    let failure: KodiakError | undefined;
    let served: ServedBy | undefined;
    try {
      for (;;) {
        const r = await responses.next(served === undefined ? { ms: FOLLOWER_GATE_MS, clock: this.engine.clock } : undefined);
        if (r.staleRead !== undefined) served = { nodeId: r.staleRead.nodeId, stalenessMs: r.staleRead.stalenessMs };
        else if (r.error !== undefined) failure = errorOf(r);
        else if (r.result !== undefined) results.push(r.result);
        else if (r.done !== undefined) break;
      }
    } catch {
      // No answer in time (paused or partitioned follower) or the stream broke: use the leader.
      if (options?.signal?.aborted !== true) {
        this.dropFollower(true);
        this.engine.staleStats.leaderFallback++;
        return undefined;
      }
      throw new KodiakError(SqlState.queryCanceled, "canceling statement due to user request");
    } finally {
      options?.signal?.removeEventListener("abort", onAbort);
      conn.finish(id);
    }
    if (failure !== undefined && failure.code === SqlState.cannotConnectNow && results.length === 0) {
      this.engine.staleStats.leaderFallback++;
      return undefined;
    }
    if (failure !== undefined) throw failure;
    this.engine.staleStats.follower++;
    this.lastStaleRead = served;
    return { results };
  }

  /** The live connection; an idle session whose node went away moves to the current leader. */
  private async connection(): Promise<Connection> {
    if (this.conn === undefined || (this.conn.broken !== undefined && this.status === "idle")) await this.reconnect();
    const c = this.conn as Connection;
    if (c.broken !== undefined) {
      this.status = "idle";
      this.conn = undefined;
      throw new KodiakError(SqlState.connectionFailure, `${c.broken.message}; the open transaction was rolled back`);
    }
    return c;
  }

  private onDone(r: SessionResponse): void {
    const d = r.done;
    if (d === undefined) return;
    this.status = (d.transactionStatus as TransactionStatus) || "idle";
    this.settings = { ...this.settings, ...d.settings };
    if (Object.keys(d.sessionSettings).length > 0) {
      this.sessionSettings = d.sessionSettings;
      this.settingsVersion++;
    }
  }

  run(sql: string, options?: ExecuteOptions): AsyncIterable<StatementResult> {
    const self = this;
    return (async function* () {
      if (self.staleMode() && isStaleReadCandidate(sql)) {
        self.lastStaleRead = undefined;
        const served = await self.onFollower(async () => ({ run: { sql } }), options);
        if (served !== undefined) {
          for (const res of served.results) yield resultOf(res);
          return;
        }
      }
      self.lastStaleRead = undefined;
      let yielded = false;
      for (let attempt = 0; ; attempt++) {
        const conn = await self.connection();
        const idleBefore = self.status === "idle";
        const { id, responses } = conn.call({ run: { sql } });
        const onAbort = () => conn.send({ callId: 0, cancel: id } as SessionRequest);
        options?.signal?.addEventListener("abort", onAbort, { once: true });
        let failure: (KodiakError & { leaderAddress?: string }) | undefined;
        try {
          for (;;) {
            const r = await responses.next();
            if (r.done !== undefined) {
              self.onDone(r);
              break;
            }
            if (r.error !== undefined) {
              failure = errorOf(r);
              continue;
            }
            const res = r.result;
            if (res === undefined) continue;
            if (res.copyInFormat !== "") {
              yielded = true;
              yield self.copyIn(conn, id, responses, res.copyInFormat, res.copyColumns);
              continue;
            }
            if (res.copyOutFormat !== "") {
              yielded = true;
              yield {
                command: "COPY",
                rowCount: 0,
                copyOut: { format: res.copyOutFormat as "text", columnCount: res.copyColumns, data: copyOutData(responses) },
              };
              continue;
            }
            yielded = true;
            yield resultOf(res);
          }
        } finally {
          options?.signal?.removeEventListener("abort", onAbort);
          conn.finish(id);
        }
        if (failure === undefined) return;
        // A not-leader answer before anything ran moves the idle session to the leader, once.
        if (failure.code === SqlState.cannotConnectNow && !yielded && idleBefore && attempt === 0) {
          await self.reconnect();
          continue;
        }
        throw failure;
      }
    })();
  }

  private copyIn(conn: Connection, id: number, responses: CallQueue, format: string, columnCount: number): StatementResult {
    const sink: CopyInSink = {
      write: (chunk) => conn.send({ callId: id, copyData: { data: Buffer.from(chunk) } } as SessionRequest),
      finish: async () => {
        conn.send({ callId: id, copyDone: {} } as SessionRequest);
        const r = await responses.next();
        if (r.error !== undefined) throw errorOf(r);
        return r.result?.rowCount ?? 0;
      },
      abort: (reason) => conn.send({ callId: id, copyFail: { reason } } as SessionRequest),
    };
    return { command: "COPY", rowCount: 0, copyIn: { format: format as "text", columnCount, sink } };
  }

  async prepare(sql: string, paramTypeOids: number[]): Promise<PreparedStatement> {
    const p: RemotePrepared = { sql, paramTypeOids, paramTypes: [], columns: undefined, statementId: 0, connection: undefined };
    await this.prepareOn(p, await this.connection());
    return p;
  }

  private async prepareOn(p: RemotePrepared, conn: Connection, onFollower = false): Promise<void> {
    const { id, responses } = conn.call({ prepare: { sql: p.sql, paramTypeOids: p.paramTypeOids } });
    let failure: KodiakError | undefined;
    try {
      for (;;) {
        const r = await responses.next();
        if (r.error !== undefined) failure = errorOf(r);
        if (r.prepared !== undefined && onFollower) p.follower = { connection: conn, statementId: r.prepared.statementId };
        else if (r.prepared !== undefined) {
          const m = p as { paramTypes: SqlType[]; columns: ResultColumn[] | undefined };
          m.paramTypes = r.prepared.paramTypes.map(typeOf);
          m.columns = r.prepared.hasColumns ? columnsOf(r.prepared.columns) : undefined;
          p.statementId = r.prepared.statementId;
          p.connection = conn;
        }
        if (r.done !== undefined) {
          if (!onFollower) this.onDone(r);
          break;
        }
      }
    } finally {
      conn.finish(id);
    }
    if (failure !== undefined) throw failure;
  }

  async execute(statement: PreparedStatement, params: SqlValue[], options?: ExecuteOptions): Promise<StatementResult> {
    const p = statement as RemotePrepared;
    this.lastStaleRead = undefined;
    if (this.staleMode() && isStaleReadCandidate(p.sql)) {
      const served = await this.onFollower(async (conn) => {
        if (p.follower?.connection !== conn) await this.prepareOn(p, conn, true);
        return { execute: { statementId: p.follower?.statementId ?? 0, paramsJson: encodeParams(params) } };
      }, options);
      if (served !== undefined) {
        const res = served.results[served.results.length - 1];
        return res === undefined ? { command: "", rowCount: 0 } : resultOf(res);
      }
    }
    const conn = await this.connection();
    if (p.connection !== conn) await this.prepareOn(p, conn);
    const { id, responses } = conn.call({ execute: { statementId: p.statementId, paramsJson: encodeParams(params) } });
    const onAbort = () => conn.send({ callId: 0, cancel: id } as SessionRequest);
    options?.signal?.addEventListener("abort", onAbort, { once: true });
    let failure: KodiakError | undefined;
    let out: StatementResult | undefined;
    try {
      for (;;) {
        const r = await responses.next();
        if (r.error !== undefined) failure = errorOf(r);
        const res = r.result;
        if (res !== undefined) {
          if (res.copyInFormat !== "") out = this.copyIn(conn, id, responses, res.copyInFormat, res.copyColumns);
          else out = resultOf(res);
        }
        if (r.done !== undefined) {
          this.onDone(r);
          break;
        }
      }
    } finally {
      options?.signal?.removeEventListener("abort", onAbort);
      conn.finish(id);
    }
    if (failure !== undefined) throw failure;
    return out ?? { command: "", rowCount: 0 };
  }

  transactionStatus(): TransactionStatus {
    return this.status;
  }

  setting(name: string): string | undefined {
    return this.settings[name] ?? this.sessionSettings[name.toLowerCase()];
  }

  formatText(value: SqlValue, type: SqlType): string | null {
    return formatSqlValueText(value, type);
  }

  parseText(text: string, type: SqlType): SqlValue {
    return parseSqlValueText(text, type);
  }

  async close(): Promise<void> {
    this.conn?.close();
    this.conn = undefined;
    this.dropFollower(false);
    this.engine.forget(this);
  }
}

function resultOf(res: NonNullable<SessionResponse["result"]>): StatementResult {
  const out: StatementResult = {
    command: res.command,
    rowCount: res.rowCount,
    notices: res.notices.map((n) => ({ ...n, severity: n.severity as "NOTICE" })),
  };
  if (res.hasRows) {
    out.columns = columnsOf(res.columns);
    out.rows = decodeRows(res.rowsJson);
  }
  return out;
}

async function* copyOutData(responses: CallQueue): AsyncIterable<Uint8Array> {
  for (;;) {
    const r = await responses.next();
    if (r.error !== undefined) throw errorOf(r);
    const res = r.result;
    if (res === undefined || res.copyOutEnd) return;
    if (res.copyOutData.byteLength > 0) yield res.copyOutData;
  }
}
