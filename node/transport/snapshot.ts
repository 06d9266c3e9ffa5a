// Snapshot transfer between nodes: the sender streams the image in CRC32C-checksummed chunks
// after asking the receiver how much of the same snapshot it already holds (resume); the
// receiver assembles chunks per sender and hands the complete, verified image to Raft. A chunk
// that fails its checksum or arrives out of order is refused, never appended.

import * as grpc from "@grpc/grpc-js";
import type { RaftTransportClient, SnapshotAck, SnapshotChunk } from "../../proto/gen/raft.js";
import type { Message } from "../raft/types.js";
import { type Clock, crc32c, KodiakError, SqlState } from "../../util/index.js";
import { messageToProto } from "./convert.js";
import { MAX_SNAPSHOT_BYTES, SNAPSHOT_CHUNK_BYTES, SNAPSHOT_PROBE_DEADLINE_MS, SNAPSHOT_TRANSFER_DEADLINE_MS } from "./limits.js";

function deadline(clock: Clock, ms: number): Date {
  return new Date(clock.nowMs() + ms);
}

function probe(clock: Clock, client: RaftTransportClient, clusterId: string, sender: number, m: Message): Promise<SnapshotAck> {
  const md = m.snapshot?.metadata;
  return new Promise((resolve, reject) => {
    client.snapshotStatus(
      { clusterId, sender, index: md?.index ?? 0, term: md?.term ?? 0 },
      new grpc.Metadata(),
      { deadline: deadline(clock, SNAPSHOT_PROBE_DEADLINE_MS) },
      (err, ack) => (err ? reject(err) : resolve(ack)),
    );
  });
}

/** Sends m.snapshot to m.to, resuming where an earlier attempt stopped. Resolves when acknowledged. */
export async function sendSnapshot(clock: Clock, client: RaftTransportClient, clusterId: string, m: Message): Promise<void> {
  const image = m.snapshot?.data ?? new Uint8Array(0);
  if (image.byteLength > MAX_SNAPSHOT_BYTES) {
    throw new KodiakError(SqlState.programLimitExceeded, `snapshot of ${image.byteLength} bytes exceeds ${MAX_SNAPSHOT_BYTES}`);
  }
  const resumeAt = Math.min((await probe(clock, client, clusterId, m.from, m)).receivedBytes, image.byteLength);
  const imageCrc = crc32c(image);
  const wire = messageToProto({ ...m, snapshot: m.snapshot === undefined ? undefined : { ...m.snapshot, data: new Uint8Array(0) } });
  await new Promise<void>((resolve, reject) => {
    const call = client.snapshot(new grpc.Metadata(), { deadline: deadline(clock, SNAPSHOT_TRANSFER_DEADLINE_MS) }, (err, ack) => {
      if (err) reject(err);
      else if (!ack.complete) reject(new KodiakError(SqlState.ioError, `snapshot to node ${m.to} incomplete at ${ack.receivedBytes}`));
      else resolve();
    });
    call.on("error", () => {
      // Reported through the callback.
    });
    let offset = resumeAt;
    const writeMore = (): void => {
      // Respect HTTP/2 flow control: stop when write() says so and continue on "drain".
      do {
        const data = image.subarray(offset, Math.min(offset + SNAPSHOT_CHUNK_BYTES, image.byteLength));
        const chunk: SnapshotChunk = {
          clusterId,
          sender: m.from,
          message: wire,
          totalBytes: image.byteLength,
          offset,
          data: Buffer.from(data),
          crc32c: crc32c(data),
          imageCrc32c: imageCrc,
        };
        offset += data.byteLength;
        const more = call.write(chunk);
        if (offset >= image.byteLength) {
          call.end();
          return;
        }
        if (!more) {
          call.once("drain", writeMore);
          return;
        }
      } while (offset < image.byteLength);
    };
    writeMore();
  });
}

interface PartialSnapshot {
  index: number;
  term: number;
  total: number;
  received: number;
  buf: Buffer;
}

/** Receiving side: one partial image per sender, so a retried transfer resumes. */
export class SnapshotReceiver {
  private readonly partial = new Map<number, PartialSnapshot>();

  receivedBytes(sender: number, index: number, term: number): number {
    const p = this.partial.get(sender);
    return p !== undefined && p.index === index && p.term === term ? p.received : 0;
  }

  /** Adds a chunk; returns the whole image when the last chunk arrived and the image checks out. */
  add(c: SnapshotChunk): Uint8Array | undefined {
    const md = c.message?.snapshot;
    if (c.message === undefined || md === undefined)
      throw new KodiakError(SqlState.protocolViolation, "snapshot chunk without MsgSnap metadata");
    if (c.totalBytes > MAX_SNAPSHOT_BYTES) {
      throw new KodiakError(SqlState.programLimitExceeded, `snapshot of ${c.totalBytes} bytes exceeds ${MAX_SNAPSHOT_BYTES}`);
    }
    if (crc32c(c.data) !== c.crc32c) {
      throw new KodiakError(SqlState.dataCorrupted, `snapshot chunk at offset ${c.offset} from node ${c.sender} fails its CRC32C`);
    }
    let p = this.partial.get(c.sender);
    if (p === undefined || p.index !== md.index || p.term !== md.term || p.total !== c.totalBytes) {
      if (c.offset !== 0)
        throw new KodiakError(SqlState.protocolViolation, `snapshot chunk at offset ${c.offset} but nothing received yet`);
      p = { index: md.index, term: md.term, total: c.totalBytes, received: 0, buf: Buffer.alloc(c.totalBytes) };
      this.partial.set(c.sender, p);
    }
    if (c.offset !== p.received || c.offset + c.data.byteLength > p.total) {
      throw new KodiakError(SqlState.protocolViolation, `snapshot chunk at offset ${c.offset}, expected ${p.received} of ${p.total}`);
    }
    p.buf.set(c.data, c.offset);
    p.received += c.data.byteLength;
    if (p.received < p.total) return undefined;
    this.partial.delete(c.sender);
    if (crc32c(p.buf) !== c.imageCrc32c) {
      throw new KodiakError(SqlState.dataCorrupted, `snapshot image from node ${c.sender} fails its CRC32C`);
    }
    return p.buf;
  }
}
