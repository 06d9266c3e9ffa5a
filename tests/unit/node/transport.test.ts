import assert from "node:assert/strict";
import { test } from "node:test";
import * as grpc from "@grpc/grpc-js";
import { RaftTransportClient, RaftTransportService } from "../../../proto/gen/raft.js";
import type { Message } from "../../../node/raft/index.js";
import {
  GRPC_OPTIONS,
  GrpcTransport,
  MAX_BATCH_BYTES,
  messageToProto,
  MAX_GRPC_MESSAGE_BYTES,
  MAX_PEER_QUEUE_MESSAGES,
  MAX_RAFT_MESSAGE_BYTES,
  SNAPSHOT_CHUNK_BYTES,
  SnapshotReceiver,
} from "../../../node/transport/index.js";
import { crc32c, silentLogger, systemClock } from "../../../util/index.js";

interface Endpoint {
  transport: GrpcTransport;
  server: grpc.Server;
  address: string;
  received: Message[];
  unreachable: number[];
  snapStatus: Array<[number, boolean]>;
}

async function endpoint(id: number, clusterId: string, known?: number[]): Promise<Endpoint> {
  const received: Message[] = [];
  const unreachable: number[] = [];
  const snapStatus: Array<[number, boolean]> = [];
  const transport = new GrpcTransport({
    localId: id,
    clusterId,
    clock: systemClock,
    logger: silentLogger,
    onMessages: (m) => received.push(...m),
    onUnreachable: (p) => unreachable.push(p),
    onSnapshotStatus: (p, ok) => snapStatus.push([p, ok]),
    isKnownPeer: known === undefined ? undefined : (p) => known.includes(p),
  });
  const server = new grpc.Server(GRPC_OPTIONS);
  server.addService(RaftTransportService, transport.serverImpl());
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  return { transport, server, address: `127.0.0.1:${port}`, received, unreachable, snapStatus };
}

