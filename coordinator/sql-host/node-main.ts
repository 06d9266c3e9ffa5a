// Entry point of `kodiak node` as shipped: the node process (node/main.ts) plus the SQL host
// service, so the SQL engine runs next to the data: linearizable sessions on the Raft leader,
// bounded-stale sessions on any replica. Composition only.

import * as grpc from "@grpc/grpc-js";
import { main as nodeMain, type AddNodeServices } from "../../node/main.js";
import { SqlHostClient, SqlHostService } from "../../proto/gen/sqlhost.js";
import { KvSqlEngine } from "../../sql/index.js";
import { KodiakError, SqlState, systemClock } from "../../util/index.js";
import { sqlHostService } from "./host-service.js";
import { LinearizableEngine } from "./linearizable-engine.js";
import { ReplicatedKvStore } from "./replicated-kv.js";
import { StalenessGate } from "./staleness-gate.js";

const addSqlHost: AddNodeServices = (server, replica, logger) => {
  const store = replica.store;
  if (store === undefined) return async () => {}; // the in-memory KV fixture hosts no SQL
  const runtime = replica.runtime;
  const kv = new ReplicatedKvStore(runtime, store);
  const sql = new KvSqlEngine(kv);
  const engine = new LinearizableEngine(sql, () => kv.barrier());
  const leader = () => {
    const s = runtime.status();
    return { isLeader: s.role === "leader", leaderId: s.leader, leaderAddress: s.leaderAddress };
  };
  const readIndex = async () => {
    await runtime.readBarrier();
    return runtime.appliedIndex();
  };
  const leaderClients = new Map<string, SqlHostClient>();
  const leaderReadIndex = (timeoutMs: number): Promise<number> => {
    const l = leader();
    if (l.isLeader) return readIndex();
    if (l.leaderAddress === "") return Promise.reject(new KodiakError(SqlState.cannotConnectNow, "no leader is known"));
    let client = leaderClients.get(l.leaderAddress);
    if (client === undefined) {
      // Bounded: one client per leader address seen, and a cluster has few nodes.
      if (leaderClients.size > 16) leaderClients.clear();
      client = new SqlHostClient(l.leaderAddress, grpc.credentials.createInsecure());
      leaderClients.set(l.leaderAddress, client);
    }
    const c = client;
    return new Promise((resolve, reject) => {
      c.readIndex({}, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, res) =>
        err === null ? resolve(res.index) : reject(err),
      );
    });
  };
  const gate = new StalenessGate({
    nodeId: runtime.status().id,
    appliedIndex: () => runtime.appliedIndex(),
    leaderReadIndex,
    clock: systemClock,
  });
  server.addService(
    SqlHostService,
    sqlHostService({
      engine,
      leader,
      logger: logger.child({ component: "sql-host" }),
      nodeId: runtime.status().id,
      stale: { engine: sql, gate, readIndex },
    }),
  );
  return async () => {
    for (const c of leaderClients.values()) c.close();
    await engine.close();
  };
};

export function main(argv: string[]): Promise<number> {
  return nodeMain(argv, addSqlHost);
}
