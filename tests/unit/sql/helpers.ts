// Small helpers for SQL unit tests: an embedded engine per test and result/error shortcuts.
import type { SqlSession, SqlValue, StatementResult } from "../../../sql/index.js";
import { KvSqlEngine, MemoryKvStore } from "../../../sql/index.js";
import { KodiakError } from "../../../util/index.js";

export async function newEngine(): Promise<{ engine: KvSqlEngine; session: () => Promise<SqlSession> }> {
  const engine = new KvSqlEngine(new MemoryKvStore());
  return { engine, session: () => engine.openSession({ user: "test", database: "test" }) };
}

export async function exec(s: SqlSession, sql: string): Promise<StatementResult[]> {
  const out: StatementResult[] = [];
  for await (const r of s.run(sql)) out.push(r);
  return out;
}

/** Rows of the last statement of a script. */
export async function rows(s: SqlSession, sql: string): Promise<SqlValue[][]> {
  const r = await exec(s, sql);
  return r[r.length - 1]?.rows ?? [];
}

/** The KodiakError a script fails with (fails the test if it succeeds or throws something else). */
export async function failure(s: SqlSession, sql: string): Promise<KodiakError> {
  try {
    await exec(s, sql);
  } catch (e) {
    if (e instanceof KodiakError) return e;
    throw new Error(`not a KodiakError: ${String(e)}`);
  }
  throw new Error(`expected an error from: ${sql}`);
}
