// Outbound side of the transport for one peer: a bounded queue drained into one long-lived
// gRPC client stream in batches, reconnecting with bounded exponential backoff. It never blocks
// the Ready loop: when the queue is full or the stream is down, messages are dropped and the
// Raft core is told the peer is unreachable (Raft retransmits on its own).

import * as grpc from "@grpc/grpc-js";
import { type MessageBatch, type RaftMessage, RaftTransportClient } from "../../proto/gen/raft.js";
import type { Message } from "../raft/index.js";
import type { Clock, Logger, TimerHandle } from "../../util/index.js";
import { encodedSizeBound, messageToProto } from "./convert.js";
import {
  GRPC_OPTIONS,
  MAX_BATCH_BYTES,
  MAX_BATCH_MESSAGES,
  MAX_PEER_QUEUE_MESSAGES,
  MAX_RAFT_MESSAGE_BYTES,
  RECONNECT_BACKOFF_FIRST_MS,
  RECONNECT_BACKOFF_MAX_MS,
} from "./limits.js";

/** A stream that lived this long before failing counts as healthy (backoff starts over). */
const HEALTHY_STREAM_MS = 2000;

export interface PeerSenderOptions {
  localId: number;
  peerId: number;
  address: string;
  clusterId: string;
  clock: Clock;
  logger: Logger;
  onUnreachable: (peerId: number) => void;
}

export class PeerSender {
  private readonly client: RaftTransportClient;
  private stream: grpc.ClientWritableStream<MessageBatch> | undefined;
  private queue: Array<{ pm: RaftMessage; size: number }> = [];
  private queueBytes = 0;
  private backoffMs = RECONNECT_BACKOFF_FIRST_MS;
  private reconnectTimer: TimerHandle | undefined;
  private flushScheduled = false;
  private waitingDrain = false;
  private closed = false;
  private lastRefusal = "";
  private connectedAtMs = 0;
  /** Metric: messages dropped because the queue was full or the stream was down. */
  droppedMessages = 0;

  constructor(private readonly o: PeerSenderOptions) {
    this.client = new RaftTransportClient(o.address, grpc.credentials.createInsecure(), GRPC_OPTIONS);
  }

  get address(): string {
    return this.o.address;
  }

  queuedBytes(): number {
    return this.queueBytes;
  }

  queuedMessages(): number {
    return this.queue.length;
  }

  enqueue(m: Message): void {
    if (this.closed) return;
    // A bound, not the exact size: encoding here too would encode every message twice.
    const size = encodedSizeBound(m);
    if (size > MAX_RAFT_MESSAGE_BYTES || this.queue.length >= MAX_PEER_QUEUE_MESSAGES) {
      this.drop(1, size > MAX_RAFT_MESSAGE_BYTES ? `message of ${size} bytes exceeds the message limit` : "queue full");
      return;
    }
    this.queue.push({ pm: messageToProto(m), size });
    this.queueBytes += size;
    this.scheduleFlush();
  }

  close(): void {
    this.closed = true;
    this.reconnectTimer?.cancel();
    this.stream?.end();
    this.stream = undefined;
    this.queue = [];
    this.client.close();
  }

  private drop(count: number, why: string): void {
    this.droppedMessages += count;
    this.o.logger.debug({ peer: this.o.peerId, count, why }, "dropping raft messages");
    this.o.onUnreachable(this.o.peerId);
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.waitingDrain) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.closed || this.queue.length === 0 || this.waitingDrain) return;
    const stream = this.stream ?? this.connect();
    if (stream === undefined) {
      // Disconnected (waiting out the backoff): messages would only go stale; drop them.
      const n = this.queue.length;
      this.queue = [];
      this.queueBytes = 0;
      this.drop(n, "peer disconnected");
      return;
    }
    // Walk the queue with an index and cut it once at the end (shift() per message is O(n)).
    let at = 0;
    while (at < this.queue.length) {
      const batch: RaftMessage[] = [];
      let bytes = 0;
      while (at < this.queue.length && batch.length < MAX_BATCH_MESSAGES) {
        const next = this.queue[at] as { pm: RaftMessage; size: number };
        if (batch.length > 0 && bytes + next.size > MAX_BATCH_BYTES) break;
        batch.push(next.pm);
        bytes += next.size;
        at++;
      }
      this.queueBytes -= bytes;
      const ok = stream.write({ clusterId: this.o.clusterId, sender: this.o.localId, messages: batch });
      if (!ok) {
        this.queue = this.queue.slice(at);
        // Backpressure from HTTP/2: resume when the stream drains; the queue bound protects memory.
        this.waitingDrain = true;
        stream.once("drain", () => {
          this.waitingDrain = false;
          this.scheduleFlush();
        });
        return;
      }
    }
    this.queue = [];
  }

  private connect(): grpc.ClientWritableStream<MessageBatch> | undefined {
    if (this.reconnectTimer !== undefined) return undefined;
    const stream = this.client.send((err) => this.onStreamEnd(stream, err));
    stream.on("error", () => {
      // Reported through the callback above; listening here keeps the error from being thrown.
    });
    this.stream = stream;
    this.connectedAtMs = this.o.clock.monotonicMs();
    return stream;
  }

  private onStreamEnd(stream: grpc.ClientWritableStream<MessageBatch>, err: grpc.ServiceError | null): void {
    if (this.stream !== stream) return;
    this.stream = undefined;
    this.waitingDrain = false;
    if (this.closed) return;
    if (err !== null) {
      if (err.code === grpc.status.FAILED_PRECONDITION || err.code === grpc.status.INVALID_ARGUMENT) {
        // A refusal (other cluster, malformed); log once per distinct reason, not per retry.
        if (err.details !== this.lastRefusal)
          this.o.logger.error({ peer: this.o.peerId, address: this.o.address, reason: err.details }, "peer refused our messages");
        this.lastRefusal = err.details;
      } else {
        this.o.logger.debug({ peer: this.o.peerId, code: err.code, details: err.details }, "raft stream to peer failed");
      }
      this.o.onUnreachable(this.o.peerId);
    }
    // A stream that stayed up a while earns a fresh backoff; a flapping one keeps doubling.
    if (this.o.clock.monotonicMs() - this.connectedAtMs > HEALTHY_STREAM_MS) this.backoffMs = RECONNECT_BACKOFF_FIRST_MS;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, RECONNECT_BACKOFF_MAX_MS);
    this.reconnectTimer = this.o.clock.setTimeout(() => {
      this.reconnectTimer = undefined;
      this.scheduleFlush();
    }, delay);
  }
}
