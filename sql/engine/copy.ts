// COPY data formats: PostgreSQL text (tab-separated, \N for NULL, backslash escapes), CSV (quoted
// fields, empty unquoted field = NULL) and Arrow IPC (copy-arrow.ts). Text and CSV input is parsed
// incrementally (CopyTextParser.push per chunk), so COPY FROM handles a chunk of rows at a time
// instead of the whole input. Parsing and rendering only; no I/O here.
import { KodiakError, SqlState } from "../../util/index.js";

export interface CopyFormat {
  readonly kind: "text" | "csv" | "arrow";
  readonly csv: boolean;
  readonly delimiter: string;
  readonly header: boolean;
  readonly nullString: string;
}

export function copyFormat(options: ReadonlyMap<string, string>): CopyFormat {
  const kind = (options.get("format") ?? "text").toLowerCase();
  if (kind !== "text" && kind !== "csv" && kind !== "arrow")
    throw new KodiakError(SqlState.featureNotSupported, `COPY format "${options.get("format")}" is not supported`);
  const csv = kind === "csv";
  return {
    kind,
    csv,
    delimiter: options.get("delimiter") ?? (csv ? "," : "\t"),
    header: (options.get("header") ?? "false") !== "false",
    nullString: options.get("null") ?? (csv ? "" : "\\N"),
  };
}

const unescapeText = (s: string): string =>
  s.replace(/\\(.)/g, (_m, c: string) => ({ n: "\n", t: "\t", r: "\r", b: "\b", f: "\f", v: "\v", "\\": "\\" })[c] ?? c);

export type CopyFields = (string | null)[];

/**
 * Incremental COPY text/CSV parser: push() takes the next piece of input (split anywhere) and
 * returns the rows completed by it; end() returns the last row. State between pieces is at most
 * one unfinished row.
 */
export class CopyTextParser {
  private rest = "";
  private headerPending: boolean;
  // CSV state of the unfinished row.
  private row: CopyFields = [];
  private field = "";
  private quoted = false;
  private inQuotes = false;
  private afterCR = false;

  constructor(private readonly f: CopyFormat) {
    this.headerPending = f.header;
  }

  push(text: string): CopyFields[] {
    const out = this.f.csv ? this.pushCsv(text) : this.pushText(text);
    return this.dropHeader(out);
  }

  end(): CopyFields[] {
    const out: CopyFields[] = [];
    if (this.f.csv) {
      if (this.rest === '"') this.inQuotes = false;
      this.rest = "";
      if (this.field !== "" || this.quoted || this.row.length > 0) this.endRow(out);
    } else if (this.rest !== "") {
      this.textLine(this.rest, out);
      this.rest = "";
    }
    return this.dropHeader(out);
  }

  private dropHeader(rows: CopyFields[]): CopyFields[] {
    if (this.headerPending && rows.length > 0) {
      this.headerPending = false;
      rows.shift();
    }
    return rows;
  }

  private pushText(text: string): CopyFields[] {
    const out: CopyFields[] = [];
    const lines = (this.rest + text).split("\n");
    this.rest = lines.pop() ?? "";
    for (const line of lines) this.textLine(line, out);
    return out;
  }

  private textLine(line: string, out: CopyFields[]): void {
    const l = line.endsWith("\r") ? line.slice(0, -1) : line;
    if (l === "" || l === "\\.") return;
    out.push(l.split(this.f.delimiter).map((x) => (x === this.f.nullString ? null : unescapeText(x))));
  }

  private endField(): void {
    this.row.push(!this.quoted && this.field === this.f.nullString ? null : this.field);
    this.field = "";
    this.quoted = false;
  }

  private endRow(out: CopyFields[]): void {
    this.endField();
    if (!(this.row.length === 1 && this.row[0] === "\\.")) out.push(this.row);
    this.row = [];
  }

  private pushCsv(text: string): CopyFields[] {
    const out: CopyFields[] = [];
    const d = this.f.delimiter;
    // A doubled quote may be split across pieces: keep a trailing quote for the next piece.
    let s = this.rest + text;
    this.rest = "";
    for (let i = 0; i < s.length; i++) {
      const ch = s[i];
      if (this.afterCR) {
        this.afterCR = false;
        if (ch === "\n") continue;
      }
      if (this.inQuotes) {
        if (ch === '"') {
          if (i + 1 === s.length) {
            this.rest = '"';
            s = "";
            break;
          }
          if (s[i + 1] === '"') {
            this.field += '"';
            i++;
          } else this.inQuotes = false;
        } else this.field += ch;
      } else if (ch === '"') {
        this.inQuotes = true;
        this.quoted = true;
      } else if (ch === d) this.endField();
      else if (ch === "\n" || ch === "\r") {
        this.afterCR = ch === "\r";
        this.endRow(out);
      } else this.field += ch;
    }
    return out;
  }
}

/** Splits a whole COPY input into rows of fields (null = SQL NULL). */
export function parseCopy(text: string, f: CopyFormat): CopyFields[] {
  const p = new CopyTextParser(f);
  return [...p.push(text), ...p.end()];
}

export function renderCopyRow(values: readonly (string | null)[], f: CopyFormat): string {
  return `${values
    .map((v) => {
      if (v === null) return f.nullString;
      if (!f.csv) return v.replace(/[\\\n\r\t]/g, (c) => ({ "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t" })[c] ?? c);
      return /[",\n\r]/.test(v) || v === "" || v.includes(f.delimiter) ? `"${v.replace(/"/g, '""')}"` : v;
    })
    .join(f.delimiter)}\n`;
}

/** Input bytes → UTF-8 text piece by piece (a character split between chunks is kept); 22021 on invalid bytes. */
export class Utf8Pieces {
  private readonly decoder = new TextDecoder("utf-8", { fatal: true });
  decode(chunk: Uint8Array, last = false): string {
    try {
      return this.decoder.decode(chunk, { stream: !last });
    } catch {
      throw new KodiakError("22021", 'invalid byte sequence for encoding "UTF8"');
    }
  }
}
