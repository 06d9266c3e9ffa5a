// Test harness for PL-Grizzly scripts: a PlSession over a stub SqlHost (no tables yet: SQL that
// needs the engine fails with 0A000), a splitter for checklist scripts, and result normalisation
// to the checklist's JSON conventions (INT64/NUMERIC beyond 2^53 as strings).
import type { SqlValue } from "../../../sql/api.js";
import { type HostResult, MemoryCatalog, PlSession, type SqlHost } from "../../../sql/pl/index.js";
import { KodiakError, type ManualClock, systemClock } from "../../../util/index.js";

export class StubHost implements SqlHost {
  readonly executed: { sql: string; params: readonly unknown[] }[] = [];
  private sp = 0;
  execute(sql: string, params: readonly { value: SqlValue }[]): HostResult {
    this.executed.push({ sql, params: params.map((p) => p.value) });
    const verb = sql.trim().split(/\s+/)[0]!.toUpperCase();
    if (["BEGIN", "COMMIT", "ROLLBACK", "START", "END", "SAVEPOINT", "RELEASE"].includes(verb)) return { rowCount: 0 };
    throw new KodiakError("0A000", `no SQL engine in this test: ${sql}`);
  }
  savepoint(): string {
    return `sp${++this.sp}`;
  }
  rollbackToSavepoint(): void {}
  releaseSavepoint(): void {}
}

export function newSession(opts: { clock?: ManualClock } = {}): { session: PlSession; host: StubHost; catalog: MemoryCatalog } {
  const host = new StubHost();
  const catalog = new MemoryCatalog();
  const session = new PlSession({ host, catalog, clock: opts.clock ?? systemClock });
  return { session, host, catalog };
}

/** Splits a script at top-level `;` (outside quotes, comments and brackets). */
export function splitScript(script: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < script.length; i++) {
    const c = script[i]!;
    if (c === "'" || c === '"') {
      const q = c;
      i++;
      while (i < script.length && !(script[i] === q && script[i + 1] !== q)) i += script[i] === q ? 2 : 1;
    } else if (c === "-" && script[i + 1] === "-") {
      while (i < script.length && script[i] !== "\n") i++;
    } else if ("({[".includes(c)) depth++;
    else if (")}]".includes(c)) depth--;
    else if (c === ";" && depth === 0) {
      if (script.slice(start, i).trim() !== "") out.push(script.slice(start, i));
      start = i + 1;
    }
  }
  if (script.slice(start).trim() !== "") out.push(script.slice(start));
  return out;
}

export type Outcome = { rows: unknown[][] } | { error: string; message: string };

function norm(v: SqlValue): unknown {
  if (typeof v === "bigint") return v >= -(2n ** 53n) && v <= 2n ** 53n ? Number(v) : v.toString();
  if (Array.isArray(v)) return v.map(norm);
  return v;
}

/** Runs each statement; an error is recorded and the script goes on (checklist rule). */
export async function runScript(script: string, session = newSession().session): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
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
  return outcomes;
}
