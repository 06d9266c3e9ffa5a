// ClusterStatusSource over real nodes: asks every configured node's NodeKv.Status (bounded, in
// parallel) and derives leader, term, lag and readiness. Keeps the last answer per node so an
// unreachable node still shows what was last known, with its age.

import { credentials, Metadata } from "@grpc/grpc-js";
import { NodeKvClient, type StatusResponse } from "../../proto/gen/raft.js";
import { type Clock, systemClock } from "../../util/index.js";
import type { ClusterStatusInfo, ClusterStatusSource, NodeStatusInfo } from "./cluster.js";

/** Bound on one node's Status call. */
export const NODE_STATUS_TIMEOUT_MS = 1_000;

interface Known {
  status: StatusResponse;
  atMs: number;
}

function roleOf(s: StatusResponse, isLearner: boolean): NodeStatusInfo["role"] {
  if (s.role === "leader") return "leader";
  if (s.role === "candidate" || s.role === "preCandidate") return "candidate";
  if (isLearner) return "learner";
  return s.role === "follower" ? "follower" : "unknown";
}

export class NodeStatusPoller implements ClusterStatusSource {
  private readonly clients = new Map<number, NodeKvClient>();
  private readonly known = new Map<number, Known>();

  constructor(
    private readonly nodes: ReadonlyMap<number, string>,
    private readonly clock: Clock = systemClock,
    /** Extra readiness condition (e.g. the SQL catalog is loaded). */
    private readonly catalogReady: () => boolean = () => true,
  ) {
    for (const [id, address] of nodes) this.clients.set(id, new NodeKvClient(address, credentials.createInsecure()));
  }

  private ask(id: number, signal: AbortSignal): Promise<StatusResponse | undefined> {
    const client = this.clients.get(id)!;
    return new Promise((resolve) => {
      const call = client.status({}, new Metadata(), { deadline: this.clock.nowMs() + NODE_STATUS_TIMEOUT_MS }, (err, res) => {
        signal.removeEventListener("abort", onAbort);
        resolve(err ? undefined : res);
      });
      const onAbort = () => call.cancel();
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  async clusterStatus(signal: AbortSignal): Promise<ClusterStatusInfo> {
    const ids = [...this.nodes.keys()];
    const answers = await Promise.all(ids.map((id) => this.ask(id, signal)));
    const now = this.clock.monotonicMs();
    ids.forEach((id, i) => {
      const a = answers[i];
      if (a !== undefined) this.known.set(id, { status: a, atMs: now });
    });
    const fresh = answers.filter((a): a is StatusResponse => a !== undefined);
    const term = Math.max(0, ...fresh.map((s) => s.term));
    const leader = fresh.find((s) => s.role === "leader" && s.term === term);
    const leaderId = leader?.id ?? fresh.find((s) => s.term === term && s.leader !== 0)?.leader ?? 0;
    const leaderCommit = leader?.commit ?? Math.max(0, ...fresh.map((s) => s.commit));
    const learners = new Set((leader ?? fresh[0])?.members.filter((m) => m.role === "learner").map((m) => m.id) ?? []);
    const nodes: NodeStatusInfo[] = ids.map((id, i) => {
      const k = this.known.get(id);
      const s = k?.status;
      return {
        id,
        address: this.nodes.get(id)!,
        role: s === undefined ? "unknown" : roleOf(s, learners.has(id)),
        term: s?.term ?? 0,
        commitIndex: s?.commit ?? 0,
        appliedIndex: s?.applied ?? 0,
        lagEntries: s === undefined ? 0 : Math.max(0, leaderCommit - s.applied),
        reachable: answers[i] !== undefined,
        lastContactMsAgo: k === undefined ? 0 : Math.round(now - k.atMs),
      };
    });
    return { leaderId, term, ready: leaderId !== 0 && this.catalogReady(), nodes };
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
  }
}
