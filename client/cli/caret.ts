// psql-style error display: "ERROR:  SQLSTATE: message", then the statement line holding the error position
// with a caret under the offending character, plus DETAIL/HINT lines. Pure.

import type { KodiakError } from "../../util/index.js";

/** Lines longer than this are cut around the caret so it stays on screen. */
const MAX_SHOWN_LINE_CHARS = 120;

/** Where a 1-based character position falls: 1-based line number, the line, 0-based column. */
export function locate(sql: string, position: number): { line: number; text: string; column: number } {
  const chars = [...sql];
  const idx = Math.min(Math.max(position - 1, 0), chars.length);
  let line = 1;
  let start = 0;
  for (let i = 0; i < idx; i++) {
    if (chars[i] === "\n") {
      line++;
      start = i + 1;
    }
  }
  let end = start;
  while (end < chars.length && chars[end] !== "\n") end++;
  return { line, text: chars.slice(start, end).join("").replace(/\r$/, ""), column: idx - start };
}

export function formatError(e: KodiakError, sql: string | undefined): string {
  const lines = [`ERROR:  ${e.code}: ${e.message}`];
  if (e.position !== undefined && sql !== undefined && e.position > 0) {
    const { line, text, column } = locate(sql, e.position);
    let shown = text.replace(/\t/g, " ");
    let col = column;
    if (shown.length > MAX_SHOWN_LINE_CHARS) {
      const from = Math.max(0, col - MAX_SHOWN_LINE_CHARS / 2);
      shown = `...${shown.slice(from, from + MAX_SHOWN_LINE_CHARS)}`;
      col = col - from + 3;
    }
    const prefix = `LINE ${line}: `;
    lines.push(prefix + shown, `${" ".repeat(prefix.length + col)}^`);
  }
  if (e.detail !== undefined) lines.push(`DETAIL:  ${e.detail}`);
  if (e.hint !== undefined) lines.push(`HINT:  ${e.hint}`);
  return `${lines.join("\n")}\n`;
}
