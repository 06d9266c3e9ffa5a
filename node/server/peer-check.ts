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

/** Cluster ids reported by the reachable peers (id → cluster id). */
export async function peerClusterIds(
  clock: Clock,
  peers: Map<number, string>,
  selfId: number,
  deadlineMs: number,
): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  await Promise.all(
    [...peers].map(async ([id, addr]) => {
      if (id === selfId) return;
      const s = await peerStatus(clock, addr, deadlineMs);
      if (s !== undefined) out.set(id, s.clusterId);
    }),
  );
  return out;
}
