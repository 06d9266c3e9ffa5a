// COPY data formats: PostgreSQL text (tab-separated, \N for NULL, backslash escapes) and CSV
// (quoted fields, empty unquoted field = NULL). Parsing and rendering only; no I/O here.
import { KodiakError, SqlState } from "../../util/index.js";

export interface CopyFormat {
  readonly csv: boolean;
  readonly delimiter: string;
  readonly header: boolean;
  readonly nullString: string;
}

export function copyFormat(options: ReadonlyMap<string, string>): CopyFormat {
  const csv = (options.get("format") ?? "text") === "csv";
  if (!csv && (options.get("format") ?? "text") !== "text")
    throw new KodiakError(SqlState.featureNotSupported, `COPY format "${options.get("format")}" is not supported`);
  return {
    csv,
    delimiter: options.get("delimiter") ?? (csv ? "," : "\t"),
    header: (options.get("header") ?? "false") !== "false",
    nullString: options.get("null") ?? (csv ? "" : "\\N"),
  };
}

const unescapeText = (s: string): string =>
  s.replace(/\\(.)/g, (_m, c: string) => ({ n: "\n", t: "\t", r: "\r", b: "\b", f: "\f", v: "\v", "\\": "\\" })[c] ?? c);

/** Splits COPY input into rows of fields (null = SQL NULL). */
export function parseCopy(text: string, f: CopyFormat): (string | null)[][] {
  const rows: (string | null)[][] = [];
  if (!f.csv) {
    for (const line of text.split("\n")) {
      const l = line.endsWith("\r") ? line.slice(0, -1) : line;
      if (l === "" || l === "\\.") continue;
      rows.push(l.split(f.delimiter).map((x) => (x === f.nullString ? null : unescapeText(x))));
    }
  } else {
    let i = 0;
    let row: (string | null)[] = [];
    let field = "";
    let quoted = false;
    let inQuotes = false;
    const endField = () => {
      row.push(!quoted && field === f.nullString ? null : field);
      field = "";
      quoted = false;
    };
    while (i < text.length) {
      const ch = text[i];
      if (inQuotes) {
        if (ch === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i++;
          } else inQuotes = false;
        } else field += ch;
      } else if (ch === '"') {
        inQuotes = true;
        quoted = true;
      } else if (ch === f.delimiter) endField();
      else if (ch === "\n" || ch === "\r") {
        if (ch === "\r" && text[i + 1] === "\n") i++;
        endField();
        if (!(row.length === 1 && row[0] === "\\.")) rows.push(row);
        row = [];
      } else field += ch;
      i++;
    }
    if (field !== "" || quoted || row.length > 0) {
      endField();
      if (!(row.length === 1 && row[0] === "\\.")) rows.push(row);
    }
  }
  if (f.header) rows.shift();
  return rows;
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
