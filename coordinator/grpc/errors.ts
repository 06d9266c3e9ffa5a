// Converts KodiakError into a gRPC status at the API edge: status code from the SQLSTATE class,
// the message as status details, and an encoded ErrorDetail in trailing metadata
// "kodiak-error-bin" (the mapping is documented on ErrorDetail in kodiak.proto).

import { Metadata, type ServiceError, status } from "@grpc/grpc-js";
import { ErrorDetail } from "../../proto/gen/kodiak.js";
import { KodiakError, SqlState, toKodiakError } from "../../util/index.js";

/** Trailing metadata key carrying an encoded kodiak.v1.ErrorDetail. */
export const ERROR_METADATA_KEY = "kodiak-error-bin";

/** SQLSTATE for "session does not exist" (PostgreSQL: connection_does_not_exist). */
export const SESSION_NOT_FOUND = "08003";

export function grpcStatusFor(code: string, timedOut = false): status {
  if (code === SqlState.serializationFailure || code === SqlState.deadlockDetected) return status.ABORTED;
  if (code === SqlState.queryCanceled) return timedOut ? status.DEADLINE_EXCEEDED : status.CANCELLED;
  if (code === SESSION_NOT_FOUND) return status.NOT_FOUND;
  if (code === SqlState.adminShutdown || code === SqlState.cannotConnectNow) return status.UNAVAILABLE;
  if (code === SqlState.featureNotSupported) return status.UNIMPLEMENTED;
  if (code === SqlState.insufficientPrivilege) return status.PERMISSION_DENIED;
  const cls = code.slice(0, 2);
  switch (cls) {
    case "08":
      return status.UNAVAILABLE;
    case "53":
      return status.RESOURCE_EXHAUSTED;
    case "28":
      return status.UNAUTHENTICATED;
    case "23":
    case "25":
    case "55":
      return status.FAILED_PRECONDITION;
    case "22":
    case "42":
    case "54":
      return status.INVALID_ARGUMENT;
    case "XX":
      return status.INTERNAL;
    default:
      return status.UNKNOWN;
  }
}

/** A gRPC ServiceError for anything thrown while serving a call. */
export function toServiceError(e: unknown, statementIndex = 0, timedOut = false): ServiceError {
  const err: KodiakError = toKodiakError(e);
  const detail = ErrorDetail.encode({
    code: err.code,
    message: err.message,
    position: err.position ?? 0,
    detail: err.detail ?? "",
    hint: err.hint ?? "",
    statementIndex,
  }).finish();
  const metadata = new Metadata();
  metadata.set(ERROR_METADATA_KEY, Buffer.from(detail));
  const out = new Error(err.message) as ServiceError;
  out.code = grpcStatusFor(err.code, timedOut);
  out.details = err.message;
  out.metadata = metadata;
  return out;
}

export function sessionNotFound(sessionId: string): KodiakError {
  return new KodiakError(SESSION_NOT_FOUND, `session "${sessionId}" does not exist (expired, closed, or the coordinator restarted)`);
}
