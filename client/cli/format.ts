// Renders statement outcomes for people and tools: psql-like aligned tables with row counts,
// CSV, JSON, sqlite-like "line" mode, and the jsonl protocol (one JSON object per statement, as
// specified for `kodiak sql --format jsonl`). Pure: returns strings, never writes.

import type { KodiakError } from "../../util/index.js";
import type { Outcome } from "./outcome.js";

export type OutputFormat = "table" | "csv" | "json" | "jsonl" | "line" | "arrow";
export const OUTPUT_FORMATS: readonly OutputFormat[] = ["table", "csv", "json", "jsonl", "line", "arrow"];

const NUMERIC_TYPES = new Set(["int2", "int4", "int8", "float4", "float8", "numeric", "oid"]);

function hex(b: Uint8Array): string {
  return `\\x${Buffer.from(b).toString("hex")}`;
}

/** PostgreSQL-style text for a value (psql's output); null stays null. */
export function displayText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === "boolean") return v ? "t" : "f";
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : Number.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity";
  if (typeof v === "bigint") return v.toString();
  if (v instanceof Uint8Array) return hex(v);
  if (Array.isArray(v)) return `{${v.map((e) => arrayElem(e)).join(",")}}`;
  if (typeof v === "string") return v;
  return JSON.stringify(v);
}

function arrayElem(v: unknown): string {
  const t = displayText(v);
  if (t === null) return "NULL";
  if (Array.isArray(v)) return t;
  return t === "" || /[{},"\\\s]/.test(t) || t.toUpperCase() === "NULL" ? `"${t.replace(/["\\]/g, (c) => `\\${c}`)}"` : t;
}

/** The command tag as psql prints it ("INSERT 0 3", "UPDATE 2", "CREATE TABLE"). */
export function commandTag(o: Outcome): string {
  if (o.command === "INSERT") return `INSERT 0 ${o.rowCount}`;
  if (["UPDATE", "DELETE", "SELECT", "COPY", "MOVE", "FETCH", "MERGE"].includes(o.command)) return `${o.command} ${o.rowCount}`;
  return o.command;
}

function width(s: string): number {
  return [...s].length;
}

/** psql's aligned format: centered header, separator, right-aligned numbers, "(N rows)". */
export function formatTable(o: Outcome): string {
  if (o.columns === undefined) return `${commandTag(o)}\n`;
  const cols = o.columns;
  const cells = o.rows.map((r) => cols.map((_, j) => displayText(r[j]) ?? ""));
  const widths = cols.map((c, j) => Math.max(width(c.name), ...cells.map((r) => Math.max(...r[j]!.split("\n").map(width)))));
  const header = cols
    .map((c, j) => {
      const pad = widths[j]! - width(c.name);
      const left = Math.floor(pad / 2);
      return " ".repeat(left) + c.name + " ".repeat(pad - left);
    })
    .join(" | ");
  const lines = [` ${header} `.trimEnd(), widths.map((w) => "-".repeat(w + 2)).join("+")];
  for (const r of cells) {
    const line = r
      .map((cell, j) => {
        const first = cell.split("\n")[0]!;
        const pad = " ".repeat(widths[j]! - width(first));
        return NUMERIC_TYPES.has(cols[j]!.type) ? pad + first : first + pad;
      })
      .join(" | ");
    lines.push(` ${line}`.trimEnd());
  }
  const n = o.rows.length;
  lines.push(`(${n} ${n === 1 ? "row" : "rows"})`);
  return `${lines.join("\n")}\n\n`;
}

function csvField(s: string | null): string {
  if (s === null) return "";
  return /[",\r\n]/.test(s) || s === "" ? `"${s.replace(/"/g, '""')}"` : s;
}

export function formatCsv(o: Outcome): string {
  if (o.columns === undefined) return "";
  const lines = [o.columns.map((c) => csvField(c.name)).join(",")];
  for (const r of o.rows) lines.push(o.columns.map((_, j) => csvField(displayText(r[j]))).join(","));
  return `${lines.join("\n")}\n`;
}

/** sqlite's "line" mode: one `column = value` line per field, a blank line between rows. */
export function formatLine(o: Outcome): string {
  if (o.columns === undefined) return `${commandTag(o)}\n`;
  const w = Math.max(0, ...o.columns.map((c) => width(c.name)));
  return o.rows
    .map((r) => `${o.columns!.map((c, j) => `${" ".repeat(w - width(c.name))}${c.name} = ${displayText(r[j]) ?? "NULL"}`).join("\n")}\n`)
    .join("\n");
}

/** A value as JSON: numbers, strings, booleans, null; int8 beyond 2^53 and decimals as strings. */
export function jsonValue(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === "bigint") return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v.toString();
  if (typeof v === "number") return Number.isFinite(v) ? v : displayText(v);
  if (typeof v === "boolean" || typeof v === "string") return v;
  if (v instanceof Uint8Array) return hex(v);
  if (Array.isArray(v)) return v.map(jsonValue);
  return displayText(v);
}

/** `--format json`: an array of row objects for a query, the command object otherwise. */
export function formatJson(o: Outcome): string {
  if (o.columns === undefined) return `${JSON.stringify({ command: o.command, rows_affected: o.rowCount })}\n`;
  const cols = o.columns;
  const rows = o.rows.map((r) => Object.fromEntries(cols.map((c, j) => [c.name, jsonValue(r[j])])));
  return `${JSON.stringify(rows, null, 1)}\n`;
}

/** One jsonl line (with "\n") for a statement's outcome. */
export function jsonlLine(o: Outcome): string {
  if (o.columns === undefined) return `${JSON.stringify({ command: o.command, rows_affected: o.rowCount })}\n`;
  return `${JSON.stringify({
    columns: o.columns.map((c) => c.name),
    types: o.columns.map((c) => c.type),
    rows: o.rows.map((r) => o.columns!.map((_, j) => jsonValue(r[j]))),
  })}\n`;
}

/** One jsonl line (with "\n") for a failed statement. */
export function jsonlError(e: KodiakError): string {
  const error: { code: string; message: string; position?: number } = { code: e.code, message: e.message };
  if (e.position !== undefined) error.position = e.position;
  return `${JSON.stringify({ error })}\n`;
}

/** Formats an outcome in a text format (everything but arrow). */
export function formatOutcome(o: Outcome, format: Exclude<OutputFormat, "arrow">): string {
  switch (format) {
    case "table":
      return formatTable(o);
    case "csv":
      return formatCsv(o);
    case "json":
      return formatJson(o);
    case "jsonl":
      return jsonlLine(o);
    case "line":
      return formatLine(o);
  }
}
