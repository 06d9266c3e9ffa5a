// The gRPC edge for errors: a KodiakError becomes a gRPC status whose trailers carry the
// SQLSTATE and, for redirects, the leader's id and address. Nothing here is seen by the core.

import * as grpc from "@grpc/grpc-js";
import { type KodiakError, SqlState, toKodiakError } from "../../util/index.js";
import { NotLeaderError } from "../runtime/index.js";

export const TRAILER_CODE = "kodiak-code";
export const TRAILER_LEADER_ID = "kodiak-leader-id";
export const TRAILER_LEADER_ADDRESS = "kodiak-leader-address";

function grpcCode(code: string): grpc.status {
  switch (code) {
    case SqlState.cannotConnectNow:
      return grpc.status.UNAVAILABLE;
    case SqlState.tooManyConnections:
    case SqlState.diskFull:
    case SqlState.programLimitExceeded:
      return grpc.status.RESOURCE_EXHAUSTED;
    case SqlState.invalidParameterValue:
    case SqlState.protocolViolation:
      return grpc.status.INVALID_ARGUMENT;
    case SqlState.undefinedObject:
      return grpc.status.NOT_FOUND;
    case SqlState.objectNotInPrerequisiteState:
      return grpc.status.FAILED_PRECONDITION;
    case SqlState.adminShutdown:
      return grpc.status.UNAVAILABLE;
    case SqlState.queryCanceled:
    case "40003":
      return grpc.status.DEADLINE_EXCEEDED;
    default:
      return grpc.status.INTERNAL;
  }
}

export function toServiceError(e: unknown): grpc.ServiceError {
  const err: KodiakError = toKodiakError(e);
  const md = new grpc.Metadata();
  md.set(TRAILER_CODE, String(err.code));
  if (err instanceof NotLeaderError) {
    md.set(TRAILER_LEADER_ID, String(err.leaderId));
    if (err.leaderAddress !== undefined) md.set(TRAILER_LEADER_ADDRESS, err.leaderAddress);
  }
  const details = err.hint !== undefined ? `${err.message} (hint: ${err.hint})` : err.message;
  return Object.assign(new Error(details), { code: grpcCode(String(err.code)), details, metadata: md });
}

/** Runs a handler and answers the unary callback with its result or a converted error. */
export function unary<Req, Res>(
  handler: (req: Req) => Promise<Res>,
): (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>) => void {
  return (call, callback) => {
    handler(call.request).then(
      (res) => callback(null, res),
      (e: unknown) => callback(toServiceError(e)),
    );
  };
}
