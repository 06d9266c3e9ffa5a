// Snapshot streams for Raft InstallSnapshot: the store's versions at an applied index as a
// sequence of self-checking chunks (header, record chunks, trailer), and their import. A chunk
// that fails any check is rejected with XX001; an import never replaces state until it is whole.
//
// Chunk: "KSNP" | u32 format | u32 seq | u8 kind (0 header, 1 records, 2 trailer) | 3 pad |
//        u32 payloadLen | payload | u32 crc32c of everything before.
// Header payload: f64 appliedIndex, f64 lastCommitTs, f64 retentionTs.
// Records payload: u32 count, then count x (u16 keyLen, u8 kind, f64 ts, u32 valLen, key, value).
// Trailer payload: f64 total records.

import { crc32c, KodiakError, SqlState } from "../util/index.js";
import { type BulkLoader, type VersionRecord, versionRecords } from "./bulk.js";
import { Kind } from "./format.js";

export const SNAPSHOT_FORMAT_VERSION = 1;
/** Target payload size of one record chunk. */
export const SNAPSHOT_CHUNK_BYTES = 1024 * 1024;
const MAGIC = 0x504e534b; // "KSNP" little-endian
const CHUNK_HEADER_BYTES = 20;
const RECORD_HEADER_BYTES = 15;

export interface SnapshotMeta {
  appliedIndex: number;
  lastCommitTs: number;
  retentionTs: number;
}

function chunk(seq: number, kind: number, payload: Buffer): Buffer {
  const b = Buffer.alloc(CHUNK_HEADER_BYTES + payload.length + 4);
  b.writeUInt32LE(MAGIC, 0);
  b.writeUInt32LE(SNAPSHOT_FORMAT_VERSION, 4);
  b.writeUInt32LE(seq, 8);
  b[12] = kind;
  b.writeUInt32LE(payload.length, 16);
  payload.copy(b, CHUNK_HEADER_BYTES);
  b.writeUInt32LE(crc32c(b, 0, 0, b.length - 4), b.length - 4);
  return b;
}

/** The chunks of a snapshot: header with meta, the records, trailer with their count. */
export function* snapshotChunks(records: Iterable<VersionRecord>, meta: SnapshotMeta): Generator<Uint8Array> {
  let seq = 0;
  const head = Buffer.alloc(24);
  head.writeDoubleLE(meta.appliedIndex, 0);
  head.writeDoubleLE(meta.lastCommitTs, 8);
  head.writeDoubleLE(meta.retentionTs, 16);
  yield chunk(seq++, 0, head);
  let parts: Buffer[] = [];
  let bytes = 4;
  let count = 0;
  let total = 0;
  const emit = () => {
    const payload = Buffer.concat([Buffer.alloc(4), ...parts]);
    payload.writeUInt32LE(count, 0);
    parts = [];
    bytes = 4;
    count = 0;
    return chunk(seq++, 1, payload);
  };
  for (const r of records) {
    const rec = Buffer.allocUnsafe(RECORD_HEADER_BYTES + r.key.length + r.value.length);
    rec.writeUInt16LE(r.key.length, 0);
    rec[2] = r.kind;
    rec.writeDoubleLE(r.ts, 3);
    rec.writeUInt32LE(r.value.length, 11);
    r.key.copy(rec, RECORD_HEADER_BYTES);
    r.value.copy(rec, RECORD_HEADER_BYTES + r.key.length);
    parts.push(rec);
    bytes += rec.length;
    count++;
    total++;
    if (bytes >= SNAPSHOT_CHUNK_BYTES) yield emit();
  }
  if (count > 0) yield emit();
  const tail = Buffer.alloc(8);
  tail.writeDoubleLE(total, 0);
  yield chunk(seq, 2, tail);
}

function corrupt(why: string): KodiakError {
  return new KodiakError(SqlState.dataCorrupted, `snapshot stream is corrupt: ${why}`);
}

/** Parses and checks one chunk. */
function parseChunk(bytes: Uint8Array, expectSeq: number): { kind: number; payload: Buffer } {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length < CHUNK_HEADER_BYTES + 4 || b.readUInt32LE(0) !== MAGIC) throw corrupt(`chunk ${expectSeq} has a bad magic or is too short`);
  const version = b.readUInt32LE(4);
  if (version !== SNAPSHOT_FORMAT_VERSION) {
    throw new KodiakError(
      SqlState.featureNotSupported,
      `snapshot format version ${version} is not supported (this build reads ${SNAPSHOT_FORMAT_VERSION})`,
    );
  }
  const len = b.readUInt32LE(16);
  if (b.length !== CHUNK_HEADER_BYTES + len + 4) throw corrupt(`chunk ${expectSeq} length mismatch`);
  if (b.readUInt32LE(b.length - 4) !== crc32c(b, 0, 0, b.length - 4)) throw corrupt(`checksum mismatch in chunk ${expectSeq}`);
  const seq = b.readUInt32LE(8);
  if (seq !== expectSeq) throw corrupt(`chunk ${seq} arrived where chunk ${expectSeq} was expected`);
  return { kind: b[12] as number, payload: b.subarray(CHUNK_HEADER_BYTES, CHUNK_HEADER_BYTES + len) };
}

/** Feeds a chunk stream into a bulk loader; returns the header metadata once the trailer checks out. */
export async function loadChunks(chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>, loader: BulkLoader): Promise<SnapshotMeta> {
  let seq = 0;
  let meta: SnapshotMeta | undefined;
  for await (const c of chunks) {
    const { kind, payload } = parseChunk(c, seq);
    if (seq === 0) {
      if (kind !== 0 || payload.length !== 24) throw corrupt("first chunk is not a header");
      meta = { appliedIndex: payload.readDoubleLE(0), lastCommitTs: payload.readDoubleLE(8), retentionTs: payload.readDoubleLE(16) };
    } else if (kind === 1) {
      readRecords(payload, (r) => loader.add(r));
    } else if (kind === 2) {
      if (payload.length !== 8 || payload.readDoubleLE(0) !== loader.count)
        throw corrupt(`trailer count does not match ${loader.count} records`);
      if (meta === undefined) throw corrupt("missing header");
      return meta;
    } else throw corrupt(`chunk ${seq} has kind ${kind}`);
    seq++;
  }
  throw corrupt("stream ended before the trailer chunk");
}

function readRecords(p: Buffer, each: (r: VersionRecord) => void): void {
  const count = p.readUInt32LE(0);
  let o = 4;
  for (let i = 0; i < count; i++) {
    if (o + RECORD_HEADER_BYTES > p.length) throw corrupt("record header past the end of its chunk");
    const kl = p.readUInt16LE(o);
    const kind = p[o + 2] as Kind;
    const ts = p.readDoubleLE(o + 3);
    const vl = p.readUInt32LE(o + 11);
    const start = o + RECORD_HEADER_BYTES;
    if (start + kl + vl > p.length) throw corrupt("record past the end of its chunk");
    if (kind !== Kind.Put && kind !== Kind.Tombstone) throw corrupt(`record kind ${kind}`);
    each({ key: Buffer.from(p.subarray(start, start + kl)), ts, kind, value: Buffer.from(p.subarray(start + kl, start + kl + vl)) });
    o = start + kl + vl;
  }
  if (o !== p.length) throw corrupt("trailing bytes in a record chunk");
}

export { versionRecords };
