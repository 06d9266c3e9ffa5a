// COPY sub-protocol: FROM STDIN feeds CopyData into the engine's sink until CopyDone/CopyFail;
// TO STDOUT streams the engine's encoded chunks as CopyData. Ends with the "COPY n" tag.

import type { StatementResult } from "../../sql/api.js";
import { KodiakError, SqlState } from "../../util/index.js";
import { backend } from "./backend.js";
import type { WireIo } from "./wire-io.js";

type CopyIn = NonNullable<StatementResult["copyIn"]>;
type CopyOut = NonNullable<StatementResult["copyOut"]>;

/** Runs COPY FROM STDIN; resolves with the number of rows copied. */
export async function copyIn(io: WireIo, copy: CopyIn): Promise<number> {
  backend.copyInResponse(io.out, copy.format === "binary", copy.columnCount);
  await io.flush();
  let aborted = false;
  try {
    return await feed(io, copy, () => {
      aborted = true;
    });
  } catch (e) {
    // The sink must hear about any failure (a bad row from write(), a lost client) exactly once.
    if (!aborted) copy.sink.abort(e instanceof Error ? e.message : String(e));
    throw e;
  }
}

async function feed(io: WireIo, copy: CopyIn, markAborted: () => void): Promise<number> {
  for (;;) {
    const msg = await io.readMessage();
    if (msg === undefined) {
      throw new KodiakError(SqlState.connectionFailure, "unexpected EOF on client connection with an open transaction");
    }
    switch (msg.kind) {
      case "copyData":
        copy.sink.write(msg.data);
        break;
      case "copyDone":
        markAborted(); // finish() owns the outcome from here, success or failure
        return await copy.sink.finish();
      case "copyFail":
        markAborted();
        copy.sink.abort(msg.message);
        throw new KodiakError(SqlState.queryCanceled, `COPY from stdin failed: ${msg.message}`);
      case "flush":
      case "sync":
        break; // PostgreSQL ignores these during COPY IN
      default:
        throw new KodiakError(SqlState.protocolViolation, `unexpected message type "${msg.kind}" during COPY from stdin`);
    }
  }
}

/** Runs COPY TO STDOUT. */
export async function copyOut(io: WireIo, copy: CopyOut): Promise<void> {
  backend.copyOutResponse(io.out, copy.format === "binary", copy.columnCount);
  for await (const chunk of copy.data) {
    backend.copyData(io.out, chunk);
    await io.flushIfFull();
  }
  backend.copyDone(io.out);
}
