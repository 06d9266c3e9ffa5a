// The `--format jsonl` rendering of statement results and errors: one JSON line per statement.
// Exact decimals and 64-bit integers beyond 2^53 are strings; types are PostgreSQL type names.
import type { KodiakError } from "../util/index.js";
import type { SqlValue, StatementResult } from "./api.js";

function jsonValue(v: SqlValue, typeName: string): unknown {
  if (v === null || typeof v === "boolean" || typeof v === "string") return v;
  if (typeof v === "bigint") return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  if (typeof v === "number")
    return Number.isFinite(v)
      ? v
      : String(v === Number.POSITIVE_INFINITY ? "Infinity" : v === Number.NEGATIVE_INFINITY ? "-Infinity" : "NaN");
  if (v instanceof Uint8Array) return `\\x${Buffer.from(v).toString("hex")}`;
  const elem = typeName.startsWith("_") ? typeName.slice(1) : typeName;
  return v.map((x) => jsonValue(x, elem));
}

/** One line (without the newline) for a successful statement. */
export function formatJsonlResult(r: StatementResult): string {
  if (r.columns) {
    const types = r.columns.map((c) => c.type.name);
    return JSON.stringify({
      columns: r.columns.map((c) => c.name),
      types,
      rows: (r.rows ?? []).map((row) => row.map((v, i) => jsonValue(v, types[i]))),
    });
  }
  return JSON.stringify({ command: r.command, rows_affected: r.rowCount });
}

/** One line (without the newline) for a failed statement. */
export function formatJsonlError(e: KodiakError): string {
  const error: { code: string; message: string; position?: number; line?: number; column?: number; context?: string } = {
    code: e.code,
    message: e.message,
  };
  if (e.position !== undefined) error.position = e.position;
  // PL-Grizzly errors (sql/pl PlError) also carry the script line/column and the PL call stack.
  const pl = e as KodiakError & { line?: number; column?: number; context?: string };
  if (pl.line !== undefined && pl.line > 0) {
    error.line = pl.line;
    error.column = pl.column ?? 0;
  }
  if (pl.context !== undefined && pl.context !== "") error.context = pl.context;
  return JSON.stringify({ error });
}
