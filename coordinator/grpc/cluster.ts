// What the API reports for ClusterStatus. The coordinator's node router implements
// ClusterStatusSource with what it knows; embedded mode and tests use localClusterStatus.

/** A node as the coordinator last saw it (fields as NodeStatus in kodiak.proto). */
export interface NodeStatusInfo {
  id: number;
  address: string;
  role: "leader" | "follower" | "candidate" | "learner" | "unknown";
  term: number;
  commitIndex: number;
  appliedIndex: number;
  lagEntries: number;
  reachable: boolean;
  lastContactMsAgo: number;
  region?: string;
}

export interface ClusterStatusInfo {
  /** 0 = unknown. */
  leaderId: number;
  term: number;
  /** A leader is known and the catalog is loaded. */
  ready: boolean;
  nodes: NodeStatusInfo[];
}

export interface ClusterStatusSource {
  /** Returns what is known now; must settle promptly (bounded by the signal). */
  clusterStatus(signal: AbortSignal): Promise<ClusterStatusInfo>;
}

/** A coordinator over an in-process engine: always ready, no remote nodes. */
export const localClusterStatus: ClusterStatusSource = {
  clusterStatus: () => Promise.resolve({ leaderId: 0, term: 0, ready: true, nodes: [] }),
};
