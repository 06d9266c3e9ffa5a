// The coordinator's client sessions: a bounded map from session id to an engine SqlSession, with
// an idle timeout, one statement at a time per session (bounded wait line), and the running
// statement's AbortController so Cancel and the statement timeout can stop it.

import { randomUUID } from "node:crypto";
import type { SessionOptions, SqlEngine, SqlSession } from "../../sql/api.js";
import { type Clock, KodiakError, type Logger, SqlState, type TimerHandle } from "../../util/index.js";
import { sessionNotFound } from "./errors.js";

export interface SessionLimits {
  /** Open sessions per coordinator; more fail with 53300. */
  maxSessions: number;
  /** A session unused for this long is closed (its transaction rolled back). */
  idleTimeoutMs: number;
  /** Calls that may wait behind the running statement of one session; more fail with 53300. */
  maxWaitingPerSession: number;
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = { maxSessions: 1000, idleTimeoutMs: 30 * 60_000, maxWaitingPerSession: 16 };

/** How often idle sessions are looked for, at most. */
const IDLE_SWEEP_MAX_PERIOD_MS = 10_000;

export class ServerSession {
  lastUsedMs: number;
  /** The running statement's controller, if one is running. */
  running: AbortController | undefined;
  private tail: Promise<void> = Promise.resolve();
  private waiting = 0;
  closed = false;

  constructor(
    readonly id: string,
    readonly sql: SqlSession,
    nowMs: number,
    private readonly maxWaiting: number,
  ) {
    this.lastUsedMs = nowMs;
  }

  /** Runs fn once every earlier call on this session has finished (FIFO, bounded line). */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    if (this.waiting >= this.maxWaiting) {
      return Promise.reject(new KodiakError(SqlState.tooManyConnections, "too many calls waiting on this session"));
    }
    this.waiting++;
    const run = this.tail.then(() => {
      this.waiting--;
      if (this.closed) throw sessionNotFound(this.id);
      return fn();
    });
    this.tail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Aborts the running statement; true if there was one. */
  cancel(reason: KodiakError): boolean {
    if (this.running === undefined || this.running.signal.aborted) return false;
    this.running.abort(reason);
    return true;
  }
}

export class SessionRegistry {
  private readonly sessions = new Map<string, ServerSession>();
  private readonly sweeper: TimerHandle;

  constructor(
    private readonly engine: SqlEngine,
    private readonly limits: SessionLimits,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {
    const period = Math.max(10, Math.min(IDLE_SWEEP_MAX_PERIOD_MS, Math.floor(limits.idleTimeoutMs / 4)));
    this.sweeper = clock.setInterval(() => this.closeIdle(), period);
  }

  get size(): number {
    return this.sessions.size;
  }

  get idleTimeoutMs(): number {
    return this.limits.idleTimeoutMs;
  }

  async open(options: SessionOptions, register = true): Promise<ServerSession> {
    if (this.sessions.size >= this.limits.maxSessions) {
      throw new KodiakError(SqlState.tooManyConnections, "too many sessions open on this coordinator", {
        detail: `limit ${this.limits.maxSessions}`,
      });
    }
    const sql = await this.engine.openSession(options);
    const s = new ServerSession(randomUUID(), sql, this.clock.monotonicMs(), this.limits.maxWaitingPerSession);
    if (register) this.sessions.set(s.id, s);
    return s;
  }

  /** The session, marked as used now; 08003 if unknown. */
  get(id: string): ServerSession {
    const s = this.sessions.get(id);
    if (s === undefined) throw sessionNotFound(id);
    s.lastUsedMs = this.clock.monotonicMs();
    return s;
  }

  find(id: string): ServerSession | undefined {
    return this.sessions.get(id);
  }

  async close(id: string): Promise<void> {
    const s = this.sessions.get(id);
    if (s === undefined) return;
    this.sessions.delete(id);
    await closeSession(s);
  }

  get runningCount(): number {
    let n = 0;
    for (const s of this.sessions.values()) if (s.running !== undefined) n++;
    return n;
  }

  private closeIdle(): void {
    const now = this.clock.monotonicMs();
    for (const s of [...this.sessions.values()]) {
      if (s.running === undefined && now - s.lastUsedMs >= this.limits.idleTimeoutMs) {
        this.log.info({ session: s.id }, "closing idle session");
        this.close(s.id).catch((e: unknown) => this.log.warn({ session: s.id, err: String(e) }, "closing idle session failed"));
      }
    }
  }

  /** Closes every session (server shutdown). */
  async closeAll(): Promise<void> {
    this.sweeper.cancel();
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.allSettled(all.map((s) => closeSession(s)));
  }
}

/** Stops the session's statement and closes its engine session (rolling back). */
export async function closeSession(s: ServerSession): Promise<void> {
  s.closed = true;
  s.cancel(new KodiakError(SqlState.adminShutdown, "terminating statement because the session closed"));
  await s.sql.close();
}
