// Turns StatementResults into wire messages: RowDescription fields, encoded DataRows in text or
// binary per column, and PostgreSQL command tags ("INSERT 0 3", "SELECT 2", "UPDATE 1").

import type { ResultColumn, SqlSession, SqlValue, StatementResult } from "../../sql/api.js";
import { KodiakError, SqlState } from "../../util/index.js";
import { backend, type FieldDescription } from "./backend.js";
import { encodeBinary } from "./binary-codec.js";
import type { ByteWriter } from "./byte-writer.js";
import { typeSize } from "./type-info.js";

export const TEXT_FORMAT = 0;
export const BINARY_FORMAT = 1;

/** Format for column i given the codes from Bind (none = all text, one = all that one, else one each). */
export function formatFor(formats: readonly number[], i: number): number {
  if (formats.length === 0) return TEXT_FORMAT;
  if (formats.length === 1) return formats[0]!;
  return formats[i] ?? TEXT_FORMAT;
}

/** Checks a Bind's result-format count against the statement's columns (PostgreSQL: 08P01). */
export function checkResultFormats(formats: readonly number[], columnCount: number): void {
  if (formats.length > 1 && formats.length !== columnCount) {
    throw new KodiakError(
      SqlState.protocolViolation,
      `bind message has ${formats.length} result formats but query has ${columnCount} columns`,
    );
  }
}

export function fieldDescriptions(columns: readonly ResultColumn[], formats: readonly number[]): FieldDescription[] {
  return columns.map((c, i) => ({
    name: c.name,
    tableOid: 0,
    columnAttr: 0,
    typeOid: c.type.oid,
    typeSize: typeSize(c.type.oid),
    typeModifier: c.type.typmod,
    format: formatFor(formats, i),
  }));
}

export function encodeRow(
  session: SqlSession,
  columns: readonly ResultColumn[],
  row: readonly SqlValue[],
  formats: readonly number[],
): (Uint8Array | null)[] {
  const out: (Uint8Array | null)[] = [];
  for (let i = 0; i < columns.length; i++) {
    const value = row[i] ?? null;
    const type = columns[i]!.type;
    if (value === null) out.push(null);
    else if (formatFor(formats, i) === BINARY_FORMAT) out.push(encodeBinary(value, type));
    else {
      const text = session.formatText(value, type);
      out.push(text === null ? null : Buffer.from(text, "utf8"));
    }
  }
  return out;
}

/** Writes DataRows for rows[start, end). */
export function writeRows(
  w: ByteWriter,
  session: SqlSession,
  columns: readonly ResultColumn[],
  rows: readonly SqlValue[][],
  formats: readonly number[],
  start: number,
  end: number,
): void {
  for (let i = start; i < end; i++) backend.dataRow(w, encodeRow(session, columns, rows[i]!, formats));
}

const COUNTED_COMMANDS = new Set(["SELECT", "UPDATE", "DELETE", "MERGE", "MOVE", "FETCH", "COPY"]);

/** PostgreSQL's CommandComplete tag; rowCount overrides the result's (for partial portal runs). */
export function commandTag(result: StatementResult, rowCount = result.rowCount): string {
  const command = result.command.toUpperCase();
  if (command === "INSERT") return `INSERT 0 ${rowCount}`;
  if (COUNTED_COMMANDS.has(command)) return `${command} ${rowCount}`;
  return result.command;
}
