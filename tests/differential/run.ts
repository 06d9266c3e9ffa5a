// Differential testing: runs generated schemas and queries on PostgreSQL and on Kodiak (embedded,
// in-memory), compares results (as PostgreSQL text; row order only where ORDER BY makes it total)
// and error codes, and shrinks each mismatch to a minimal reproducer (fewest rows).
import type pg from "pg";
import { KvSqlEngine, MemoryKvStore, type SqlSession } from "../../sql/index.js";
import { SeededRandom } from "../../util/index.js";
import { type GenQuery, genQuery, genSchema, schemaSql, type Table } from "./generator.js";

type Outcome = { ok: true; rows: (string | null)[][] } | { ok: false; code: string; message: string };

async function onPg(client: pg.Client, sql: string): Promise<Outcome> {
  try {
    const res = await client.query({ text: sql, rowMode: "array", types: { getTypeParser: () => (v: string) => v } });
    return { ok: true, rows: (res.rows as (string | null)[][]).map((r) => r.map((v) => (v === null ? null : String(v)))) };
  } catch (e) {
    const x = e as { code?: string; message?: string };
    return { ok: false, code: x.code ?? "?", message: x.message ?? String(e) };
  }
}

async function onKodiak(s: SqlSession, sql: string): Promise<Outcome> {
  try {
    let last: Outcome = { ok: true, rows: [] };
    for await (const r of s.run(sql)) {
      const cols = r.columns ?? [];
      last = { ok: true, rows: (r.rows ?? []).map((row) => row.map((v, i) => s.formatText(v, cols[i].type))) };
    }
    return last;
  } catch (e) {
    const x = e as { code?: string; message?: string };
    return { ok: false, code: x.code ?? "?", message: x.message ?? String(e) };
  }
}

function same(a: Outcome, b: Outcome, ordered: boolean): boolean {
  if (!a.ok || !b.ok) return !a.ok && !b.ok && a.code === b.code;
  if (a.rows.length !== b.rows.length) return false;
  const key = (r: (string | null)[]) => JSON.stringify(r);
  const ka = a.rows.map(key);
  const kb = b.rows.map(key);
  if (!ordered) {
    ka.sort();
    kb.sort();
  }
  return ka.every((k, i) => k === kb[i]);
}

async function setup(client: pg.Client, tables: readonly Table[]): Promise<SqlSession> {
  const engine = new KvSqlEngine(new MemoryKvStore());
  const s = await engine.openSession({ user: "diff", database: "diff" });
  for (const stmt of schemaSql(tables)) {
    await client.query(stmt);
    for await (const _r of s.run(stmt)) {
      // consume
    }
  }
  return s;
}

async function check(client: pg.Client, tables: readonly Table[], q: GenQuery): Promise<{ same: boolean; pg: Outcome; kodiak: Outcome }> {
  const s = await setup(client, tables);
  const p = await onPg(client, q.sql);
  const k = await onKodiak(s, q.sql);
  return { same: same(p, k, q.ordered), pg: p, kodiak: k };
}

/** Removes rows while the mismatch persists (bounded number of attempts). */
async function shrink(client: pg.Client, tables: Table[], q: GenQuery): Promise<Table[]> {
  const MAX_ATTEMPTS = 80;
  let attempts = 0;
  let current = tables.map((t) => ({ ...t, rows: [...t.rows] }));
  for (let ti = 0; ti < current.length; ti++) {
    for (let ri = current[ti].rows.length - 1; ri >= 0 && attempts < MAX_ATTEMPTS; ri--) {
      attempts++;
      const candidate = current.map((t, k) => (k === ti ? { ...t, rows: t.rows.filter((_r, j) => j !== ri) } : t));
      const r = await check(client, candidate, q);
      if (!r.same) current = candidate;
    }
  }
  return current;
}

function show(o: Outcome): string {
  return o.ok
    ? JSON.stringify(o.rows.slice(0, 20)) + (o.rows.length > 20 ? ` … (${o.rows.length} rows)` : "")
    : `ERROR ${o.code}: ${o.message}`;
}

export interface DifferentialReport {
  queries: number;
  mismatches: string[];
}

export async function runDifferential(
  client: pg.Client,
  seed: number,
  schemas: number,
  queriesPerSchema: number,
  maxReported = 10,
): Promise<DifferentialReport> {
  const r = new SeededRandom(seed);
  const report: DifferentialReport = { queries: 0, mismatches: [] };
  for (let si = 0; si < schemas; si++) {
    const tables = genSchema(r);
    const s = await setup(client, tables);
    for (let qi = 0; qi < queriesPerSchema; qi++) {
      const q = genQuery(r, tables);
      report.queries++;
      const p = await onPg(client, q.sql);
      const k = await onKodiak(s, q.sql);
      if (same(p, k, q.ordered)) continue;
      if (report.mismatches.length >= maxReported) {
        report.mismatches.push(`(more) ${q.sql}`);
        continue;
      }
      const small = await shrink(client, tables, q);
      const again = await check(client, small, q);
      report.mismatches.push(
        [
          `-- seed ${seed}, schema ${si}, query ${qi}: reproducer`,
          ...schemaSql(small).map((x) => `${x};`),
          `${q.sql};`,
          `-- PostgreSQL: ${show(again.pg)}`,
          `-- Kodiak:     ${show(again.kodiak)}`,
        ].join("\n"),
      );
      // Restore this schema's tables in PostgreSQL after shrinking.
      await setup(client, tables);
    }
  }
  return report;
}
