// Incremental SQL statement splitter for the CLI: feed text as it arrives, get back each complete
// statement (ended by a ';' outside quotes, comments and dollar quotes) as soon as it is complete.
// Pure: no I/O. Bounded: a statement longer than MAX_STATEMENT_CHARS is an error.

import { KodiakError, SqlState } from "../../util/index.js";

/** Longest statement the CLI buffers. */
export const MAX_STATEMENT_CHARS = 16 * 1024 * 1024;

type State =
  | { kind: "normal" }
  | { kind: "single"; escapes: boolean }
  | { kind: "double" }
  | { kind: "line-comment" }
  | { kind: "block-comment"; depth: number }
  | { kind: "dollar"; tag: string };

export class StatementSplitter {
  private buf = "";
  /** Scan position in buf and the lexical state there. */
  private pos = 0;
  private state: State = { kind: "normal" };

  /** True while a statement has started but is not complete (the REPL's continuation prompt). */
  get pending(): boolean {
    return this.buf.trim() !== "";
  }

  /** Text buffered so far. */
  get text(): string {
    return this.buf;
  }

  /** Adds text; returns the statements it completed (without their ';', trimmed, never empty). */
  push(text: string): string[] {
    this.buf += text;
    if (this.buf.length > MAX_STATEMENT_CHARS) {
      this.reset();
      throw new KodiakError(SqlState.programLimitExceeded, `statement longer than ${MAX_STATEMENT_CHARS} characters`);
    }
    const out: string[] = [];
    while (this.pos < this.buf.length) {
      const end = this.scan();
      if (end < 0) break;
      const stmt = this.buf.slice(0, end).trim();
      this.buf = this.buf.slice(end + 1);
      this.pos = 0;
      if (isMeaningful(stmt)) out.push(stmt);
    }
    return out;
  }

  /** The unterminated rest (end of input), or undefined if only blanks/comments remain. */
  finish(): string | undefined {
    const rest = this.buf.trim();
    this.reset();
    return isMeaningful(rest) ? rest : undefined;
  }

  reset(): void {
    this.buf = "";
    this.pos = 0;
    this.state = { kind: "normal" };
  }

  /** Advances pos; returns the index of a terminating ';' or -1 when more input is needed. */
  private scan(): number {
    const s = this.buf;
    while (this.pos < s.length) {
      const i = this.pos;
      const c = s[i]!;
      const st = this.state;
      if (st.kind === "normal") {
        if (c === ";") {
          this.pos = i + 1;
          return i;
        }
        if (c === "'") {
          const prev = s[i - 1];
          this.state = { kind: "single", escapes: prev === "E" || prev === "e" };
        } else if (c === '"') this.state = { kind: "double" };
        else if (c === "-" && s[i + 1] === "-") this.state = { kind: "line-comment" };
        else if (c === "-" && i + 1 === s.length) return -1;
        else if (c === "/" && s[i + 1] === "*") {
          this.state = { kind: "block-comment", depth: 1 };
          this.pos = i + 2;
          continue;
        } else if (c === "/" && i + 1 === s.length) return -1;
        else if (c === "$") {
          const m = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(s.slice(i, i + 66));
          const prev = s[i - 1] ?? " ";
          if (m !== null && !/[A-Za-z0-9_]/.test(prev)) {
            this.state = { kind: "dollar", tag: m[0] };
            this.pos = i + m[0].length;
            continue;
          }
          if (m === null && /^\$[A-Za-z0-9_]*$/.test(s.slice(i)) && !/[0-9]/.test(s[i + 1] ?? "")) return -1;
        }
        this.pos = i + 1;
      } else if (st.kind === "single") {
        if (st.escapes && c === "\\") {
          if (i + 1 === s.length) return -1;
          this.pos = i + 2;
          continue;
        }
        if (c === "'") {
          if (i + 1 === s.length) return -1;
          if (s[i + 1] === "'") {
            this.pos = i + 2;
            continue;
          }
          this.state = { kind: "normal" };
        }
        this.pos = i + 1;
      } else if (st.kind === "double") {
        if (c === '"') this.state = { kind: "normal" };
        this.pos = i + 1;
      } else if (st.kind === "line-comment") {
        if (c === "\n") this.state = { kind: "normal" };
        this.pos = i + 1;
      } else if (st.kind === "block-comment") {
        if (c === "*" && s[i + 1] === "/") {
          this.state = st.depth === 1 ? { kind: "normal" } : { kind: "block-comment", depth: st.depth - 1 };
          this.pos = i + 2;
          continue;
        }
        if (c === "/" && s[i + 1] === "*") {
          this.state = { kind: "block-comment", depth: st.depth + 1 };
          this.pos = i + 2;
          continue;
        }
        if (i + 1 === s.length && (c === "*" || c === "/")) return -1;
        this.pos = i + 1;
      } else {
        if (s.startsWith(st.tag, i)) {
          this.state = { kind: "normal" };
          this.pos = i + st.tag.length;
          continue;
        }
        if (c === "$" && st.tag.startsWith(s.slice(i))) return -1;
        this.pos = i + 1;
      }
    }
    return -1;
  }
}

/** False for text that is only whitespace and comments. */
export function isMeaningful(sql: string): boolean {
  const stripped = sql
    .replace(/\/\*[\s\S]*?\*\//g, " ")
    .replace(/--[^\n]*/g, " ")
    .trim();
  return stripped !== "";
}

/** Splits a whole script into statements (the last one may lack its ';'). */
export function splitStatements(script: string): string[] {
  const sp = new StatementSplitter();
  const out = sp.push(script);
  const rest = sp.finish();
  if (rest !== undefined) out.push(rest);
  return out;
}
