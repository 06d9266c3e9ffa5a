// Public API of the node-to-node transport.
export { encodedSizeBound, isRemoteType, messageFromProto, messageToProto } from "./convert.js";
export * from "./limits.js";
export { SnapshotReceiver, sendSnapshot } from "./snapshot.js";
export { GrpcTransport, type RaftTransport, type TransportOptions } from "./transport.js";
