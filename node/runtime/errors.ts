// Errors the runtime returns to clients. NotLeaderError carries the leader's id and address so
// the gRPC edge can put them in trailers and clients can follow the redirect.

import { KodiakError, SqlState } from "../../util/index.js";

/** SQLSTATE 40003 (statement_completion_unknown): the command may or may not have been applied. */
export const OUTCOME_UNKNOWN = "40003";

export class NotLeaderError extends KodiakError {
  constructor(
    readonly leaderId: number,
    readonly leaderAddress: string | undefined,
  ) {
    super(
      SqlState.cannotConnectNow,
      leaderId === 0
        ? "this node is not the leader and no leader is known (election in progress)"
        : `not the leader; the leader is node ${leaderId} at ${leaderAddress ?? "unknown address"}`,
      { hint: leaderId === 0 ? "retry shortly" : `send the request to ${leaderAddress ?? `node ${leaderId}`}` },
    );
  }
}

export function outcomeUnknown(why: string): KodiakError {
  return new KodiakError(OUTCOME_UNKNOWN, `outcome unknown: ${why}`, { hint: "read the key to see whether the write was applied" });
}
