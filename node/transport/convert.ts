// Conversion between the wire form (proto/gen/raft.ts) and the Raft core's Message, with the
// validation a message from the network needs before it may reach the core. Pure functions:
// no I/O; a malformed message is a KodiakError (08P01), never an assertion.

import type { Entry as PbEntry, RaftMessage } from "../../proto/gen/raft.js";
import type { Entry, Message, MessageType, SnapshotMetadata } from "../raft/index.js";
import { KodiakError, SqlState } from "../../util/index.js";

/** Types that may arrive from a peer. Local-only types (MsgHup, MsgBeat, ...) never travel. */
const REMOTE_TYPES: ReadonlySet<MessageType> = new Set<MessageType>([
  "MsgProp",
  "MsgApp",
  "MsgAppResp",
  "MsgVote",
  "MsgVoteResp",
  "MsgPreVote",
  "MsgPreVoteResp",
  "MsgSnap",
  "MsgHeartbeat",
  "MsgHeartbeatResp",
  "MsgTransferLeader",
  "MsgTimeoutNow",
  "MsgReadIndex",
  "MsgReadIndexResp",
]);

export function isRemoteType(t: string): t is MessageType {
  return REMOTE_TYPES.has(t as MessageType);
}

const EMPTY = Buffer.alloc(0);

function bad(what: string): KodiakError {
  return new KodiakError(SqlState.protocolViolation, `malformed raft message: ${what}`);
}

function checkNumber(v: number, what: string): number {
  if (!Number.isSafeInteger(v) || v < 0) throw bad(`${what} ${v} is not a non-negative safe integer`);
  return v;
}

/** A Buffer over the same bytes (Buffer.from(Uint8Array) would copy every entry on every send). */
function view(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

function entryToProto(e: Entry): PbEntry {
  return { term: e.term, index: e.index, type: e.type === "confChange" ? 1 : 0, data: view(e.data) };
}

/** Bytes of one field: tag (<= 2 bytes for our field numbers) plus a varint (<= 10 bytes). */
const VARINT_FIELD_MAX_BYTES = 12;
/** Tag plus length prefix of a length-delimited field (lengths below 2^35). */
const LEN_FIELD_MAX_BYTES = 7;
const MESSAGE_FIXED_MAX_BYTES = 8 * VARINT_FIELD_MAX_BYTES + 2 * LEN_FIELD_MAX_BYTES;
const ENTRY_FIXED_MAX_BYTES = LEN_FIELD_MAX_BYTES + 3 * VARINT_FIELD_MAX_BYTES + LEN_FIELD_MAX_BYTES;

/**
 * An upper bound on the encoded size of m as an element of a MessageBatch, computed without
 * encoding it: the transport's size limits need a bound, and gRPC encodes each message anyway.
 */
export function encodedSizeBound(m: Message): number {
  let n = LEN_FIELD_MAX_BYTES + MESSAGE_FIXED_MAX_BYTES + m.type.length + (m.context?.byteLength ?? 0);
  for (const e of m.entries) n += ENTRY_FIXED_MAX_BYTES + e.data.byteLength;
  if (m.snapshot !== undefined) {
    const conf = m.snapshot.metadata.conf;
    n += 2 * LEN_FIELD_MAX_BYTES + 2 * VARINT_FIELD_MAX_BYTES + (conf.voters.length + conf.learners.length) * VARINT_FIELD_MAX_BYTES;
  }
  return n;
}

function entryFromProto(e: PbEntry): Entry {
  if (e.type !== 0 && e.type !== 1) throw bad(`entry type ${e.type}`);
  return {
    term: checkNumber(e.term, "entry term"),
    index: checkNumber(e.index, "entry index"),
    type: e.type === 1 ? "confChange" : "normal",
    data: e.data,
  };
}

export function messageToProto(m: Message): RaftMessage {
  const out: RaftMessage = {
    type: m.type,
    from: m.from,
    to: m.to,
    term: m.term,
    logTerm: m.logTerm,
    index: m.index,
    entries: m.entries.map(entryToProto),
    commit: m.commit,
    reject: m.reject,
    rejectHint: m.rejectHint,
    context: m.context === undefined ? EMPTY : view(m.context),
  };
  if (m.snapshot !== undefined) {
    const md = m.snapshot.metadata;
    out.snapshot = { index: md.index, term: md.term, conf: { voters: [...md.conf.voters], learners: [...md.conf.learners] } };
  }
  return out;
}

/**
 * Validates and converts a message received from `sender` for `localId`. MsgSnap arrives here
 * with its image (`snapshotData`) only from the snapshot stream; on the batch stream it is refused.
 */
export function messageFromProto(p: RaftMessage, sender: number, localId: number, snapshotData?: Uint8Array): Message {
  if (!isRemoteType(p.type)) throw bad(`type '${p.type.slice(0, 40)}' may not be sent between nodes`);
  if (p.from !== sender) throw bad(`from ${p.from} differs from the stream's sender ${sender}`);
  if (p.to !== localId) throw bad(`addressed to node ${p.to}, this is node ${localId}`);
  const m: Message = {
    type: p.type,
    from: checkNumber(p.from, "from"),
    to: p.to,
    term: checkNumber(p.term, "term"),
    logTerm: checkNumber(p.logTerm, "logTerm"),
    index: checkNumber(p.index, "index"),
    entries: p.entries.map(entryFromProto),
    commit: checkNumber(p.commit, "commit"),
    reject: p.reject,
    rejectHint: checkNumber(p.rejectHint, "rejectHint"),
  };
  if (p.context.byteLength > 0) m.context = p.context;
  if (p.type === "MsgSnap") {
    if (snapshotData === undefined) throw bad("MsgSnap must arrive on the snapshot stream");
    if (p.snapshot === undefined) throw bad("MsgSnap without snapshot metadata");
    m.snapshot = { metadata: metadataFromProto(p.snapshot), data: snapshotData };
  }
  return m;
}

function metadataFromProto(md: {
  index: number;
  term: number;
  conf?: { voters: number[]; learners: number[] } | undefined;
}): SnapshotMetadata {
  const conf = md.conf ?? { voters: [], learners: [] };
  return {
    index: checkNumber(md.index, "snapshot index"),
    term: checkNumber(md.term, "snapshot term"),
    conf: { voters: conf.voters.map((v) => checkNumber(v, "voter")), learners: conf.learners.map((v) => checkNumber(v, "learner")) },
  };
}
