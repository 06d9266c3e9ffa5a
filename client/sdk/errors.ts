// Turns a failed gRPC call into the KodiakError the server meant (ErrorDetail in trailing
// metadata "kodiak-error-bin"), or into a connection/cancel error when the transport failed.

import { type ServiceError, status } from "@grpc/grpc-js";
import { ErrorDetail } from "../../proto/gen/kodiak.js";
import { KodiakError, SqlState } from "../../util/index.js";

export const ERROR_METADATA_KEY = "kodiak-error-bin";

function isServiceError(e: unknown): e is ServiceError {
  return e instanceof Error && typeof (e as Partial<ServiceError>).code === "number";
}

/** True when the call failed below the database: nothing reached a coordinator that answered. */
export function isTransportFailure(e: unknown): boolean {
  return isServiceError(e) && e.code === status.UNAVAILABLE && e.metadata?.get(ERROR_METADATA_KEY).length === 0;
}

export function fromGrpcError(e: unknown): KodiakError {
  if (e instanceof KodiakError) return e;
  if (!isServiceError(e)) return new KodiakError(SqlState.internalError, e instanceof Error ? e.message : String(e));
  const raw = e.metadata?.get(ERROR_METADATA_KEY)[0];
  if (raw instanceof Buffer) {
    const d = ErrorDetail.decode(raw);
    return new KodiakError(d.code, d.message, {
      position: d.position > 0 ? d.position : undefined,
      detail: d.detail || undefined,
      hint: d.hint || undefined,
    });
  }
  const message = e.details || e.message;
  switch (e.code) {
    case status.UNAVAILABLE:
      return new KodiakError(SqlState.connectionFailure, `coordinator unavailable: ${message}`);
    case status.DEADLINE_EXCEEDED:
      return new KodiakError(SqlState.queryCanceled, "canceling statement: the call deadline passed");
    case status.CANCELLED:
      return new KodiakError(SqlState.queryCanceled, "canceling statement due to user request");
    case status.RESOURCE_EXHAUSTED:
      return new KodiakError(SqlState.programLimitExceeded, message);
    default:
      return new KodiakError(SqlState.internalError, message);
  }
}
