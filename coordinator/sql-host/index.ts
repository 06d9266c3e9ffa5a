// Hosting the SQL engine on Raft replicas: the replicated KvStore, linearizable sessions, and
// embedded mode (a single-voter group in this process).
export { type EmbeddedDatabase, type EmbeddedOptions, openEmbeddedDatabase } from "./embedded.js";
export { LinearizableEngine } from "./linearizable-engine.js";
export { type ReplicaHandle, ReplicatedKvStore } from "./replicated-kv.js";
export { type LeaderInfo, sqlHostService } from "./host-service.js";
export { RemoteSqlEngine } from "./remote-engine.js";
export type { ServedBy, StaleReadStats } from "./remote-engine.js";
export { StalenessGate, type StaleReadProof } from "./staleness-gate.js";
export { isStaleReadCandidate } from "./stale-read-routing.js";
