// Running COPY: TO a file or STDOUT (text, CSV, Arrow), FROM a file (read and inserted a chunk at a
// time) and the decoder COPY FROM STDIN feeds with the client's chunks. The session owns the
// transaction; this module only reads, writes and converts within the one it is given.
import { type FileSystem, KodiakError, SqlState } from "../../util/index.js";
import type { StatementResult } from "../api.js";
import type { TableMeta } from "../catalog/catalog.js";
import type { Col, Env } from "../plan/context.js";
import type { PlanContext } from "../plan/select.js";
import { formatValue, type Row } from "../types/values.js";
import { type CopyFields, type CopyFormat, CopyTextParser, renderCopyRow, Utf8Pieces } from "./copy.js";
import { decodeArrow, encodeArrow } from "./copy-arrow.js";
import { insertTextRows } from "./dml.js";

/** Bytes of input read per file read (and the size of output pieces). */
export const COPY_CHUNK_BYTES = 1024 * 1024;
/** Arrow input is held whole until its end (the file format's footer is at the end); bounded. */
export const COPY_ARROW_INPUT_BYTES_MAX = 1024 * 1024 * 1024;

export type NextId = (sequence?: string) => bigint;

/** Output of COPY TO in pieces of about COPY_CHUNK_BYTES. */
function* textPieces(cols: readonly Col[], rows: readonly Row[], fmt: CopyFormat): Generator<Uint8Array> {
  let text = fmt.header
    ? renderCopyRow(
        cols.map((c) => c.name),
        fmt,
      )
    : "";
  for (const r of rows) {
    text += renderCopyRow(
      cols.map((c, i) => formatValue(r[i], c.type)),
      fmt,
    );
    if (text.length >= COPY_CHUNK_BYTES) {
      yield Buffer.from(text, "utf8");
      text = "";
    }
  }
  if (text.length > 0) yield Buffer.from(text, "utf8");
}

/** COPY TO: `rows` of the visible columns `cols` to a server file or to the client. */
export function copyOut(
  cols: readonly Col[],
  rows: readonly Row[],
  fmt: CopyFormat,
  file: string | undefined,
  fs: FileSystem | undefined,
): StatementResult {
  const pieces = (): Iterable<Uint8Array> =>
    fmt.kind === "arrow" ? [encodeArrow(cols, rows, file === undefined ? "stream" : "file")] : textPieces(cols, rows, fmt);
  if (file !== undefined) {
    const h = fs!.open(file, { create: true });
    try {
      h.truncate(0);
      let pos = 0;
      for (const p of pieces()) {
        h.write(p, 0, p.length, pos);
        pos += p.length;
      }
      h.fsyncSync();
    } finally {
      h.close();
    }
    return { command: "COPY", rowCount: rows.length };
  }
  return {
    command: "COPY",
    rowCount: rows.length,
    copyOut: {
      format: fmt.kind === "arrow" ? "binary" : fmt.csv ? "csv" : "text",
      columnCount: cols.length,
      data: (async function* () {
        yield* pieces();
      })(),
    },
  };
}

/**
 * COPY FROM input, pushed in arbitrary pieces: text and CSV come out as rows as soon as they are
 * complete; Arrow input is collected (bounded) and converted batch by batch at the end.
 */
export class CopyDecoder {
  private readonly utf8 = new Utf8Pieces();
  private readonly parser: CopyTextParser;
  private arrow: Uint8Array[] = [];
  private arrowBytes = 0;
  constructor(
    private readonly fmt: CopyFormat,
    private readonly columnCount: number,
  ) {
    this.parser = new CopyTextParser(fmt);
  }
  push(chunk: Uint8Array): CopyFields[] {
    if (this.fmt.kind === "arrow") {
      this.arrowBytes += chunk.length;
      if (this.arrowBytes > COPY_ARROW_INPUT_BYTES_MAX)
        throw new KodiakError(SqlState.programLimitExceeded, `Arrow COPY input exceeds ${COPY_ARROW_INPUT_BYTES_MAX} bytes`);
      this.arrow.push(chunk.slice());
      return [];
    }
    return this.parser.push(this.utf8.decode(chunk));
  }
  /** The remaining rows, in batches. */
  *end(): Generator<CopyFields[]> {
    if (this.fmt.kind === "arrow") {
      const bytes = Buffer.concat(this.arrow);
      this.arrow = [];
      yield* decodeArrow(bytes, this.columnCount);
      return;
    }
    const tail = this.parser.push(this.utf8.decode(new Uint8Array(0), true));
    yield [...tail, ...this.parser.end()];
  }
}

/** Inserts decoded rows into `t`, counting them; line numbers continue across batches. */
export class CopyInserter {
  rows = 0;
  constructor(
    private readonly t: TableMeta,
    private readonly columns: readonly string[],
    private readonly pc: PlanContext,
    private readonly env: Env,
    private readonly nextId: NextId,
  ) {}
  insert(batch: readonly CopyFields[]): void {
    if (batch.length === 0) return;
    try {
      this.rows += insertTextRows(this.t, this.columns, batch, this.pc, this.env, this.nextId);
    } catch (e) {
      throw withCopyLine(e, this.rows);
    }
  }
}

/** insertTextRows numbers lines from 1 per batch: shift "(COPY line n)" by the rows before it. */
function withCopyLine(e: unknown, before: number): unknown {
  if (!(e instanceof KodiakError) || before === 0) return e;
  const m = /\(COPY line (\d+)\)$/.exec(e.message);
  if (!m) return e;
  return new KodiakError(e.code, e.message.replace(/\(COPY line \d+\)$/, `(COPY line ${before + Number(m[1])})`), {
    detail: e.detail,
    hint: e.hint,
  });
}

/** COPY FROM a server file: read COPY_CHUNK_BYTES at a time, each piece's rows inserted before the next read. */
export function copyFromFile(fs: FileSystem, file: string, fmt: CopyFormat, ins: CopyInserter, columnCount: number): number {
  const dec = new CopyDecoder(fmt, columnCount);
  const h = fs.open(file, { readOnly: true });
  try {
    const buf = new Uint8Array(COPY_CHUNK_BYTES);
    for (let pos = 0; ; ) {
      const n = h.read(buf, 0, buf.length, pos);
      if (n <= 0) break;
      pos += n;
      ins.insert(dec.push(buf.subarray(0, n)));
    }
  } finally {
    h.close();
  }
  for (const batch of dec.end()) ins.insert(batch);
  return ins.rows;
}