function close(...eps: Endpoint[]): void {
  for (const e of eps) {
    e.transport.close();
    e.server.forceShutdown();
  }
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

function heartbeat(from: number, to: number, term: number): Message {
  return { type: "MsgHeartbeat", from, to, term, logTerm: 0, index: 0, entries: [], commit: 0, reject: false, rejectHint: 0 };
}

test("messages reach the peer in order over one stream", async () => {
  const a = await endpoint(1, "c1");
  const b = await endpoint(2, "c1");
  try {
    a.transport.setPeer(2, b.address);
    const msgs = Array.from({ length: 300 }, (_, i) => heartbeat(1, 2, i + 1));
    a.transport.send(msgs);
    await until(() => b.received.length === 300);
    assert.deepEqual(
      b.received.map((m) => m.term),
      msgs.map((m) => m.term),
    );
  } finally {
    close(a, b);
  }
});

test("a node refuses another cluster's messages and the sender reports the peer unreachable", async () => {
  const a = await endpoint(1, "cluster-a");
  const b = await endpoint(2, "cluster-b");
  try {
    a.transport.setPeer(2, b.address);
    a.transport.send([heartbeat(1, 2, 1)]);
    await until(() => a.unreachable.includes(2));
    assert.equal(b.received.length, 0);
  } finally {
    close(a, b);
  }
});

test("a node refuses messages from a node id it does not know", async () => {
  const a = await endpoint(7, "c1");
  const b = await endpoint(2, "c1", [1, 3]);
  try {
    a.transport.setPeer(2, b.address);
    a.transport.send([heartbeat(7, 2, 1)]);
    await until(() => a.unreachable.includes(2));
    assert.equal(b.received.length, 0);
  } finally {
    close(a, b);
  }
});

test("the per-peer queue is bounded: beyond it messages are dropped and the peer reported unreachable", async () => {
  const a = await endpoint(1, "c1");
  const b = await endpoint(2, "c1");
  try {
    a.transport.setPeer(2, b.address);
    // All enqueued in one turn, before the sender's flush runs.
    a.transport.send(Array.from({ length: MAX_PEER_QUEUE_MESSAGES + 100 }, (_, i) => heartbeat(1, 2, i + 1)));
    assert.ok(a.unreachable.includes(2));
    assert.equal(a.transport.metrics().kodiak_transport_dropped_messages_total, 100);
    await until(() => b.received.length === MAX_PEER_QUEUE_MESSAGES);
    assert.equal(b.received[MAX_PEER_QUEUE_MESSAGES - 1]?.term, MAX_PEER_QUEUE_MESSAGES);
  } finally {
    close(a, b);
  }
});

test("a message larger than the batch limit (one big log entry) is sent alone in its batch", async () => {
  const a = await endpoint(1, "c1");
  const b = await endpoint(2, "c1");
  try {
    a.transport.setPeer(2, b.address);
    const big: Message = {
      ...heartbeat(1, 2, 1),
      type: "MsgApp",
      entries: [{ term: 1, index: 2, type: "normal", data: new Uint8Array(MAX_BATCH_BYTES + 1) }],
    };
    a.transport.send([heartbeat(1, 2, 1), big, heartbeat(1, 2, 3)]);
    await until(() => b.received.length === 3);
    assert.deepEqual(
      b.received.map((m) => m.term),
      [1, 1, 3],
    );
    assert.equal(b.received[1]?.entries[0]?.data.byteLength, MAX_BATCH_BYTES + 1);
  } finally {
    close(a, b);
  }
});

test("a message larger than the message limit is dropped and reported, never sent", async () => {
  const a = await endpoint(1, "c1");
  const b = await endpoint(2, "c1");
  try {
    a.transport.setPeer(2, b.address);
    const huge: Message = {
      ...heartbeat(1, 2, 1),
      type: "MsgApp",
      entries: [{ term: 1, index: 2, type: "normal", data: new Uint8Array(MAX_RAFT_MESSAGE_BYTES + 1) }],
    };
    a.transport.send([huge, heartbeat(1, 2, 2)]);
    await until(() => b.received.length === 1);
    assert.equal(b.received[0]?.term, 2);
    assert.ok(a.unreachable.includes(2));
  } finally {
    close(a, b);
  }
});

test("the server refuses a gRPC message above the size limit", async () => {
  const b = await endpoint(2, "c1");
  const client = new RaftTransportClient(b.address, grpc.credentials.createInsecure(), GRPC_OPTIONS);
  try {
    const err = await new Promise<grpc.ServiceError | null>((resolve) => {
      const call = client.send((e) => resolve(e));
      call.on("error", () => {});
      const big = {
        type: "MsgApp",
        from: 1,
        to: 2,
        term: 1,
        logTerm: 0,
        index: 0,
        commit: 0,
        reject: false,
        rejectHint: 0,
        context: Buffer.alloc(0),
      };
      call.write({
        clusterId: "c1",
        sender: 1,
        messages: [{ ...big, entries: [{ term: 1, index: 1, type: 0, data: Buffer.alloc(MAX_GRPC_MESSAGE_BYTES + 10) }] }],
      });
      call.end();
    });
    assert.ok(err !== null);
    assert.equal(err.code, grpc.status.RESOURCE_EXHAUSTED);
    assert.equal(b.received.length, 0);
  } finally {
    client.close();
    close(b);
  }
});

test("a peer that is down is reported unreachable, and delivery resumes after it comes up", async () => {
  const b = await endpoint(2, "c1");
  const address = b.address;
  close(b);
  const a = await endpoint(1, "c1");
  let b2: Endpoint | undefined;
  try {
    a.transport.setPeer(2, address);
    a.transport.send([heartbeat(1, 2, 1)]);
    await until(() => a.unreachable.includes(2));
    // Restart a receiver on the same port.
    const received: Message[] = [];
    const t = new GrpcTransport({
      localId: 2,
      clusterId: "c1",
      clock: systemClock,
      logger: silentLogger,
      onMessages: (m) => received.push(...m),
      onUnreachable: () => {},
      onSnapshotStatus: () => {},
    });
    const server = new grpc.Server(GRPC_OPTIONS);
    server.addService(RaftTransportService, t.serverImpl());
    await new Promise<number>((resolve, reject) =>
      server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
    );
    b2 = { transport: t, server, address, received, unreachable: [], snapStatus: [] };
    await until(() => {
      a.transport.send([heartbeat(1, 2, 9)]);
      return received.length > 0;
    }, 8000);
    assert.equal(received[0]?.term, 9);
  } finally {
    close(a);
    if (b2 !== undefined) close(b2);
  }
});

test("a snapshot larger than one chunk arrives whole with its metadata", async () => {
  const a = await endpoint(1, "c1");
  const b = await endpoint(2, "c1");
  try {
    a.transport.setPeer(2, b.address);
    const data = Buffer.alloc(SNAPSHOT_CHUNK_BYTES * 3 + 17);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31) & 0xff;
    const m: Message = {
      ...heartbeat(1, 2, 4),
      type: "MsgSnap",
      snapshot: { metadata: { index: 100, term: 4, conf: { voters: [1, 2], learners: [] } }, data },
    };
    a.transport.send([m]);
    await until(() => b.received.length === 1 && a.snapStatus.length === 1);
    assert.deepEqual(a.snapStatus[0], [2, true]);
    const got = b.received[0];
    assert.equal(got?.type, "MsgSnap");
    assert.equal(got?.snapshot?.metadata.index, 100);
    assert.equal(crc32c(got?.snapshot?.data ?? new Uint8Array(0)), crc32c(data));
  } finally {
    close(a, b);
  }
});

