// Runs checklist scripts against the real SQL engine (KvSqlEngine over the in-memory KV store),
// one statement at a time so a failing statement is recorded and the script goes on.
import type { SqlSession, SqlValue } from "../../../sql/api.js";
import { KvSqlEngine } from "../../../sql/engine/engine.js";
import { MemoryKvStore } from "../../../sql/kv/index.js";
import { KodiakError } from "../../../util/index.js";
import { type Outcome, splitScript } from "./harness.js";

function norm(v: SqlValue): unknown {
  if (typeof v === "bigint") return v >= -(2n ** 53n) && v <= 2n ** 53n ? Number(v) : v.toString();
  if (Array.isArray(v)) return v.map(norm);
  return v;
}

export async function engineSession(): Promise<{ engine: KvSqlEngine; session: SqlSession }> {
  const engine = new KvSqlEngine(new MemoryKvStore());
  return { engine, session: await engine.openSession({ user: "test", database: "test" }) };
}

export async function runOnEngine(script: string): Promise<Outcome[]> {
  const { engine, session } = await engineSession();
  const outcomes: Outcome[] = [];
  try {
    for (const text of splitScript(script)) {
      try {
        let last: Outcome = { rows: [] };
        for await (const r of session.run(text)) last = { rows: (r.rows ?? []).map((row) => row.map(norm)) };
        outcomes.push(last);
      } catch (e) {
        if (!(e instanceof KodiakError)) throw e;
        outcomes.push({ error: e.code, message: e.message });
      }
    }
  } finally {
    await engine.close();
  }
  return outcomes;
}
