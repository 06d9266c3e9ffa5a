// The Kodiak TypeScript SDK client: connect(url) → KodiakClient. Holds one gRPC channel per listed
// coordinator and fails over between them (bounded rounds with backoff); runs statements on a
// lazily opened default session; transaction() runs a callback on its own session and retries
// serialization failures (40001) with bounded exponential backoff.

import { readFileSync } from "node:fs";
import { type ChannelCredentials, credentials } from "@grpc/grpc-js";
import type { RecordBatch, Table } from "apache-arrow";
import { type ClusterStatusResponse, IsolationLevel, type KodiakClient as Stub, KodiakClient as StubCtor } from "../../proto/gen/kodiak.js";
import { type Clock, KodiakError, type Random, SqlState, systemClock, systemRandom } from "../../util/index.js";
import type { Row } from "./arrow.js";
import { type CopyOptions, type CopySource, copyIn, copyOut } from "./copy.js";
import { fromGrpcError, isTransportFailure } from "./errors.js";
import { type CallOptions, DEFAULT_CALL_TIMEOUT_MS, type QueryResult, SessionCalls, type StatementOutcome, unaryCall } from "./session.js";
import { type ConnectionConfig, parseKodiakUrl } from "./url.js";
import type { Param } from "./values.js";

/** Rounds over all listed coordinators before a call gives up on connecting. */
export const CONNECT_ROUNDS = 3;
/** Pause between connect rounds (doubles each round). */
export const CONNECT_BACKOFF_MS = 100;
/** Deadline for OpenSession/CloseSession/Cancel and friends. */
export const CONTROL_CALL_TIMEOUT_MS = 5_000;
/** Default and maximum retries of transaction() on 40001. */
export const DEFAULT_TX_RETRIES = 5;
export const MAX_TX_RETRIES = 50;
/** Backoff between transaction attempts: base doubling up to the cap, with jitter. */
export const TX_BACKOFF_BASE_MS = 20;
export const TX_BACKOFF_MAX_MS = 2_000;
/** Largest gRPC message the client accepts. */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/** SQLSTATEs with which a coordinator refuses a session but another may accept it. */
const UNAVAILABLE_CODES = new Set<string>([SqlState.cannotConnectNow, SqlState.adminShutdown, SqlState.tooManyConnections]);

/** Statement errors after which the default session is not reused. */
const SUSPECT_SESSION_CODES = new Set<string>([SqlState.cannotConnectNow, SqlState.adminShutdown, SqlState.connectionFailure]);

export interface ClientOptions {
  /** Per-call deadline when a call sets no statement timeout (default 5 min). */
  callTimeoutMs?: number;
  /** Settings for every session this client opens (as SET). */
  settings?: Record<string, string>;
  clock?: Clock;
  random?: Random;
}

export interface TransactionOptions {
  /** Retries after a serialization failure (40001/40P01); default 5, at most 50. */
  retries?: number;
  isolation?: "read committed" | "repeatable read" | "serializable";
  readOnly?: boolean;
}

/** Statements inside transaction(): same calls as the client, bound to the transaction's session. */
export interface Transaction {
  query<R = Row>(sql: string, params?: Param[], options?: CallOptions): Promise<QueryResult<R>>;
  queryArrow(sql: string, params?: Param[], options?: CallOptions): Promise<Table>;
  execute(sql: string, params?: Param[], options?: CallOptions): Promise<StatementOutcome[]>;
  stream(sql: string, params?: Param[], options?: CallOptions): AsyncIterable<Row>;
  /** The attempt number, starting at 1. */
  readonly attempt: number;
}

/** Cluster status as the ClusterStatus RPC reports it (fields documented in kodiak.proto). */
export type ClusterStatus = ClusterStatusResponse;

const isolationLevels = {
  "read committed": IsolationLevel.ISOLATION_LEVEL_READ_COMMITTED,
  "repeatable read": IsolationLevel.ISOLATION_LEVEL_REPEATABLE_READ,
  serializable: IsolationLevel.ISOLATION_LEVEL_SERIALIZABLE,
} as const;

function isConflict(e: unknown): boolean {
  return e instanceof KodiakError && (e.code === SqlState.serializationFailure || e.code === SqlState.deadlockDetected);
}

