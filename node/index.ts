// Public API of the node layer for the layers above it (SQL hosting, embedded mode, tools).
export { openReplica, type Replica, type ReplicaOptions } from "./replica.js";
export { NotLeaderError, type NodeRuntime, type NodeStatus } from "./runtime/index.js";
export type { RaftTransport } from "./transport/index.js";
export { checkIdentity, readIdentity, writeIdentity } from "./runtime/index.js";
export { entryIndexOf, snapshotTimestampAt } from "./state-machine/index.js";
