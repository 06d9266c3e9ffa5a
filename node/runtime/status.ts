// The node's status as clients see it (`kodiak kv status`): built from the Raft core's status,
// the log's stats and the peer address book. Pure: no I/O, no state of its own.

import type { WalStats } from "../log/index.js";
import type { RaftStatus } from "../raft/index.js";

export interface MemberStatus {
  id: number;
  address: string;
  role: "voter" | "learner";
  /** Highest log index known replicated to the member (leader only; 0 elsewhere). */
  match: number;
}

export interface NodeStatus {
  id: number;
  clusterId: string;
  role: string;
  term: number;
  leader: number;
  leaderAddress: string;
  commit: number;
  applied: number;
  members: MemberStatus[];
  firstIndex: number;
  lastIndex: number;
}

export function buildStatus(
  self: { id: number; clusterId: string; applied: number },
  s: RaftStatus,
  stats: WalStats,
  addressOf: (id: number) => string | undefined,
): NodeStatus {
  const members: MemberStatus[] = [];
  for (const [ids, role] of [
    [s.conf.voters, "voter"],
    [s.conf.learners, "learner"],
  ] as const) {
    for (const id of ids) members.push({ id, address: addressOf(id) ?? "", role, match: s.progress?.get(id)?.match ?? 0 });
  }
  return {
    id: self.id,
    clusterId: self.clusterId,
    role: s.role,
    term: s.term,
    leader: s.lead,
    leaderAddress: addressOf(s.lead) ?? "",
    commit: s.commit,
    applied: self.applied,
    members,
    firstIndex: stats.firstIndex,
    lastIndex: stats.lastIndex,
  };
}
