// Asks other nodes which cluster they belong to (their Status), with a deadline per call: used
// to learn the cluster id when joining, and to refuse starting on a foreign cluster's data dir.

import * as grpc from "@grpc/grpc-js";
import { NodeKvClient, type StatusResponse } from "../../proto/gen/raft.js";
import type { Clock } from "../../util/index.js";
import { GRPC_OPTIONS } from "../transport/index.js";

export async function peerStatus(clock: Clock, address: string, deadlineMs: number): Promise<StatusResponse | undefined> {
  const client = new NodeKvClient(address, grpc.credentials.createInsecure(), GRPC_OPTIONS);
  try {
    return await new Promise<StatusResponse | undefined>((resolve) => {
      client.status({}, new grpc.Metadata(), { deadline: new Date(clock.nowMs() + deadlineMs) }, (err, res) =>
        resolve(err ? undefined : res),
      );
    });
  } finally {
    client.close();
  }
}

/** Status of every reachable peer (id → status). */
export async function peerStatuses(
  clock: Clock,
  peers: Map<number, string>,
  selfId: number,
  deadlineMs: number,
): Promise<Map<number, StatusResponse>> {
  const out = new Map<number, StatusResponse>();
  await Promise.all(
    [...peers].map(async ([id, addr]) => {
      if (id === selfId) return;
      const s = await peerStatus(clock, addr, deadlineMs);
      if (s !== undefined) out.set(id, s);
    }),
  );
  return out;
}

/**
 * A peer leader that has replicated entries to `selfId` before (match > 1, beyond the bootstrap
 * snapshot) proves this node once had a log: bootstrapping again would forget votes and
 * acknowledged entries. Returns that peer's id, if any.
 */
export function peerRemembersUs(statuses: Map<number, StatusResponse>, selfId: number, clusterId: string): number | undefined {
  for (const [peer, s] of statuses) {
    if (s.clusterId !== clusterId || s.role !== "leader") continue;
    if (s.members.some((m) => m.id === selfId && m.match > 1)) return peer;
  }
  return undefined;
}
