// Public API of the node runtime: the Ready loop, its snapshot file and data-dir identity.
export { checkIdentity, clusterIdFromPeers, type DataDirIdentity, readIdentity, writeIdentity } from "./data-dir.js";
export { NotLeaderError, OUTCOME_UNKNOWN, outcomeUnknown } from "./errors.js";
export { decodeRuntimeImage, encodeRuntimeImage } from "./image.js";
export { LeaderWaiters, MAX_TRANSFER_WAITERS, planConfChange, TRANSFER_TIMEOUT_MS } from "./membership.js";
export { NodeRuntime, type RuntimeOptions } from "./node-runtime.js";
export { decodeBatch, encodeBatch, MAX_COMMAND_BYTES, MAX_COMMANDS_PER_ENTRY, MAX_ENTRY_BYTES, ProposalQueue } from "./proposal-queue.js";
export { buildStatus, type MemberStatus, type NodeStatus } from "./status.js";
export { MAX_PENDING_REQUESTS, PendingRequests } from "./pending.js";
export { reconcileSnapshot } from "./recovery.js";
export { RequestIds, requestKey } from "./request-id.js";
export { SnapshotStore } from "./snapshot-store.js";
export { type LiveSnapshots, storageWithSnapshots } from "./storage-view.js";
