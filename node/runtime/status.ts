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
  metrics: Record<string, number>;
}

export function buildStatus(
  self: { id: number; clusterId: string; applied: number; metrics: Record<string, number> },
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
    metrics: {
      kodiak_raft_term: s.term,
      kodiak_raft_commit_index: s.commit,
      kodiak_raft_applied_index: self.applied,
      kodiak_log_first_index: stats.firstIndex,
      kodiak_log_last_index: stats.lastIndex,
      kodiak_log_segments: stats.segments,
      kodiak_log_bytes: stats.bytes,
      kodiak_log_fsyncs_total: stats.fsyncs,
      kodiak_log_cache_entries: stats.cachedEntries,
      kodiak_log_failed: stats.failed === true ? 1 : 0,
      ...self.metrics,
    },
  };
}
