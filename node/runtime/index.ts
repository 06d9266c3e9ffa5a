// Public API of the node runtime: the Ready loop, its snapshot file and data-dir identity.
export { checkIdentity, clusterIdFromPeers, type DataDirIdentity, readIdentity, writeIdentity } from "./data-dir.js";
export { NotLeaderError, OUTCOME_UNKNOWN, outcomeUnknown } from "./errors.js";
export { encodeRuntimeImage, type MemberStatus, NodeRuntime, type NodeStatus, type RuntimeOptions } from "./node-runtime.js";
export { MAX_PENDING_REQUESTS, PendingRequests } from "./pending.js";
export { RequestIds, requestKey } from "./request-id.js";
export { SnapshotStore } from "./snapshot-store.js";
export { type LiveSnapshots, storageWithSnapshots } from "./storage-view.js";
