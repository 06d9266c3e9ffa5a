// Small facts about Raft messages shared by the core: which types are local-only, which are
// responses, the transfer context, and the error a refused proposal surfaces as. No I/O.

import { KodiakError, SqlState } from "../../util/index.js";
import type { MessageType } from "./types.js";

/** Context of a vote request sent on MsgTimeoutNow: voters grant it even inside a leader lease. */
export const CAMPAIGN_TRANSFER = new TextEncoder().encode("CampaignTransfer");

export function isLocal(t: MessageType): boolean {
  return t === "MsgHup" || t === "MsgBeat" || t === "MsgUnreachable" || t === "MsgSnapStatus" || t === "MsgCheckQuorum";
}

export function isResponse(t: MessageType): boolean {
  return t === "MsgAppResp" || t === "MsgVoteResp" || t === "MsgHeartbeatResp" || t === "MsgUnreachable" || t === "MsgPreVoteResp";
}

export function sameBytes(a: Uint8Array | undefined, b: Uint8Array): boolean {
  return a !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);
}

export function proposalDropped(why: string): KodiakError {
  return new KodiakError(SqlState.cannotConnectNow, `proposal dropped: ${why}`, { where: "raft" });
}