export class KodiakClient {
  private readonly stubs: (Stub | undefined)[];
  private current = 0;
  private defaultSession: Promise<SessionCalls> | undefined;
  private closed = false;
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly callTimeoutMs: number;
  private readonly creds: ChannelCredentials;

  constructor(
    readonly config: ConnectionConfig,
    private readonly options: ClientOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? systemRandom;
    this.callTimeoutMs = options.callTimeoutMs ?? (config.timeoutMs || DEFAULT_CALL_TIMEOUT_MS);
    this.stubs = config.hosts.map(() => undefined);
    this.creds = config.tls
      ? credentials.createSsl(config.caFile !== undefined ? readFileSync(config.caFile) : undefined)
      : credentials.createInsecure();
  }

  /** The coordinator address calls go to now. */
  get currentAddress(): string {
    const h = this.config.hosts[this.current]!;
    return `${h.host.includes(":") ? `[${h.host}]` : h.host}:${h.port}`;
  }

  private stub(i: number): Stub {
    let s = this.stubs[i];
    if (s === undefined) {
      const h = this.config.hosts[i]!;
      const addr = `${h.host.includes(":") ? `[${h.host}]` : h.host}:${h.port}`;
      s = new StubCtor(addr, this.creds, {
        "grpc.max_receive_message_length": MAX_MESSAGE_BYTES,
        "grpc.max_send_message_length": MAX_MESSAGE_BYTES,
        // Fail fast on a refused connection so failover moves on; reconnect attempts stay short.
        "grpc.initial_reconnect_backoff_ms": 100,
        "grpc.max_reconnect_backoff_ms": 1000,
      });
      this.stubs[i] = s;
    }
    return s;
  }

