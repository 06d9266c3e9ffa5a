// Size and queue bounds of the node-to-node transport, in one place so their relations can be
// asserted (a batch must fit in a gRPC message; a snapshot chunk too).

import { assert } from "../../util/index.js";

/** Largest gRPC message a node sends or accepts (server and client options). */
export const MAX_GRPC_MESSAGE_BYTES = 80 * 1024 * 1024;
/**
 * Largest single Raft message: one append carrying the largest log entry (a bulk load of 100k+
 * rows is one transaction, one entry of tens of MiB). Such a message travels alone in its batch.
 */
export const MAX_RAFT_MESSAGE_BYTES = 72 * 1024 * 1024;
/** Raft messages waiting for one peer; beyond this new messages are dropped (Raft retries). */
export const MAX_PEER_QUEUE_MESSAGES = 4096;
/** Messages and bytes per batch on the stream. */
export const MAX_BATCH_MESSAGES = 256;
export const MAX_BATCH_BYTES = 4 * 1024 * 1024;
/** Snapshot images are streamed in chunks of this size, each with its CRC32C. */
export const SNAPSHOT_CHUNK_BYTES = 256 * 1024;
/** Largest snapshot image a node accepts (it is held in memory while it arrives). */
export const MAX_SNAPSHOT_BYTES = 512 * 1024 * 1024;
/** Reconnect backoff: doubles from the first to the max delay. */
export const RECONNECT_BACKOFF_FIRST_MS = 50;
export const RECONNECT_BACKOFF_MAX_MS = 1000;
/** Deadlines on snapshot RPCs. */
export const SNAPSHOT_PROBE_DEADLINE_MS = 2000;
export const SNAPSHOT_TRANSFER_DEADLINE_MS = 60_000;

/** gRPC channel/server options shared by every node endpoint. */
export const GRPC_OPTIONS = {
  "grpc.max_receive_message_length": MAX_GRPC_MESSAGE_BYTES,
  "grpc.max_send_message_length": MAX_GRPC_MESSAGE_BYTES,
  // A dead peer must be noticed even when the kernel does not reset the connection. The ack
  // timeout is generous because a ping's ack is only read once this process's event loop runs
  // again: a leader busy for seconds with a bulk statement (pgbench -i: 100k rows in one COPY)
  // would otherwise drop every connection, SQL sessions included, on the first timer it fires.
  "grpc.keepalive_time_ms": 2000,
  "grpc.keepalive_timeout_ms": 30_000,
  "grpc.keepalive_permit_without_calls": 1,
  "grpc.http2.min_ping_interval_without_data_ms": 1000,
  "grpc.initial_reconnect_backoff_ms": RECONNECT_BACKOFF_FIRST_MS,
  // Channelz (grpc-js call statistics for a debugging service we do not serve) costs counters and
  // clock reads on every call and message.
  "grpc.enable_channelz": 0,
  "grpc.max_reconnect_backoff_ms": RECONNECT_BACKOFF_MAX_MS,
};

assert(MAX_BATCH_BYTES < MAX_GRPC_MESSAGE_BYTES, "a full batch fits in one gRPC message");
assert(MAX_BATCH_BYTES <= MAX_RAFT_MESSAGE_BYTES, "a batch may always hold one message");
assert(MAX_RAFT_MESSAGE_BYTES + 1024 * 1024 < MAX_GRPC_MESSAGE_BYTES, "a batch of one largest message fits in a gRPC message");
assert(SNAPSHOT_CHUNK_BYTES * 2 < MAX_GRPC_MESSAGE_BYTES, "a snapshot chunk fits in one gRPC message");
assert(RECONNECT_BACKOFF_FIRST_MS <= RECONNECT_BACKOFF_MAX_MS, "backoff bounds are ordered");
