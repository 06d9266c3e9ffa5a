// COPY over the gRPC API: which statements CopyIn/CopyOut accept, and the CopyIn stream split
// into its start message and the data that follows.

import type { ServerReadableStream } from "@grpc/grpc-js";
import type { CopyInRequest, CopyInResponse, CopyInStart } from "../../proto/gen/kodiak.js";
import { KodiakError, SqlState } from "../../util/index.js";

/** Strips leading whitespace and SQL comments. */
function body(sql: string): string {
  return sql.replace(/^(?:\s+|--[^\n]*\n?|\/\*[\s\S]*?\*\/)*/, "");
}

/** One `COPY ... FROM STDIN` statement (a ';' only at the end). */
export function isCopyFromStdin(sql: string): boolean {
  const b = body(sql).replace(/[\s;]+$/, "");
  return /^copy\b/i.test(b) && /\bfrom\s+stdin\b/i.test(b) && !b.includes(";");
}

/** One `COPY ... TO STDOUT` statement. */
export function isCopyToStdout(sql: string): boolean {
  const b = body(sql).replace(/[\s;]+$/, "");
  return /^copy\b/i.test(b) && /\bto\s+stdout\b/i.test(b) && !b.includes(";");
}

/** Reads the CopyInStart and returns it with an iterator over the data chunks after it. */
export async function readCopyInStart(
  call: ServerReadableStream<CopyInRequest, CopyInResponse>,
): Promise<{ start: CopyInStart; data: AsyncIterable<Uint8Array> }> {
  const it = (call as AsyncIterable<CopyInRequest>)[Symbol.asyncIterator]();
  const first = await it.next();
  const start = first.done === true ? undefined : first.value.start;
  if (start === undefined) throw new KodiakError(SqlState.protocolViolation, "a CopyIn stream starts with a CopyInStart message");
  const data: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]: () => ({
      next: async (): Promise<IteratorResult<Uint8Array>> => {
        const r = await it.next();
        if (r.done === true) return { done: true, value: undefined };
        if (r.value.data === undefined) throw new KodiakError(SqlState.protocolViolation, "CopyInStart sent twice on one CopyIn stream");
        return { done: false, value: r.value.data };
      },
    }),
  };
  return { start, data };
}
