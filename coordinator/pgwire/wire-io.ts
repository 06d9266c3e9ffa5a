// What the query handlers need from a connection: an output buffer with flushing, a way to pull
// the next client message (COPY FROM STDIN), and cancellable statement execution.

import type { StatementResult } from "../../sql/api.js";
import type { ByteWriter } from "./byte-writer.js";
import type { FrontendMessage } from "./frontend.js";

export interface WireIo {
  readonly out: ByteWriter;
  /** Sends everything buffered; waits (bounded) while the socket is congested. */
  flush(): Promise<void>;
  /** Flushes only if the buffer has grown past WRITE_FLUSH_BYTES. */
  flushIfFull(): Promise<void>;
  /** Next client message (for COPY FROM STDIN); undefined if the client went away. */
  readMessage(): Promise<FrontendMessage | undefined>;
  /** Runs one statement with an AbortSignal fired by CancelRequest, statement_timeout or disconnect. */
  runStatement<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T>;
  /** Sends the result's notices as NoticeResponses. */
  sendNotices(result: StatementResult): void;
}
