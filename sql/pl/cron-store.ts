// The replicated cron state, kept in ordinary tables written through SQL sessions (so through
// Raft in a cluster and through the single-voter log in embedded mode):
//   kodiak.cron_runs   one row per run, primary key run_key = job + scheduled tick: a tick is
//                      claimed by committing its row BEFORE it runs, and a second claim of the same
//                      tick fails with 23505 (or 40001 when both commit concurrently) — at most once.
//   kodiak.cron_lease  one row: which scheduler may run ticks, until when (wall-clock ms).
// kodiak_cron_runs (system-tables.ts) lists kodiak.cron_runs with the reference's columns.
// The same store serves the coordinator's scheduler and the engine's RUN NOW.

import type { SqlSession, SqlValue, StatementResult } from "../api.js";
import { isKodiakError, KodiakError, SqlState } from "../../util/index.js";
import type { CronRun } from "./catalog.js";
import type { CronJobView, CronSource } from "./cron-scheduler.js";
import { formatTimestamp } from "./values.js";

/** Bound on retrying the store's DDL and lease transactions after a serialization failure. */
const ATTEMPTS_MAX = 5;

/** Errors of a statement that can be repeated as-is: conflicts and leader changes. */
const TRANSIENT: ReadonlySet<string> = new Set([SqlState.serializationFailure, SqlState.cannotConnectNow, "57P01", "08006", "08003"]);

const DDL = [
  "CREATE SCHEMA IF NOT EXISTS kodiak",
  "CREATE TABLE IF NOT EXISTS kodiak.cron_runs (run_key TEXT PRIMARY KEY, job TEXT NOT NULL, scheduled_ms BIGINT, " +
    "scheduled_for TIMESTAMPTZ, started_at TIMESTAMPTZ NOT NULL, finished_at TIMESTAMPTZ, status TEXT NOT NULL, error TEXT, runner TEXT NOT NULL)",
  "CREATE TABLE IF NOT EXISTS kodiak.cron_lease (id INT PRIMARY KEY, holder TEXT NOT NULL, expires_ms BIGINT NOT NULL, term BIGINT NOT NULL)",
];

/** A job as kodiak_cron_jobs lists it, with the SQL statement that runs its action. */
export interface StoredCronJob extends CronJobView {
  readonly actionSql: string;
}

export const sqlText = (s: string | null): string => (s === null ? "NULL" : `'${s.replace(/'/g, "''")}'`);
const sqlTs = (ms: number | null): string => (ms === null ? "NULL" : `'${formatTimestamp(ms, true)}'::TIMESTAMPTZ`);

/** Parses PostgreSQL timestamptz output ('2025-01-01 00:05:00+00', optional fraction, ±hh[:mm]). */
export function parseTimestamptz(v: SqlValue): number {
  if (typeof v !== "string") throw new KodiakError(SqlState.internalError, `expected a timestamptz, got ${String(v)}`);
  const m = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d(?:\.\d+)?)([+-]\d\d)(?::?(\d\d))?$/.exec(v);
  if (m === null) throw new KodiakError(SqlState.internalError, `unexpected timestamptz text '${v}'`);
  return Date.parse(`${m[1]}T${m[2]}${m[3]}:${m[4] ?? "00"}`);
}

const retryable = (e: unknown): boolean =>
  isKodiakError(e) && (e.code === SqlState.serializationFailure || e.code === "42P07" || e.code === "42P06" || e.code === "23505");

export class SqlCronStore implements CronSource<StoredCronJob> {
  private ready = false;

  constructor(
    /** A fresh session on the engine (the store opens one per operation and closes it). */
    private readonly openSession: () => Promise<SqlSession>,
    /** Who writes the rows: the coordinator id (cluster) or "engine" (RUN NOW). */
    readonly runner: string,
  ) {}

  /** One session for all of the store's statements, opened on first use (a connect per round
   * would cost a new session on the leader every second); operations take turns on it. */
  private session: Promise<SqlSession> | undefined;
  private turn: Promise<unknown> = Promise.resolve();

