// The one error policy of the pgwire server. KodiakErrors become ErrorResponses with their
// SQLSTATE; anything else is an internal error (XX000, logged). Protocol violations in framing or
// startup are FATAL and close the connection; statement errors are ERROR and the session goes on.

import { AssertionFailure, KodiakError, type Logger, SqlState } from "../../util/index.js";
import type { ErrorFields } from "./backend.js";

/** A failure that ends the connection: framing/startup violations, auth failures, assertion failures. */
export class FatalConnectionError extends Error {
  constructor(readonly error: KodiakError) {
    super(error.message);
    this.name = "FatalConnectionError";
  }
}

export function fatal(code: string, message: string): FatalConnectionError {
  return new FatalConnectionError(new KodiakError(code, message));
}

/** Maps anything thrown while serving a statement to ErrorResponse fields. */
export function errorFields(e: unknown, logger: Logger, severity: ErrorFields["severity"] = "ERROR"): ErrorFields {
  if (e instanceof KodiakError) {
    return { severity, code: e.code, message: e.message, detail: e.detail, hint: e.hint, position: e.position };
  }
  logger.error({ err: e }, "internal error while serving a statement");
  const message = e instanceof Error ? e.message : String(e);
  return { severity, code: SqlState.internalError, message: `internal error: ${message}` };
}

/** Assertion failures mean Kodiak itself is broken: the connection must not go on. */
export function isFatalForConnection(e: unknown): boolean {
  return e instanceof AssertionFailure || e instanceof FatalConnectionError;
}
