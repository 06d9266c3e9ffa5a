// The node-to-node transport: routes outbound Raft messages to per-peer senders (MsgSnap to
// the chunked snapshot stream) and serves the inbound side, refusing other clusters' traffic and
// malformed messages with a clear gRPC status. It never steps the Raft core itself: inbound
// messages go to the runtime's callback, which owns the core.

import * as grpc from "@grpc/grpc-js";
import {
  type BatchAck,
  type MessageBatch,
  RaftTransportClient,
  type RaftTransportServer,
  type SnapshotAck,
  type SnapshotChunk,
  type SnapshotProbe,
} from "../../proto/gen/raft.js";
import type { Message } from "../raft/types.js";
import { type Clock, isKodiakError, type Logger } from "../../util/index.js";
import { messageFromProto } from "./convert.js";
import { GRPC_OPTIONS } from "./limits.js";
import { PeerSender } from "./peer-sender.js";
import { SnapshotReceiver, sendSnapshot } from "./snapshot.js";

export interface TransportOptions {
  localId: number;
  clusterId: string;
  clock: Clock;
  logger: Logger;
  /** Inbound messages, already validated. */
  onMessages: (msgs: Message[]) => void;
  onUnreachable: (peerId: number) => void;
  onSnapshotStatus: (peerId: number, ok: boolean) => void;
  /** Whether a sender id is a member this node knows (others' batches are refused). Default: any. */
  isKnownPeer?: (id: number) => boolean;
}

/** The transport as the runtime uses it (a fake can replace it in tests). */
export interface RaftTransport {
  send(msgs: Message[]): void;
  setPeer(id: number, address: string): void;
  removePeer(id: number): void;
  peerAddress(id: number): string | undefined;
  close(): void;
}

export class GrpcTransport implements RaftTransport {
  private readonly peers = new Map<number, PeerSender>();
  private readonly snapshotClients = new Map<number, RaftTransportClient>();
  private readonly snapshotsInFlight = new Set<number>();
  private readonly receiver = new SnapshotReceiver();
  private closed = false;

  constructor(private readonly o: TransportOptions) {}

  setPeer(id: number, address: string): void {
    if (id === this.o.localId) return;
    const cur = this.peers.get(id);
    if (cur !== undefined && cur.address === address) return;
    cur?.close();
    this.snapshotClients.get(id)?.close();
    this.snapshotClients.delete(id);
    this.peers.set(id, new PeerSender({ ...this.o, peerId: id, address, onUnreachable: this.o.onUnreachable }));
  }

  removePeer(id: number): void {
    this.peers.get(id)?.close();
    this.peers.delete(id);
    this.snapshotClients.get(id)?.close();
    this.snapshotClients.delete(id);
  }

  peerAddress(id: number): string | undefined {
    return this.peers.get(id)?.address;
  }

  send(msgs: Message[]): void {
    for (const m of msgs) {
      const peer = this.peers.get(m.to);
      if (peer === undefined) {
        this.o.logger.debug({ to: m.to, type: m.type }, "no address for raft peer; dropping message");
        this.o.onUnreachable(m.to);
        continue;
      }
      if (m.type === "MsgSnap") this.startSnapshot(m, peer.address);
      else peer.enqueue(m);
    }
  }

  private startSnapshot(m: Message, address: string): void {
    if (this.snapshotsInFlight.has(m.to)) return; // one transfer per peer; Raft re-sends after the status report
    let client = this.snapshotClients.get(m.to);
    if (client === undefined) {
      client = new RaftTransportClient(address, grpc.credentials.createInsecure(), GRPC_OPTIONS);
      this.snapshotClients.set(m.to, client);
    }
    this.snapshotsInFlight.add(m.to);
    sendSnapshot(this.o.clock, client, this.o.clusterId, m).then(
      () => {
        this.snapshotsInFlight.delete(m.to);
        if (!this.closed) this.o.onSnapshotStatus(m.to, true);
      },
      (err: unknown) => {
        this.snapshotsInFlight.delete(m.to);
        this.o.logger.warn({ peer: m.to, err: String(err) }, "snapshot transfer failed; will resume");
        if (!this.closed) this.o.onSnapshotStatus(m.to, false);
      },
    );
  }

