// One client connection's state machine: startup (SSL/GSSENC/Cancel requests, protocol
// version) → authentication → ParameterStatus/BackendKeyData → serving queries → closed.
// Owns its socket and session; whatever happens, run() ends with the session closed.
//
//   startup ──SSLRequest/GSSENCRequest──▶ startup (answer 'N', or 'S' + TLS)      startup()
//   startup ──CancelRequest──▶ closed (after forwarding the cancel)                 startup()
//   startup ──StartupMessage──▶ authenticating ──ok──▶ ready                       begin(), authenticate()
//   ready ──Query/Parse/Bind/…──▶ ready (QueryHandler; COPY pulls its own frames)   serve()
//   any ──Terminate / EOF / FATAL error / server shutdown──▶ closed                 cleanup()
// Invariants: at most one statement runs at a time (`running`); the session is closed exactly once.

import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { type SecureContext, TLSSocket } from "node:tls";
import type { SqlEngine, SqlSession, StatementResult } from "../../sql/api.js";
import { type Clock, KodiakError, type Logger, SqlState } from "../../util/index.js";
import type { Authenticator } from "./auth.js";
import { backend } from "./backend.js";
import { ByteWriter } from "./byte-writer.js";
import { WRITE_FLUSH_BYTES } from "./constants.js";
import { authenticate } from "./connection-auth.js";
import { FrameSource, FrameTimeout } from "./frame-source.js";
import { type FrontendMessage, parseFrontend, parseStartup } from "./frontend.js";
import { ReportedParameters } from "./parameter-status.js";
import { QueryHandler } from "./query-handler.js";
import { errorFields, FatalConnectionError, fatal, isFatalForConnection } from "./wire-errors.js";
import type { StatementAdmission } from "./server.js";
import type { WireIo } from "./wire-io.js";

/** What a connection needs from its server. */
export interface ConnectionHost {
  readonly engine: SqlEngine;
  readonly authenticator: Authenticator;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly maxFrameBytes: number;
  readonly startupTimeoutMs: number;
  readonly writeStallTimeoutMs: number;
  readonly sessionCloseTimeoutMs: number;
  readonly serverVersion: string;
  readonly tls: SecureContext | undefined;
  readonly admission: StatementAdmission | undefined;
  cancel(processId: number, secretKey: number): void;
  /** Counts a connection closed for a protocol violation (metrics). */
  countProtocolError(): void;
}

/** SSLRequest, GSSENCRequest, then the StartupMessage: at most this many startup packets. */
const MAX_STARTUP_PACKETS = 3;
/** After our side ends the connection, how long the client gets to close its side. */
const CLOSE_LINGER_MS = 2_000;
const SSL_REFUSED = Buffer.from("N");
const SSL_ACCEPTED = Buffer.from("S");

export class PgWireConnection implements WireIo {
  readonly out = new ByteWriter();
  private socket: Duplex;
  private readonly frames: FrameSource;
  private readonly logger: Logger;
  private session: SqlSession | undefined;
  private readonly reported = new ReportedParameters();
  private running: AbortController | undefined;
  private shutdownReason: KodiakError | undefined;
  private closed = false;

  constructor(
    private readonly host: ConnectionHost,
    private readonly rawSocket: Socket,
    readonly processId: number,
    private readonly secretKey: number,
    /** Set when the server is full: answer the startup packet with this error and close. */
    private readonly rejectWith: KodiakError | undefined,
  ) {
    this.socket = rawSocket;
    this.logger = host.logger.child({ component: "pgwire", pid: processId, remote: rawSocket.remoteAddress });
    this.frames = new FrameSource(rawSocket, host.maxFrameBytes, host.clock);
    rawSocket.on("close", () => {
      this.closed = true;
      this.running?.abort(new KodiakError(SqlState.connectionFailure, "client disconnected"));
    });
    rawSocket.on("error", (err) => this.logger.debug({ err }, "socket error"));
  }

  /** Serves the connection until it ends; never rejects. */
  async run(): Promise<void> {
    try {
      if (await this.startup()) await this.serve();
    } catch (e) {
      this.sendFatal(e);
    } finally {
      await this.cleanup();
    }
  }

  /** CancelRequest from another connection: aborts the running statement if the key matches. */
  cancel(secretKey: number): boolean {
    if (secretKey !== this.secretKey) return false;
    this.running?.abort(new KodiakError(SqlState.queryCanceled, "canceling statement due to user request"));
    return true;
  }

  /** Server shutdown: abort what runs, then say why and close. */
  shutdown(reason: KodiakError): void {
    this.shutdownReason = reason;
    this.running?.abort(reason);
    this.frames.end();
  }

  destroy(): void {
    this.rawSocket.destroy();
    this.socket.destroy();
  }

