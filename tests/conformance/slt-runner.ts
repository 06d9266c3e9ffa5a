// sqllogictest runner for Kodiak sessions, mirroring ../shared/conformance/tools/slt_check.py:
// record parsing, skipif/onlyif, hash-threshold, I/R/T rendering (from PostgreSQL text output, as
// the pgwire adapter sees it), rowsort/valuesort, md5 hashing and labels.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { SqlSession, SqlType, SqlValue } from "../../sql/api.js";

export interface SltResult {
  passed: number;
  failed: number;
  skipped: number;
  halted: boolean;
  /** "line: reason" for each failure. */
  failures: { line: number; reason: string }[];
}

interface SltRecord {
  line: number;
  conds: [string, string][];
  kind: string;
  args: string[];
  sql: string;
  expected: string[];
}

export function parseSlt(text: string): SltRecord[] {
  const lines: [number, string][] = [];
  text.split("\n").forEach((raw, i) => {
    let ln = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (ln.trim() === "") ln = "";
    if (ln.startsWith("#")) return;
    lines.push([i + 1, ln]);
  });
  const out: SltRecord[] = [];
  let k = 0;
  const n = lines.length;
  while (k < n) {
    while (k < n && lines[k][1] === "") k++;
    if (k >= n) break;
    const conds: [string, string][] = [];
    let [lineno, ln] = lines[k];
    let toks = ln.split(/\s+/).filter((t) => t !== "");
    while (toks.length > 0 && (toks[0] === "skipif" || toks[0] === "onlyif")) {
      conds.push([toks[0], toks[1] ?? ""]);
      k++;
      [lineno, ln] = k < n ? lines[k] : [lineno, ""];
      toks = ln.split(/\s+/).filter((t) => t !== "");
    }
    k++;
    const rec: SltRecord = { line: lineno, conds, kind: toks[0] ?? "", args: toks.slice(1), sql: "", expected: [] };
    const body: string[] = [];
    while (k < n && lines[k][1] !== "") body.push(lines[k++][1]);
    if (rec.kind === "query") {
      const j = body.indexOf("----");
      if (j >= 0) {
        rec.sql = body.slice(0, j).join("\n");
        rec.expected = body.slice(j + 1);
      } else rec.sql = body.join("\n");
    } else rec.sql = body.join("\n");
    out.push(rec);
  }
  return out;
}

const INT_PREFIX = /^\s*([+-]?\d+)/;
const REAL_PREFIX = /^\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)/;

function toInt32(s: string): string {
  const m = INT_PREFIX.exec(s);
  let n = m ? BigInt(m[1]) : 0n;
  if (n > 2n ** 63n - 1n) n = 2n ** 63n - 1n;
  if (n < -(2n ** 63n)) n = -(2n ** 63n);
  return BigInt.asIntN(32, n).toString();
}

function toReal(s: string): number {
  const m = REAL_PREFIX.exec(s);
  if (!m) return 0;
  const v = Number(m[1]);
  return Number.isFinite(v) || /inf/i.test(m[1]) ? v : 0;
}

/** SQLite's "%.3f" with at most 16 significant digits, rounding half up (see slt_check.py). */
export function realFixed3(r: number): string {
  if (Number.isNaN(r)) return "NaN";
  if (!Number.isFinite(r)) return r > 0 ? "Inf" : "-Inf";
  if (r === 0) return "0.000";
  const neg = r < 0;
  // Exact decimal expansion of the double.
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, Math.abs(r));
  const bits = buf.getBigUint64(0);
  const expBits = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n);
  let e2: number;
  if (expBits === 0) e2 = -1074;
  else {
    mant |= 1n << 52n;
    e2 = expBits - 1075;
  }
  let unscaled: bigint;
  let scale: number;
  if (e2 >= 0) {
    unscaled = mant << BigInt(e2);
    scale = 0;
  } else {
    unscaled = mant * 5n ** BigInt(-e2);
    scale = -e2;
  }
  const digits = unscaled.toString().length;
  const idp = digits - scale; // digits before the point (adjusted + 1)
  const keep = Math.min(idp + 3, 16);
  const roundTo = (u: bigint, s: number, target: number): [bigint, number] => {
    if (target >= s) return [u * 10n ** BigInt(target - s), target];
    const div = 10n ** BigInt(s - target);
    const q = u / div;
    const rem = u % div;
    return [rem * 2n >= div ? q + 1n : q, target];
  };
  let u: bigint;
  let s: number;
  if (keep < 0) {
    u = 0n;
    s = 0;
  } else [u, s] = roundTo(unscaled, scale, keep - idp);
  [u, s] = roundTo(u, s, 3);
  let txt = u.toString().padStart(4, "0");
  txt = `${txt.slice(0, -3)}.${txt.slice(-3)}`;
  return (neg ? "-" : "") + txt;
}

function formatValue(text: string | null, t: string): string {
  if (text === null) return "NULL";
  if (t === "I") return toInt32(text);
  if (t === "R") return realFixed3(toReal(text));
  if (text === "") return "(empty)";
  let out = "";
  for (const b of Buffer.from(text, "utf8")) out += b >= 0x20 && b <= 0x7e ? String.fromCharCode(b) : "@";
  return out;
}

