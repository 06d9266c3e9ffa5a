// Test/dev fixture only, NOT the SQL engine: a tokenizer for the tiny SQL subset FakeSqlEngine
// understands, so pgwire can be exercised before the real engine (sql/) lands.

import { KodiakError, SqlState } from "../../../util/index.js";

export interface Token {
  kind: "ident" | "number" | "string" | "param" | "op" | "end";
  text: string;
  /** 0-based offset in the statement. */
  pos: number;
}

const OPS = ["::", "[", "]", "<=", ">=", "<>", "!=", "(", ")", ",", "*", "/", "+", "-", "=", "<", ">", ";", "."];

export function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (/\s/.test(c)) i++;
    else if (sql.startsWith("--", i)) while (i < sql.length && sql[i] !== "\n") i++;
    else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i))!;
      out.push({ kind: "ident", text: m[0].toLowerCase(), pos: i });
      i += m[0].length;
    } else if (c === '"') {
      const end = sql.indexOf('"', i + 1);
      if (end < 0) throw syntaxError(sql, i, "unterminated quoted identifier");
      out.push({ kind: "ident", text: sql.slice(i + 1, end), pos: i });
      i = end + 1;
    } else if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(sql[i + 1] ?? ""))) {
      const m = /^(\d+\.?\d*|\.\d+)(e[+-]?\d+)?/i.exec(sql.slice(i))!;
      out.push({ kind: "number", text: m[0], pos: i });
      i += m[0].length;
    } else if (c === "'") {
      const parts: string[] = [];
      let j = i + 1;
      for (;;) {
        const q = sql.indexOf("'", j);
        if (q < 0) throw syntaxError(sql, i, "unterminated quoted string");
        parts.push(sql.slice(j, q));
        if (sql[q + 1] !== "'") {
          j = q;
          break;
        }
        parts.push("'");
        j = q + 2;
      }
      out.push({ kind: "string", text: parts.join(""), pos: i });
      i = j + 1;
    } else if (c === "$" && /[0-9]/.test(sql[i + 1] ?? "")) {
      const m = /^\$(\d+)/.exec(sql.slice(i))!;
      out.push({ kind: "param", text: m[1]!, pos: i });
      i += m[0].length;
    } else {
      const op = OPS.find((o) => sql.startsWith(o, i));
      if (op === undefined) throw syntaxError(sql, i, `syntax error at or near "${c}"`);
      out.push({ kind: "op", text: op, pos: i });
      i += op.length;
    }
  }
  out.push({ kind: "end", text: "", pos: sql.length });
  return out;
}

export function syntaxError(_sql: string, pos: number, message: string): KodiakError {
  return new KodiakError(SqlState.syntaxError, message, { position: pos + 1 });
}

/** Splits a script at top-level semicolons (outside quotes and comments). */
export function splitStatements(sql: string): { text: string; offset: number }[] {
  const out: { text: string; offset: number }[] = [];
  let start = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'" || c === '"') {
      const end = sql.indexOf(c, i + 1);
      i = end < 0 ? sql.length : end + 1;
    } else if (sql.startsWith("--", i)) {
      while (i < sql.length && sql[i] !== "\n") i++;
    } else if (c === ";") {
      out.push({ text: sql.slice(start, i), offset: start });
      start = ++i;
    } else i++;
  }
  out.push({ text: sql.slice(start), offset: start });
  return out.filter((s) => s.text.replace(/--[^\n]*/g, "").trim() !== "");
}