  private withSession<T>(fn: (run: (sql: string) => Promise<StatementResult>) => Promise<T>): Promise<T> {
    const op = async (): Promise<T> => {
      this.session ??= this.openSession();
      const pending = this.session;
      let s: SqlSession;
      try {
        s = await pending;
      } catch (e) {
        if (this.session === pending) this.session = undefined;
        throw e;
      }
      try {
        return await fn(async (sql) => {
          let last: StatementResult | undefined;
          for await (const r of s.run(sql)) last = r;
          if (last === undefined) throw new KodiakError(SqlState.internalError, `no result for ${sql}`);
          return last;
        });
      } catch (e) {
        // A session that lost its node (or is stuck in a transaction) is replaced for the next operation.
        if (!isKodiakError(e) || e.code.startsWith("08") || e.code.startsWith("57") || s.transactionStatus() !== "idle") {
          if (this.session === pending) this.session = undefined;
          await s.close().catch(() => undefined);
        }
        throw e;
      }
    };
    const result = this.turn.then(op, op);
    this.turn = result.catch(() => undefined);
    return result;
  }

  /** Closes the store's session (shutdown). */
  async close(): Promise<void> {
    const pending = this.session;
    this.session = undefined;
    await this.turn;
    if (pending !== undefined) await (await pending.catch(() => undefined))?.close();
  }