test("an interrupted snapshot transfer resumes where the receiver stopped", async () => {
  const a = await endpoint(1, "c1");
  const b = await endpoint(2, "c1");
  const raw = new RaftTransportClient(b.address, grpc.credentials.createInsecure(), GRPC_OPTIONS);
  try {
    const data = Buffer.alloc(SNAPSHOT_CHUNK_BYTES * 3 + 5);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7) & 0xff;
    const m: Message = {
      ...heartbeat(1, 2, 4),
      type: "MsgSnap",
      snapshot: { metadata: { index: 77, term: 4, conf: { voters: [1, 2], learners: [] } }, data },
    };
    // A first attempt that delivers one chunk and then breaks off.
    const first = data.subarray(0, SNAPSHOT_CHUNK_BYTES);
    const ack = await new Promise<{ receivedBytes: number; complete: boolean }>((resolve, reject) => {
      const call = raw.snapshot((e, r) => (e ? reject(e) : resolve(r)));
      call.write({
        clusterId: "c1",
        sender: 1,
        message: messageToProto({
          ...m,
          snapshot: {
            metadata: m.snapshot?.metadata ?? { index: 0, term: 0, conf: { voters: [], learners: [] } },
            data: new Uint8Array(0),
          },
        }),
        totalBytes: data.length,
        offset: 0,
        data: first,
        crc32c: crc32c(first),
        imageCrc32c: crc32c(data),
      });
      call.end();
    });
    assert.deepEqual(ack, { receivedBytes: SNAPSHOT_CHUNK_BYTES, complete: false });
    // The transport's transfer must continue at that offset (the receiver refuses a restart at 0).
    a.transport.setPeer(2, b.address);
    a.transport.send([m]);
    await until(() => a.snapStatus.length === 1);
    assert.deepEqual(a.snapStatus[0], [2, true]);
    assert.equal(crc32c(b.received[0]?.snapshot?.data ?? new Uint8Array(0)), crc32c(data));
  } finally {
    raw.close();
    close(a, b);
  }
});

test("the snapshot receiver resumes, and refuses corrupt or out-of-order chunks", () => {
  const r = new SnapshotReceiver();
  const image = Buffer.from("0123456789abcdef");
  const message = {
    type: "MsgSnap",
    from: 1,
    to: 2,
    term: 1,
    logTerm: 0,
    index: 0,
    entries: [],
    commit: 0,
    reject: false,
    rejectHint: 0,
    snapshot: { index: 5, term: 1 },
    context: Buffer.alloc(0),
  };
  const chunk = (offset: number, len: number) => {
    const data = image.subarray(offset, offset + len);
    return { clusterId: "c", sender: 1, message, totalBytes: image.length, offset, data, crc32c: crc32c(data), imageCrc32c: crc32c(image) };
  };
  assert.equal(r.add(chunk(0, 6)), undefined);
  assert.equal(r.receivedBytes(1, 5, 1), 6);
  assert.equal(r.receivedBytes(1, 6, 1), 0);
  assert.throws(() => r.add(chunk(8, 4)), /expected 6/);
  assert.throws(() => r.add({ ...chunk(6, 4), crc32c: 1 }), /fails its CRC32C/);
  assert.equal(r.add(chunk(6, 6)), undefined);
  const whole = r.add(chunk(12, 4));
  assert.equal(Buffer.from(whole ?? []).toString(), image.toString());
  assert.equal(r.receivedBytes(1, 5, 1), 0);
});