function md5Of(values: readonly string[]): string {
  const h = createHash("md5");
  for (const v of values) h.update(`${v}\n`, "latin1");
  return h.digest("hex");
}

async function runAll(session: SqlSession, sql: string): Promise<{ columns: { type: SqlType }[]; rows: SqlValue[][] }> {
  let last: { columns: { type: SqlType }[]; rows: SqlValue[][] } = { columns: [], rows: [] };
  for await (const r of session.run(sql)) last = { columns: r.columns ?? [], rows: r.rows ?? [] };
  return last;
}

export async function runSlt(path: string, engineName: string, openSession: () => Promise<SqlSession>): Promise<SltResult> {
  const res: SltResult = { passed: 0, failed: 0, skipped: 0, halted: false, failures: [] };
  const session = await openSession();
  let threshold = 8;
  const labels = new Map<string, string>();
  const fail = (rec: SltRecord, reason: string) => {
    res.failed++;
    res.failures.push({ line: rec.line, reason });
  };
  try {
    for (const rec of parseSlt(readFileSync(path, "utf8"))) {
      const name = engineName.toLowerCase();
      const skip = rec.conds.some(([kind, db]) => (kind === "skipif" ? db.toLowerCase() === name : db.toLowerCase() !== name));
      if (skip) {
        if (rec.kind === "statement" || rec.kind === "query") res.skipped++;
        continue;
      }
      if (rec.kind === "hash-threshold") {
        threshold = rec.args[0] ? Number(rec.args[0]) : 0;
        continue;
      }
      if (rec.kind === "halt") {
        res.halted = true;
        break;
      }
      if (rec.kind === "statement") {
        let ok = true;
        let error = "";
        try {
          await runAll(session, rec.sql);
        } catch (e) {
          ok = false;
          error = e instanceof Error ? `${(e as { code?: string }).code ?? ""} ${e.message}` : String(e);
        }
        const mode = rec.args[0] ?? "";
        if ((mode === "ok" && ok) || (mode === "error" && !ok)) res.passed++;
        else if (mode === "ok") fail(rec, `statement failed: ${error}`);
        else if (mode === "error") fail(rec, "statement succeeded, error expected");
        else fail(rec, `bad statement mode ${mode}`);
        continue;
      }
      if (rec.kind === "query") {
        const types = rec.args[0] ?? "";
        const sort = rec.args[1] ?? "nosort";
        const label = rec.args[2] ?? "";
        let result: Awaited<ReturnType<typeof runAll>>;
        try {
          result = await runAll(session, rec.sql);
        } catch (e) {
          fail(rec, `query failed: ${e instanceof Error ? `${(e as { code?: string }).code ?? ""} ${e.message}` : String(e)}`);
          continue;
        }
        if (result.columns.length !== types.length) {
          fail(rec, `expected ${types.length} columns, got ${result.columns.length}`);
          continue;
        }
        const frows = result.rows.map((r) =>
          r.map((v, i) => {
            const t = result.columns[i].type;
            let text = session.formatText(v, t);
            if (text !== null && t.name === "bool") text = text === "t" ? "1" : "0";
            return formatValue(text, types[i]);
          }),
        );
        let values: string[];
        if (sort === "rowsort") {
          frows.sort((a, b) => {
            for (let i = 0; i < Math.min(a.length, b.length); i++)
              if (a[i] !== b[i]) return Buffer.compare(Buffer.from(a[i], "latin1"), Buffer.from(b[i], "latin1"));
            return a.length - b.length;
          });
          values = frows.flat();
        } else if (sort === "valuesort")
          values = frows.flat().sort((a, b) => Buffer.compare(Buffer.from(a, "latin1"), Buffer.from(b, "latin1")));
        else values = frows.flat();
        let ok = true;
        let msg = "";
        const hashed = threshold > 0 && values.length > threshold;
        const digest = label || hashed ? md5Of(values) : "";
        if (label) {
          const prev = labels.get(label);
          if (prev === undefined) labels.set(label, digest);
          else if (prev !== digest) {
            ok = false;
            msg = `label ${label} disagrees with earlier result`;
          }
        }
        if (hashed) {
          const got = `${values.length} values hashing to ${digest}`;
          if (rec.expected.length !== 1 || rec.expected[0] !== got) {
            ok = false;
            msg = `expected [${rec.expected[0] ?? ""}] got [${got}]`;
          }
        } else if (values.length !== rec.expected.length || values.some((v, i) => v !== rec.expected[i])) {
          ok = false;
          msg = `expected ${JSON.stringify(rec.expected.slice(0, 10))} got ${JSON.stringify(values.slice(0, 10))}`;
        }
        if (ok) res.passed++;
        else fail(rec, msg);
        continue;
      }
      fail(rec, `unknown record type ${rec.kind}`);
      break;
    }
  } finally {
    await session.close();
  }
  return res;
}