  /** Creates the tables and the view once (concurrent creators: the loser retries and finds them). */
  async ensure(): Promise<void> {
    if (this.ready) return;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.withSession(async (run) => {
          for (const sql of DDL) await run(sql);
        });
        this.ready = true;
        return;
      } catch (e) {
        if (!retryable(e) || attempt >= ATTEMPTS_MAX) throw e;
      }
    }
  }

  /** Commits the run's row; false when the tick already has one (another scheduler claimed it). */
  async claim(run: CronRun): Promise<boolean> {
    await this.ensure();
    const key =
      run.scheduledForMs === null
        ? `${run.job}|now|${run.startedAtMs}|${Math.random().toString(36).slice(2)}`
        : `${run.job}|${run.scheduledForMs}`;
    const sql =
      "INSERT INTO kodiak.cron_runs (run_key, job, scheduled_ms, scheduled_for, started_at, finished_at, status, error, runner) VALUES (" +
      [
        sqlText(key),
        sqlText(run.job),
        run.scheduledForMs === null ? "NULL" : String(run.scheduledForMs),
        sqlTs(run.scheduledForMs),
        sqlTs(run.startedAtMs),
        sqlTs(run.finishedAtMs),
        sqlText(run.status),
        sqlText(run.error),
        sqlText(this.runner),
      ].join(", ") +
      ")";
    for (let attempt = 1; ; attempt++) {
      try {
        await this.withSession((r) => r(sql));
        this.keys.set(run, key);
        if (run.status === "running") this.inFlight.add(key);
        return true;
      } catch (e) {
        if (isKodiakError(e) && e.code === SqlState.uniqueViolation) return false;
        // 40001: a concurrent claim of the same tick committed first — or an unrelated conflict
        // (e.g. concurrent DDL), after which the claim is simply tried again.
        if (!isKodiakError(e) || e.code !== SqlState.serializationFailure || attempt >= ATTEMPTS_MAX) throw e;
        const found = await this.withSession((r) => r(`SELECT 1 FROM kodiak.cron_runs WHERE run_key = ${sqlText(key)}`));
        if ((found.rows ?? []).length > 0) return false;
      }
    }
  }

  private readonly keys = new WeakMap<CronRun, string>();
  /** Rows this process claimed and has not finished: never abandoned by its own takeover. */
  private readonly inFlight = new Set<string>();

  /** Records the end of a claimed run (a row another scheduler marked 'abandoned' stays so). */
  async update(run: CronRun): Promise<void> {
    const key = this.keys.get(run);
    if (key === undefined) return;
    this.inFlight.delete(key);
    const sql =
      `UPDATE kodiak.cron_runs SET status = ${sqlText(run.status)}, error = ${sqlText(run.error)}, finished_at = ${sqlTs(run.finishedAtMs)} ` +
      `WHERE run_key = ${sqlText(key)} AND status = 'running'`;
    // Retried while leadership moves (the UPDATE is idempotent); if it still fails, the row stays
    // 'running' and the next lease holder marks it 'abandoned'.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.withSession((r) => r(sql));
        return;
      } catch (e) {
        if (!isKodiakError(e) || !TRANSIENT.has(e.code) || attempt >= ATTEMPTS_MAX) throw e;
      }
    }
  }

  async jobs(): Promise<readonly StoredCronJob[]> {
    const res = await this.withSession((r) =>
      r("SELECT name, schedule, timezone, on_missed, paused, created_at, resumed_at, action_sql FROM kodiak_cron_jobs"),
    );
    return (res.rows ?? []).map((row) => ({
      name: String(row[0]),
      schedule: String(row[1]),
      timezone: String(row[2]),
      onMissed: row[3] === "RUN ONCE" ? "RUN ONCE" : "SKIP",
      paused: row[4] === true,
      createdAtMs: parseTimestamptz(row[5] ?? null),
      resumedAtMs: parseTimestamptz(row[6] ?? null),
      actionSql: String(row[7]),
    }));
  }

  async lastTicks(): Promise<ReadonlyMap<string, number>> {
    await this.ensure();
    const res = await this.withSession((r) =>
      r("SELECT job, max(scheduled_ms) FROM kodiak.cron_runs WHERE scheduled_ms IS NOT NULL GROUP BY job"),
    );
    return new Map((res.rows ?? []).map((row) => [String(row[0]), Number(row[1])]));
  }

  async abandonRunning(): Promise<void> {
    await this.ensure();
    await this.withSession((r) =>
      r(
        "UPDATE kodiak.cron_runs SET status = 'abandoned', finished_at = now() WHERE status = 'running' AND run_key NOT LIKE '%|now|%'" +
          [...this.inFlight].map((k) => ` AND run_key <> ${sqlText(k)}`).join(""),
      ),
    );
  }

  /**
   * Takes or renews the scheduler lease for `ttlMs` from `nowMs` (this coordinator's wall clock) in
   * one serializable transaction: it reads the lease row and writes it only if free, expired or
   * already ours, so two coordinators never both succeed for overlapping terms (the OCC read check
   * aborts one with 40001). Returns the lease's expiry on success, undefined if someone else holds it.
   */
  async acquireLease(nowMs: number, ttlMs: number): Promise<number | undefined> {
    await this.ensure();
    try {
      return await this.withSession(async (run) => {
        await run("BEGIN");
        try {
          const cur = (await run("SELECT holder, expires_ms, term FROM kodiak.cron_lease WHERE id = 1")).rows?.[0];
          const expires = nowMs + ttlMs;
          if (cur === undefined) {
            await run(`INSERT INTO kodiak.cron_lease VALUES (1, ${sqlText(this.runner)}, ${expires}, 1)`);
          } else {
            const mine = cur[0] === this.runner;
            if (!mine && Number(cur[1]) > nowMs) {
              await run("ROLLBACK");
              return undefined;
            }
            const term = mine ? Number(cur[2]) : Number(cur[2]) + 1;
            await run(
              `UPDATE kodiak.cron_lease SET holder = ${sqlText(this.runner)}, expires_ms = ${expires}, term = ${term} WHERE id = 1`,
            );
          }
          await run("COMMIT");
          return expires;
        } catch (e) {
          await run("ROLLBACK").catch(() => undefined);
          throw e;
        }
      });
    } catch (e) {
      if (retryable(e)) return undefined;
      throw e;
    }
  }

  /** Gives the lease up (shutdown) so another coordinator takes over without waiting for expiry. */
  async releaseLease(): Promise<void> {
    await this.withSession((r) => r(`UPDATE kodiak.cron_lease SET expires_ms = 0 WHERE id = 1 AND holder = ${sqlText(this.runner)}`));
  }
}