  private sendFatal(e: unknown): void {
    const error = e instanceof FatalConnectionError ? e.error : e;
    const fields = errorFields(error, this.logger, "FATAL");
    if (fields.code === SqlState.protocolViolation) {
      this.host.countProtocolError();
      this.logger.warn({ code: fields.code, msg: fields.message }, "protocol violation");
    }
    if (this.closed) return;
    backend.errorResponse(this.out, fields);
    this.writeNow();
  }

  private async cleanup(): Promise<void> {
    this.frames.end();
    if (this.shutdownReason !== undefined && this.session !== undefined) this.sendFatal(this.shutdownReason);
    const session = this.session;
    this.session = undefined;
    if (session !== undefined) await this.closeSession(session);
    this.socket.end();
    if (this.closed) return;
    // Give the client a moment to read the last messages and close its side, then cut it off.
    const t = this.host.clock.setTimeout(() => this.destroy(), CLOSE_LINGER_MS);
    this.rawSocket.once("close", () => t.cancel());
  }

  private async closeSession(session: SqlSession): Promise<void> {
    let timer: { cancel(): void } | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = this.host.clock.setTimeout(() => {
        this.logger.error({}, "session.close() timed out");
        resolve();
      }, this.host.sessionCloseTimeoutMs);
    });
    try {
      await Promise.race([session.close(), timeout]);
    } catch (e) {
      this.logger.error({ err: e }, "session.close() failed");
    } finally {
      timer?.cancel();
    }
  }

  // ---- startup ---------------------------------------------------------------------------

  /** Returns false when the connection ends after startup (cancel request, server full). */
  private async startup(): Promise<boolean> {
    for (let i = 0; i < MAX_STARTUP_PACKETS; i++) {
      const frame = await this.startupFrame();
      if (frame === undefined) return false;
      const packet = parseStartup(frame.body);
      switch (packet.kind) {
        case "sslRequest":
          await this.answerSslRequest();
          continue;
        case "gssEncRequest":
          this.socket.write(SSL_REFUSED);
          continue;
        case "cancelRequest":
          this.host.cancel(packet.processId, packet.secretKey);
          return false;
        case "unsupportedVersion":
          throw fatal(
            SqlState.featureNotSupported,
            `unsupported frontend protocol ${packet.major}.${packet.minor}: server supports 3.0 to 3.0`,
          );
        case "startup":
          if (this.rejectWith !== undefined) throw new FatalConnectionError(this.rejectWith);
          await this.begin(packet.minor, packet.parameters);
          return true;
      }
    }
    throw fatal(SqlState.protocolViolation, "too many startup packets");
  }

  private async startupFrame(): Promise<Awaited<ReturnType<FrameSource["next"]>>> {
    try {
      return await this.frames.next(this.host.startupTimeoutMs);
    } catch (e) {
      if (e instanceof FrameTimeout) throw fatal(SqlState.connectionFailure, "timeout during startup and authentication");
      throw e;
    }
  }

  private async answerSslRequest(): Promise<void> {
    if (this.host.tls === undefined) {
      this.socket.write(SSL_REFUSED);
      return;
    }
    if (this.frames.decoder.bufferedBytes > 0) throw fatal(SqlState.protocolViolation, "received unencrypted data after SSL request");
    this.socket.write(SSL_ACCEPTED);
    const secure = new TLSSocket(this.rawSocket, { isServer: true, secureContext: this.host.tls });
    secure.on("error", (err) => this.logger.debug({ err }, "TLS error"));
    this.frames.switchTo(secure);
    this.socket = secure;
  }

  private async begin(minor: number, parameters: Record<string, string>): Promise<void> {
    const unrecognized = Object.keys(parameters).filter((k) => k.startsWith("_pq_."));
    if (minor > 0 || unrecognized.length > 0) backend.negotiateProtocolVersion(this.out, 0, unrecognized);
    const user = parameters.user!;
    await authenticate(
      { out: this.out, flush: () => this.flush(), readPasswordMessage: () => this.readPasswordMessage() },
      this.host.authenticator,
      user,
      this.rawSocket.remoteAddress,
    );
    this.frames.decoder.startup = false;
    const { user: _u, database, options: _o, replication: _r, ...settings } = parameters;
    for (const k of unrecognized) delete settings[k];
    try {
      this.session = await this.host.engine.openSession({ user, database: database ?? user, settings });
    } catch (e) {
      throw new FatalConnectionError(e instanceof KodiakError ? e : new KodiakError(SqlState.internalError, String(e)));
    }
    for (const [name, value] of this.reported.startup(this.session, this.host.serverVersion, parameters)) {
      backend.parameterStatus(this.out, name, value);
    }
    backend.backendKeyData(this.out, this.processId, this.secretKey);
    this.logger.debug({ user, database: database ?? user }, "session started");
  }

  private async readPasswordMessage(): Promise<Buffer> {
    this.frames.decoder.startup = false;
    const frame = await this.startupFrame();
    if (frame === undefined) throw fatal(SqlState.connectionFailure, "client disconnected during authentication");
    const msg = parseFrontend(frame.code, frame.body);
    if (msg.kind !== "password") throw fatal(SqlState.protocolViolation, `expected password response, got message type "${msg.kind}"`);
    return msg.body;
  }

  // ---- serving -------------------------------------------------------------------------

  private async serve(): Promise<void> {
    const handler = new QueryHandler(this.session!, this, this.logger, this.reported);
    handler.readyForQuery();
    for (;;) {
      const msg = await this.readMessage(this.idleTimeout());
      if (msg === undefined || msg.kind === "terminate") return;
      try {
        await handler.handle(msg);
      } catch (e) {
        if (isFatalForConnection(e)) throw e;
        // Errors outside a statement (e.g. writing to a congested socket) end the connection too.
        throw new FatalConnectionError(e instanceof KodiakError ? e : new KodiakError(SqlState.internalError, String(e)));
      }
    }
  }

  /** PostgreSQL's idle_in_transaction_session_timeout / idle_session_timeout, when the session sets them. */
  private idleTimeout(): { ms: number; error: KodiakError } | undefined {
    const session = this.session!;
    const inTransaction = session.transactionStatus() !== "idle";
    const ms = inTransaction
      ? statementTimeoutMs(session.setting("idle_in_transaction_session_timeout"))
      : statementTimeoutMs(session.setting("idle_session_timeout"));
    if (ms <= 0) return undefined;
    return inTransaction
      ? { ms, error: new KodiakError("25P03", "terminating connection due to idle-in-transaction timeout") }
      : { ms, error: new KodiakError("57P05", "terminating connection due to idle-session timeout") };
  }

  async readMessage(idle?: { ms: number; error: KodiakError }): Promise<FrontendMessage | undefined> {
    if (!this.frames.hasFrame()) await this.flush();
    let frame: Awaited<ReturnType<FrameSource["next"]>>;
    try {
      frame = await this.frames.next(idle?.ms);
    } catch (e) {
      if (e instanceof FrameTimeout && idle !== undefined) throw new FatalConnectionError(idle.error);
      throw new FatalConnectionError(e instanceof KodiakError ? e : new KodiakError(SqlState.protocolViolation, String(e)));
    }
    if (frame === undefined) return undefined;
    try {
      return parseFrontend(frame.code, frame.body);
    } catch (e) {
      throw new FatalConnectionError(e instanceof KodiakError ? e : new KodiakError(SqlState.protocolViolation, String(e)));
    }
  }

  async runStatement<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    this.running = controller;
    const timeoutMs = statementTimeoutMs(this.session?.setting("statement_timeout"));
    const timer =
      timeoutMs > 0
        ? this.host.clock.setTimeout(
            () => controller.abort(new KodiakError(SqlState.queryCanceled, "canceling statement due to statement timeout")),
            timeoutMs,
          )
        : undefined;
    let release: (() => void) | undefined;
    try {
      release = await this.host.admission?.acquire(controller.signal);
      return await fn(controller.signal);
    } finally {
      release?.();
      timer?.cancel();
      this.running = undefined;
    }
  }

  sendNotices(result: StatementResult): void {
    for (const n of result.notices ?? []) backend.noticeResponse(this.out, { severity: n.severity, code: n.code, message: n.message });
  }

  // ---- output ----------------------------------------------------------------------------

  private writeNow(): boolean {
    if (this.out.length === 0) return true;
    const data = this.out.take();
    if (this.closed || this.socket.destroyed) return true;
    return this.socket.write(data);
  }

  async flush(): Promise<void> {
    if (this.writeNow()) return;
    await new Promise<void>((resolve, reject) => {
      const done = (): void => {
        timer.cancel();
        this.socket.off("drain", done);
        this.socket.off("close", done);
        resolve();
      };
      const timer = this.host.clock.setTimeout(() => {
        this.socket.off("drain", done);
        this.socket.off("close", done);
        this.destroy();
        reject(new KodiakError(SqlState.connectionFailure, "client stopped reading: write timed out"));
      }, this.host.writeStallTimeoutMs);
      this.socket.on("drain", done);
      this.socket.on("close", done);
    });
  }

  async flushIfFull(): Promise<void> {
    if (this.out.length >= WRITE_FLUSH_BYTES) await this.flush();
  }
}

/** A timeout setting (statement_timeout, idle_session_timeout, ...) as SHOW prints it ("0", "5000", "5s", "1min", "250ms") → milliseconds. */
export function statementTimeoutMs(text: string | undefined): number {
  if (text === undefined) return 0;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|min|h)?\s*$/.exec(text);
  if (m === null) return 0;
  const scale: Record<string, number> = { ms: 1, s: 1000, min: 60_000, h: 3_600_000 };
  return Number(m[1]) * scale[m[2] ?? "ms"]!;
}
