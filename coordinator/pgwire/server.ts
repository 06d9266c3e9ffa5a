// PgWireServer: accepts TCP connections, bounds how many are served (53300 beyond the limit),
// routes CancelRequests by process id + secret key, and shuts down gracefully. Embeddable: the
// coordinator process (or a test) owns it and calls listen()/close().

import { randomInt } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import { createSecureContext, type SecureContext, type SecureContextOptions } from "node:tls";
import type { SqlEngine } from "../../sql/api.js";
import { type Clock, KodiakError, type Logger, SqlState, silentLogger, systemClock } from "../../util/index.js";
import { Authenticator, type PgWireAuthOptions } from "./auth.js";
import { MAX_FRAME_BYTES } from "./constants.js";
import { type ConnectionHost, PgWireConnection } from "./connection.js";
import { DEFAULT_SERVER_VERSION } from "./parameter-status.js";

/**
 * Statement admission shared with the other front ends (the coordinator passes one controller,
 * e.g. coordinator/grpc's AdmissionController): acquire resolves with a release function, or
 * rejects (53300 when full, 57014 when the signal fires while waiting).
 */
export interface StatementAdmission {
  acquire(signal?: AbortSignal): Promise<() => void>;
}

export interface PgWireServerOptions {
  engine: SqlEngine;
  logger?: Logger;
  clock?: Clock;
  /** Connections served at once (default 100); beyond it clients get FATAL 53300. */
  maxConnections?: number;
  auth?: PgWireAuthOptions;
  /** When set, SSLRequest is answered 'S' and the connection upgrades to TLS. */
  tls?: SecureContextOptions;
  maxFrameBytes?: number;
  /** Time allowed for startup + authentication (default 10 s). */
  startupTimeoutMs?: number;
  /** How long a client may leave our output unread before it is disconnected (default 60 s). */
  writeStallTimeoutMs?: number;
  /** Bound on session.close() when a connection ends (default 10 s). */
  sessionCloseTimeoutMs?: number;
  /** Bound on close(): connections still open after it are destroyed (default 5 s). */
  shutdownTimeoutMs?: number;
  serverVersion?: string;
  /** Bounds statements running at once across connections; none by default. */
  admission?: StatementAdmission;
}

/** Counters for the coordinator's /metrics (kodiak_pgwire_*). */
export interface PgWireStats {
  connections: number;
  acceptedConnectionsTotal: number;
  rejectedConnectionsTotal: number;
  protocolErrorsTotal: number;
  cancelRequestsTotal: number;
}

export const DEFAULT_MAX_CONNECTIONS = 100;
/** Sockets beyond maxConnections that still get a polite 53300 answer; more are dropped at once. */
export const MAX_REJECTING_CONNECTIONS = 32;

export class PgWireServer {
  private readonly host: ConnectionHost;
  private readonly server: Server;
  private readonly maxConnections: number;
  private readonly shutdownTimeoutMs: number;
  private readonly connections = new Map<number, { conn: PgWireConnection; done: Promise<void> }>();
  /** Every accepted socket until it closes (a finished connection may linger briefly). */
  private readonly sockets = new Set<Socket>();
  private nextProcessId = 1;
  private closing = false;
  private readonly counters = { accepted: 0, rejected: 0, protocolErrors: 0, cancels: 0 };

  constructor(options: PgWireServerOptions) {
    const tls: SecureContext | undefined = options.tls === undefined ? undefined : createSecureContext(options.tls);
    this.host = {
      engine: options.engine,
      authenticator: new Authenticator(options.auth),
      logger: (options.logger ?? silentLogger).child({ component: "pgwire" }),
      clock: options.clock ?? systemClock,
      maxFrameBytes: options.maxFrameBytes ?? MAX_FRAME_BYTES,
      startupTimeoutMs: options.startupTimeoutMs ?? 10_000,
      writeStallTimeoutMs: options.writeStallTimeoutMs ?? 60_000,
      sessionCloseTimeoutMs: options.sessionCloseTimeoutMs ?? 10_000,
      serverVersion: options.serverVersion ?? DEFAULT_SERVER_VERSION,
      tls,
      admission: options.admission,
      cancel: (processId, secretKey) => this.cancel(processId, secretKey),
      countProtocolError: () => {
        this.counters.protocolErrors++;
      },
    };
    this.maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    this.shutdownTimeoutMs = options.shutdownTimeoutMs ?? 5_000;
    this.server = createServer({ noDelay: true }, (socket) => this.accept(socket));
  }

  /** Starts listening; port 0 picks a free port. Resolves with the bound address. */
  listen(host: string, port: number): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.server.once("error", onError);
      this.server.listen(port, host, () => {
        this.server.off("error", onError);
        this.server.on("error", (err) => this.host.logger.error({ err }, "listener error"));
        this.host.logger.info({ host, port: this.port }, "pgwire listening");
        resolve({ host, port: this.port });
      });
    });
  }

  get port(): number {
    const address = this.server.address();
    return typeof address === "object" && address !== null ? address.port : 0;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  stats(): PgWireStats {
    return {
      connections: this.connections.size,
      acceptedConnectionsTotal: this.counters.accepted,
      rejectedConnectionsTotal: this.counters.rejected,
      protocolErrorsTotal: this.counters.protocolErrors,
      cancelRequestsTotal: this.counters.cancels,
    };
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.once("close", () => this.sockets.delete(socket));
    if (this.closing || this.connections.size >= this.maxConnections + MAX_REJECTING_CONNECTIONS) {
      this.counters.rejected++;
      socket.destroy();
      return;
    }
    const reject =
      this.connections.size >= this.maxConnections
        ? new KodiakError(SqlState.tooManyConnections, "sorry, too many clients already")
        : undefined;
    if (reject !== undefined) this.counters.rejected++;
    else this.counters.accepted++;
    const processId = this.nextProcessId++;
    const conn = new PgWireConnection(this.host, socket, processId, randomInt(-0x80000000, 0x7fffffff), reject);
    const done = conn.run().finally(() => this.connections.delete(processId));
    this.connections.set(processId, { conn, done });
  }

  private cancel(processId: number, secretKey: number): void {
    this.counters.cancels++;
    const entry = this.connections.get(processId);
    if (entry === undefined || !entry.conn.cancel(secretKey)) this.host.logger.debug({ processId }, "cancel request ignored");
  }

  /** Stops accepting, tells every client the server is shutting down (57P01), waits (bounded), then drops stragglers. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const listenerClosed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    const reason = new KodiakError(SqlState.adminShutdown, "terminating connection due to administrator command");
    const entries = [...this.connections.values()];
    for (const e of entries) e.conn.shutdown(reason);
    let timer: { cancel(): void } | undefined;
    const timedOut = new Promise<void>((resolve) => {
      timer = this.host.clock.setTimeout(resolve, this.shutdownTimeoutMs);
    });
    await Promise.race([Promise.all(entries.map((e) => e.done)), timedOut]);
    timer?.cancel();
    for (const e of this.connections.values()) e.conn.destroy();
    for (const socket of this.sockets) socket.destroy();
    await listenerClosed;
    this.host.logger.info({}, "pgwire closed");
  }
}
