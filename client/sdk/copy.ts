// COPY over the gRPC API (kodiak.v1 CopyIn / CopyOut): bulk load from an async iterable of rows
// or raw text/CSV chunks, bulk export as a stream of data chunks. Rows given as arrays are
// encoded here in the statement's format (PostgreSQL's COPY text or CSV rules).

import { Metadata } from "@grpc/grpc-js";
import type { CopyInResponse, CopyOutResponse, KodiakClient as Stub } from "../../proto/gen/kodiak.js";
import { KodiakError, SqlState } from "../../util/index.js";
import { fromGrpcError } from "./errors.js";

/** One row as values: null is SQL NULL; other values are written with String() (Date: ISO 8601, bytes: \\x hex). */
export type CopyRow = readonly unknown[];
/** What copyFrom accepts: rows, or chunks of already-encoded data (rows may span chunks). */
export type CopySource = AsyncIterable<CopyRow | string | Uint8Array> | Iterable<CopyRow | string | Uint8Array>;

export interface CopyOptions {
  /** Stops the copy; a stopped copy-in inserts nothing. */
  signal?: AbortSignal;
  /** Timeout for the whole copy in ms (0 = the session's statement_timeout). */
  timeoutMs?: number;
  /** Format rows given as arrays are encoded in; default: "csv" if the statement says CSV, else "text". */
  format?: "text" | "csv";
}

/** Chunks of at least this many bytes are sent as one message when encoding rows. */
const ROW_BATCH_BYTES = 64 * 1024;

function valueText(v: unknown): string {
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) return `\\x${Buffer.from(v).toString("hex")}`;
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/** A row in COPY text format: tab-separated, \N for NULL, backslash escapes. */
export function encodeTextRow(row: CopyRow): string {
  return `${row
    .map((v) =>
      v === null || v === undefined
        ? "\\N"
        : valueText(v).replace(/[\\\t\n\r]/g, (c) => (c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : "\\r")),
    )
    .join("\t")}\n`;
}

/** A row in CSV: comma-separated, unquoted empty for NULL, quoted when needed ("" for a quote). */
export function encodeCsvRow(row: CopyRow): string {
  return `${row
    .map((v) => {
      if (v === null || v === undefined) return "";
      const s = valueText(v);
      return s === "" || /[",\n\r]/.test(s) || s === "\\." ? `"${s.replace(/"/g, '""')}"` : s;
    })
    .join(",")}\n`;
}

const aborted = () => new KodiakError(SqlState.queryCanceled, "canceling statement due to user request");

/** Runs CopyIn on a session: streams the source with backpressure; resolves with the rows copied. */
export async function copyIn(
  stub: Stub,
  sessionId: string,
  sql: string,
  source: CopySource,
  deadline: number,
  options: CopyOptions = {},
): Promise<number> {
  const format = options.format ?? (/\bcsv\b/i.test(sql) ? "csv" : "text");
  const encode = format === "csv" ? encodeCsvRow : encodeTextRow;
  const signal = options.signal;
  if (signal?.aborted) throw aborted();
  let settle!: { resolve: (r: CopyInResponse) => void; reject: (e: unknown) => void };
  const answer = new Promise<CopyInResponse>((resolve, reject) => {
    settle = { resolve, reject };
  });
  const call = stub.copyIn(new Metadata(), { deadline }, (err, res) => (err !== null ? settle.reject(err) : settle.resolve(res)));
  answer.catch(() => undefined);
  const onAbort = () => call.cancel();
  signal?.addEventListener("abort", onAbort, { once: true });
  const send = (msg: Parameters<typeof call.write>[0]): Promise<void> =>
    call.write(msg) ? Promise.resolve() : new Promise((resolve) => call.once("drain", () => resolve()));
  try {
    await send({ start: { sessionId, sql, timeoutMs: options.timeoutMs ?? 0 } });
    let pending = "";
    for await (const item of source as AsyncIterable<CopyRow | string | Uint8Array>) {
      if (signal?.aborted) throw aborted();
      if (typeof item === "string") pending += item;
      else if (item instanceof Uint8Array) {
        if (pending !== "") await send({ data: Buffer.from(pending) });
        pending = "";
        await send({ data: Buffer.from(item) });
        continue;
      } else pending += encode(item);
      if (pending.length >= ROW_BATCH_BYTES) {
        await send({ data: Buffer.from(pending) });
        pending = "";
      }
    }
    if (pending !== "") await send({ data: Buffer.from(pending) });
    call.end();
    return (await answer.catch((e: unknown) => Promise.reject(fromGrpcError(e)))).rowsCopied;
  } catch (e) {
    // The source failed or the call was stopped: cancel, so the server inserts nothing.
    call.cancel();
    await answer.catch(() => undefined);
    throw e;
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
}

/** Runs CopyOut on a session: yields the encoded data chunks; stopping early cancels the export. */
export async function* copyOut(
  stub: Stub,
  sessionId: string,
  sql: string,
  deadline: number,
  options: CopyOptions = {},
): AsyncGenerator<Uint8Array> {
  const signal = options.signal;
  if (signal?.aborted) throw aborted();
  const call = stub.copyOut({ sessionId, sql, timeoutMs: options.timeoutMs ?? 0 }, new Metadata(), { deadline });
  const onAbort = () => call.cancel();
  signal?.addEventListener("abort", onAbort, { once: true });
  let done = false;
  try {
    for await (const msg of call as AsyncIterable<CopyOutResponse>) {
      if (msg.data !== undefined) yield msg.data;
      if (msg.complete !== undefined) done = true;
    }
  } catch (e) {
    throw fromGrpcError(e);
  } finally {
    signal?.removeEventListener("abort", onAbort);
    if (!done) call.cancel();
  }
}
