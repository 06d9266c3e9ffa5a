// Entry point of `kodiak node` as shipped: the node process (node/main.ts) plus the SQL host
// service, so the SQL engine runs next to the data on the Raft leader. Composition only.

import { main as nodeMain, type AddNodeServices } from "../../node/main.js";
import { SqlHostService } from "../../proto/gen/sqlhost.js";
import { KvSqlEngine } from "../../sql/index.js";
import { sqlHostService } from "./host-service.js";
import { LinearizableEngine } from "./linearizable-engine.js";
import { ReplicatedKvStore } from "./replicated-kv.js";

const addSqlHost: AddNodeServices = (server, replica, logger) => {
  const store = replica.store;
  if (store === undefined) return async () => {}; // the in-memory KV fixture hosts no SQL
  const kv = new ReplicatedKvStore(replica.runtime, store);
  const engine = new LinearizableEngine(new KvSqlEngine(kv), () => kv.barrier());
  const leader = () => {
    const s = replica.runtime.status();
    return { isLeader: s.role === "leader", leaderId: s.leader, leaderAddress: s.leaderAddress };
  };
  server.addService(SqlHostService, sqlHostService(engine, leader, logger.child({ component: "sql-host" })));
  return () => engine.close();
};

export function main(argv: string[]): Promise<number> {
  return nodeMain(argv, addSqlHost);
}
