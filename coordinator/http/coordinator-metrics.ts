// The coordinator's metrics: sessions, admission (running, queued and their limits), call
// outcomes by SQLSTATE class, and what it knows of the cluster (per-node term, indexes, lag).

import type { ApiService, ClusterStatusResponse } from "../grpc/index.js";
import type { PgWireStats } from "../pgwire/index.js";
import type { StaleReadStats } from "../sql-host/index.js";
import type { Metric } from "./metrics.js";

export function coordinatorMetrics(
  api: ApiService,
  cluster: ClusterStatusResponse | undefined,
  pg?: PgWireStats,
  stale?: StaleReadStats,
): Metric[] {
  const g = (name: string, help: string, value: number): Metric => ({ name, help, type: "gauge", samples: [{ value }] });
  const out: Metric[] = [
    g("kodiak_coordinator_sessions_open", "Client sessions open on this coordinator.", api.sessions.size),
    g("kodiak_coordinator_statements_running", "Statements holding an admission slot.", api.admission.runningCount),
    g("kodiak_coordinator_statements_queued", "Statements waiting for an admission slot.", api.admission.queuedCount),
    g("kodiak_coordinator_statements_running_limit", "Admission limit on running statements.", api.admission.limits.maxRunning),
    g("kodiak_coordinator_statements_queued_limit", "Admission limit on waiting statements.", api.admission.limits.maxQueued),
    {
      name: "kodiak_coordinator_calls_ok_total",
      help: "gRPC API calls that succeeded.",
      type: "counter",
      samples: [{ value: api.stats.callsOk }],
    },
    {
      name: "kodiak_coordinator_calls_failed_total",
      help: "gRPC API calls that failed, by SQLSTATE class.",
      type: "counter",
      samples: [...api.stats.failedByClass].map(([cls, value]) => ({ labels: { class: cls }, value })),
    },
  ];
  if (pg !== undefined) {
    const c = (name: string, help: string, value: number): Metric => ({ name, help, type: "counter", samples: [{ value }] });
    out.push(
      g("kodiak_pgwire_connections", "pgwire connections open.", pg.connections),
      c("kodiak_pgwire_connections_accepted_total", "pgwire connections accepted.", pg.acceptedConnectionsTotal),
      c("kodiak_pgwire_connections_rejected_total", "pgwire connections refused (limit reached).", pg.rejectedConnectionsTotal),
      c("kodiak_pgwire_protocol_errors_total", "pgwire protocol errors.", pg.protocolErrorsTotal),
      c("kodiak_pgwire_cancel_requests_total", "pgwire CancelRequests received.", pg.cancelRequestsTotal),
    );
  }
  if (stale !== undefined) {
    out.push({
      name: "kodiak_coordinator_stale_reads_total",
      help: "Reads of read_consistency = 'stale' sessions, by where they ran (a follower, or the leader when none could serve).",
      type: "counter",
      samples: [
        { labels: { served_by: "follower" }, value: stale.follower },
        { labels: { served_by: "leader" }, value: stale.leaderFallback },
      ],
    });
  }
  if (cluster !== undefined) {
    out.push(g("kodiak_coordinator_ready", "1 while a leader is known and the catalog is loaded.", cluster.ready ? 1 : 0));
    out.push(g("kodiak_coordinator_leader_id", "Raft leader id as known (0 = unknown).", cluster.leaderId));
    const per = (name: string, help: string, pick: (n: ClusterStatusResponse["nodes"][number]) => number): Metric => ({
      name,
      help,
      type: "gauge",
      samples: cluster.nodes.map((n) => ({ labels: { node: String(n.id) }, value: pick(n) })),
    });
    out.push(
      per("kodiak_node_term", "Raft term a node reported.", (n) => n.term),
      per("kodiak_node_commit_index", "Commit index a node reported.", (n) => n.commitIndex),
      per("kodiak_node_applied_index", "Applied index a node reported.", (n) => n.appliedIndex),
      per("kodiak_node_lag_entries", "Entries a node is behind the leader's commit index.", (n) => n.lagEntries),
      per("kodiak_node_reachable", "1 if the coordinator reached the node on its last try.", (n) => (n.reachable ? 1 : 0)),
    );
  }
  return out;
}
