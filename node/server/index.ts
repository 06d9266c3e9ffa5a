// Public API of the node's gRPC edge: flags, the KV and health services, error conversion,
// and the peer checks done at startup.
export { NODE_USAGE, type NodeFlags, parseAddress, parseNodeFlags, parsePeers } from "./flags.js";
export { TRAILER_CODE, TRAILER_LEADER_ADDRESS, TRAILER_LEADER_ID, toServiceError, unary } from "./grpc-errors.js";
export { HealthState, MAX_HEALTH_WATCHERS } from "./health.js";
export { kvServiceImpl, MAX_KEY_BYTES, MAX_VALUE_BYTES, statusToProto } from "./kv-service.js";
export { peerRemembersUs, peerStatus, peerStatuses } from "./peer-check.js";