  private resetStub(i: number): void {
    this.stubs[i]?.close();
    this.stubs[i] = undefined;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.clock.setTimeout(resolve, ms));
  }

  /** Runs fn against the first coordinator that answers, starting with the current one (bounded rounds). */
  private async onAnyCoordinator<T>(fn: (stub: Stub) => Promise<T>): Promise<T> {
    if (this.closed) throw new KodiakError(SqlState.connectionException, "the client is closed");
    let last: unknown;
    const n = this.config.hosts.length;
    for (let round = 0; round < CONNECT_ROUNDS; round++) {
      if (round > 0) await this.sleep(CONNECT_BACKOFF_MS * 2 ** (round - 1));
      for (let k = 0; k < n; k++) {
        const i = (this.current + k) % n;
        try {
          const res = await fn(this.stub(i));
          this.current = i;
          return res;
        } catch (e) {
          // Try the next coordinator when this one is unreachable or says it cannot serve now.
          const err = fromGrpcError(e);
          if (!isTransportFailure(e) && !UNAVAILABLE_CODES.has(err.code)) throw err;
          // A channel that failed to connect waits out its reconnect backoff; a fresh one tries now.
          if (isTransportFailure(e)) this.resetStub(i);
          last = e;
        }
      }
    }
    const err = fromGrpcError(last);
    if (err.code !== SqlState.connectionFailure) throw err;
    throw new KodiakError(SqlState.connectionFailure, `no coordinator reachable (${this.config.hosts.length} tried): ${err.message}`);
  }

  /** Opens a session on the first coordinator that accepts one. */
  private openSession(): Promise<SessionCalls> {
    return this.onAnyCoordinator(async (stub) => {
      const res = await unaryCall<{ sessionId: string }>(
        (md, opts, cb) =>
          stub.openSession({ user: this.config.user, database: this.config.database, settings: this.options.settings ?? {} }, md, opts, cb),
        this.clock.nowMs() + CONTROL_CALL_TIMEOUT_MS,
      );
      return new SessionCalls(stub, res.sessionId, this.clock, this.callTimeoutMs);
    });
  }

  private session(): Promise<SessionCalls> {
    this.defaultSession ??= this.openSession().catch((e: unknown) => {
      this.defaultSession = undefined;
      throw e;
    });
    return this.defaultSession;
  }

  /**
   * Runs fn on the default session. If the coordinator is gone before the call got through, or
   * no longer knows the session (restart, idle timeout), opens a new session (failing over to the
   * next coordinator) and runs fn once more. Session settings made with SET are not carried over.
   */
  private async onDefault<T>(fn: (s: SessionCalls) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const s = await this.session();
      try {
        return await fn(s);
      } catch (e) {
        const transport = isTransportFailure(e) && /No connection established|ECONNREFUSED|connect/i.test(String(e));
        const err = fromGrpcError(e);
        const lostSession = err.code === "08003";
        if (attempt >= this.config.hosts.length || !(transport || lostSession)) {
          // The coordinator lost its way to the data (leader gone, connection dropped): the next
          // call starts on a fresh session instead of this suspect one. The error still surfaces,
          // since the statement's outcome is unknown.
          if (SUSPECT_SESSION_CODES.has(err.code)) await this.dropDefault(s);
          throw err;
        }
        await this.dropDefault(s, false);
        if (transport) this.current = (this.current + 1) % this.config.hosts.length;
      }
    }
  }

  /** Forgets the default session if it is still s (and closes it on the server, bounded, unless gone). */
  private async dropDefault(s: SessionCalls, closeOnServer = true): Promise<void> {
    if (this.defaultSession !== undefined && (await this.defaultSession.catch(() => undefined)) === s) this.defaultSession = undefined;
    if (closeOnServer) await this.closeSession(s);
  }

  /** Runs one statement and returns its rows as objects keyed by column name. Values: int8 → bigint, int2/int4/float → number, bool → boolean, bytea → Uint8Array, everything else → string in PostgreSQL's text format. */
  query<R = Row>(sql: string, params: Param[] = [], options?: CallOptions): Promise<QueryResult<R>> {
    return this.onDefault((s) => s.query<R>(sql, params, options));
  }

  /** Runs one statement and returns its rows as an apache-arrow Table (see kodiak.proto for the type mapping). */
  queryArrow(sql: string, params: Param[] = [], options?: CallOptions): Promise<Table> {
    return this.onDefault((s) => s.queryArrow(sql, params, options));
  }

  /** Runs one statement over the streaming Query call and returns its outcome with rows as arrays (no row limit). */
  run(sql: string, params: Param[] = [], options?: CallOptions): Promise<StatementOutcome> {
    return this.onDefault((s) => s.run(sql, params, options));
  }

  /** Runs SQL (several statements allowed without params) and returns each statement's outcome. */
  execute(sql: string, params: Param[] = [], options?: CallOptions): Promise<StatementOutcome[]> {
    return this.onDefault((s) => s.execute(sql, params, options));
  }

  /**
   * Streams a query's rows as they arrive: `as: "rows"` (default) yields row objects,
   * `as: "batches"` yields apache-arrow RecordBatches. Breaking out of the loop cancels the query.
   */
  stream(sql: string, params?: Param[], options?: CallOptions & { as?: "rows" }): AsyncIterable<Row>;
  stream(sql: string, params: Param[], options: CallOptions & { as: "batches" }): AsyncIterable<RecordBatch>;
  async *stream(sql: string, params: Param[] = [], options?: CallOptions & { as?: "rows" | "batches" }): AsyncIterable<Row | RecordBatch> {
    const s = await this.onDefault((calls) => Promise.resolve(calls));
    if (options?.as === "batches") yield* s.batches(sql, params, options);
    else yield* s.streamRows(sql, params, options);
  }

  /**
   * Runs fn inside a transaction on a session of its own and commits. On a serialization failure
   * (40001, or 40P01) anywhere in it, rolls back, waits (exponential backoff with jitter) and runs
   * fn again, up to `retries` times; any other error rolls back and is thrown. fn must be safe to
   * run more than once (no side effects outside the database).
   */
  async transaction<T>(fn: (tx: Transaction) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const retries = Math.min(Math.max(0, options.retries ?? DEFAULT_TX_RETRIES), MAX_TX_RETRIES);
    for (let attempt = 1; ; attempt++) {
      const s = await this.openSession();
      try {
        await this.control(s, "begin", options);
        const tx: Transaction = {
          attempt,
          query: (sql, params = [], o) => s.query(sql, params, o),
          queryArrow: (sql, params = [], o) => s.queryArrow(sql, params, o),
          execute: (sql, params = [], o) => s.execute(sql, params, o),
          stream: (sql, params = [], o) => s.streamRows(sql, params, o),
        };
        const result = await fn(tx);
        await this.control(s, "commit");
        return result;
      } catch (e) {
        const err = e instanceof KodiakError ? e : fromGrpcError(e);
        await this.control(s, "rollback").catch(() => undefined);
        if (!isConflict(err) || attempt > retries) throw err;
        const backoff = Math.min(TX_BACKOFF_MAX_MS, TX_BACKOFF_BASE_MS * 2 ** (attempt - 1));
        await this.sleep(backoff / 2 + this.random.next() * (backoff / 2));
      } finally {
        await this.closeSession(s);
      }
    }
  }

  private async control(s: SessionCalls, what: "begin" | "commit" | "rollback", options: TransactionOptions = {}): Promise<void> {
    const deadline = this.clock.nowMs() + this.callTimeoutMs;
    try {
      if (what === "begin") {
        const req = {
          sessionId: s.sessionId,
          isolation: options.isolation ? isolationLevels[options.isolation] : IsolationLevel.ISOLATION_LEVEL_DEFAULT,
          readOnly: options.readOnly ?? false,
        };
        await unaryCall((md, opts, cb) => s.stub.beginTransaction(req, md, opts, cb), deadline);
      } else if (what === "commit") {
        await unaryCall((md, opts, cb) => s.stub.commitTransaction({ sessionId: s.sessionId }, md, opts, cb), deadline);
      } else {
        await unaryCall((md, opts, cb) => s.stub.rollbackTransaction({ sessionId: s.sessionId }, md, opts, cb), deadline);
      }
    } catch (e) {
      throw fromGrpcError(e);
    }
  }

  private async closeSession(s: SessionCalls): Promise<void> {
    await unaryCall(
      (md, opts, cb) => s.stub.closeSession({ sessionId: s.sessionId }, md, opts, cb),
      this.clock.nowMs() + CONTROL_CALL_TIMEOUT_MS,
    ).catch(() => undefined);
  }

  /**
   * Bulk-loads with `COPY table FROM STDIN [WITH (FORMAT csv)]` on the default session: source
   * yields rows (arrays of values, encoded in the statement's format) or ready-made text/CSV
   * chunks. All or nothing: a failing source, a bad row, or an aborted signal inserts no row.
   * Resolves with the number of rows copied. Not retried (the source is consumed once).
   */
  async copyFrom(sql: string, source: CopySource, options?: CopyOptions): Promise<number> {
    const s = await this.session();
    return copyIn(s.stub, s.sessionId, sql, source, s.deadline(options), options);
  }

  /**
   * Exports with `COPY table|(query) TO STDOUT [WITH (FORMAT csv)]` on the default session,
   * yielding the encoded data in chunks (rows may span chunks). Breaking out cancels the export.
   */
  async *copyTo(sql: string, options?: CopyOptions): AsyncIterable<Uint8Array> {
    const s = await this.session();
    yield* copyOut(s.stub, s.sessionId, sql, s.deadline(options), options);
  }

  /** Asks the coordinator to stop the statement running on the default session (it fails with 57014). */
  async cancel(): Promise<boolean> {
    if (this.defaultSession === undefined) return false;
    const s = await this.defaultSession;
    const res = await unaryCall<{ cancelled: boolean }>(
      (md, opts, cb) => s.stub.cancel({ sessionId: s.sessionId }, md, opts, cb),
      this.clock.nowMs() + CONTROL_CALL_TIMEOUT_MS,
    ).catch((e: unknown) => {
      throw fromGrpcError(e);
    });
    return res.cancelled;
  }

  /** What a coordinator knows about the cluster. Needs no session; fails over like OpenSession. */
  async clusterStatus(): Promise<ClusterStatus> {
    return this.onAnyCoordinator((stub) =>
      unaryCall<ClusterStatus>((md, opts, cb) => stub.clusterStatus({}, md, opts, cb), this.clock.nowMs() + CONTROL_CALL_TIMEOUT_MS),
    );
  }

  /** Closes the default session and every channel. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const s = await this.defaultSession?.catch(() => undefined);
    if (s !== undefined) await this.closeSession(s);
    for (const stub of this.stubs) stub?.close();
  }
}

/** Connects to the coordinators in a kodiak:// URL. No network traffic until the first call. */
export function connect(url: string, options?: ClientOptions): KodiakClient {
  return new KodiakClient(parseKodiakUrl(url), options);
}