  close(): void {
    this.closed = true;
    for (const p of this.peers.values()) p.close();
    for (const c of this.snapshotClients.values()) c.close();
    this.peers.clear();
    this.snapshotClients.clear();
  }

  private refuseCluster(clusterId: string): grpc.ServiceError | undefined {
    if (clusterId === this.o.clusterId) return undefined;
    const details = `refused: message from cluster '${clusterId}' but this node (id ${this.o.localId}) belongs to cluster '${this.o.clusterId}'`;
    this.o.logger.error({ remoteCluster: clusterId }, details);
    return Object.assign(new Error(details), { code: grpc.status.FAILED_PRECONDITION, details, metadata: new grpc.Metadata() });
  }

  private refuseSender(sender: number): grpc.ServiceError | undefined {
    if (sender !== 0 && sender !== this.o.localId && (this.o.isKnownPeer?.(sender) ?? true)) return undefined;
    const details =
      sender === this.o.localId
        ? `refused: sender id ${sender} is this node's own id (two nodes share an id?)`
        : `refused: unknown node id ${sender}: not a member known to node ${this.o.localId}`;
    this.o.logger.warn({ sender }, details);
    return Object.assign(new Error(details), { code: grpc.status.FAILED_PRECONDITION, details, metadata: new grpc.Metadata() });
  }

  /** gRPC handlers of the RaftTransport service. */
  serverImpl(): RaftTransportServer {
    return {
      send: (call: grpc.ServerReadableStream<MessageBatch, BatchAck>, callback: grpc.sendUnaryData<BatchAck>) => {
        let done = false;
        const finish = (err: grpc.ServiceError | null): void => {
          if (done) return;
          done = true;
          if (err) callback(err);
          else callback(null, {});
        };
        call.on("data", (batch: MessageBatch) => {
          if (done) return;
          const refusal = this.refuseCluster(batch.clusterId) ?? this.refuseSender(batch.sender);
          if (refusal !== undefined) return finish(refusal);
          try {
            const msgs = batch.messages.map((pm) => messageFromProto(pm, batch.sender, this.o.localId));
            this.o.onMessages(msgs);
          } catch (e) {
            const details = isKodiakError(e) ? e.message : String(e);
            this.o.logger.warn({ sender: batch.sender, details }, "refusing malformed raft batch");
            finish(Object.assign(new Error(details), { code: grpc.status.INVALID_ARGUMENT, details, metadata: new grpc.Metadata() }));
          }
        });
        call.on("end", () => finish(null));
        call.on("error", () => {
          done = true;
        });
      },
      snapshot: (call: grpc.ServerReadableStream<SnapshotChunk, SnapshotAck>, callback: grpc.sendUnaryData<SnapshotAck>) => {
        let done = false;
        let received = 0;
        const fail = (code: grpc.status, details: string): void => {
          if (done) return;
          done = true;
          callback(Object.assign(new Error(details), { code, details, metadata: new grpc.Metadata() }));
        };
        call.on("data", (c: SnapshotChunk) => {
          if (done) return;
          const refusal = this.refuseCluster(c.clusterId) ?? this.refuseSender(c.sender);
          if (refusal !== undefined) {
            done = true;
            return callback(refusal);
          }
          try {
            const image = this.receiver.add(c);
            received = c.offset + c.data.byteLength;
            if (image !== undefined && c.message !== undefined) {
              this.o.onMessages([messageFromProto(c.message, c.sender, this.o.localId, image)]);
              done = true;
              callback(null, { receivedBytes: received, complete: true });
            }
          } catch (e) {
            fail(grpc.status.INVALID_ARGUMENT, isKodiakError(e) ? e.message : String(e));
          }
        });
        call.on("end", () => {
          if (!done) {
            done = true;
            callback(null, { receivedBytes: received, complete: false });
          }
        });
        call.on("error", () => {
          done = true;
        });
      },
      snapshotStatus: (call: grpc.ServerUnaryCall<SnapshotProbe, SnapshotAck>, callback: grpc.sendUnaryData<SnapshotAck>) => {
        const p = call.request;
        const refusal = this.refuseCluster(p.clusterId) ?? this.refuseSender(p.sender);
        if (refusal !== undefined) return callback(refusal);
        callback(null, { receivedBytes: this.receiver.receivedBytes(p.sender, p.index, p.term), complete: false });
      },
    };
  }
}
