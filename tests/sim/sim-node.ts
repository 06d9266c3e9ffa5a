// One simulated node as the simulator sees it (process state, disk, state machine), the tiny
// state machine image stored in snapshots, and a one-line rendering of messages for traces.

import type { Message, NodeId, RawNode, Ready, StateRole } from "../../node/raft/index.js";
import type { SimDisk } from "./disk.js";

/** A Ready between its write and its fsync, with the messages that wait for the fsync. */
export interface InFlightReady {
  rd: Ready;
  afterSync: Message[];
  /** Committed entries applied while the fsync ran (already durable here, like the runtime does). */
  appliedEarly: number;
  /** Nodes whose removal was applied, shut down once the Ready is advanced. */
  removedNow: NodeId[];
}

export interface SimNode {
  id: NodeId;
  disk: SimDisk;
  raw: RawNode | undefined;
  incarnation: number;
  tickPeriodUs: number;
  readyScheduled: boolean;
  /** The Ready written and waiting for its fsync (no next Ready before it is advanced). */
  inFlight: InFlightReady | undefined;
  removed: boolean;
  smIndex: number;
  smHash: number;
  lastDurableCommit: number;
  lastRole: StateRole;
}

export function describeMessage(m: Message): string {
  const parts = [`${m.from}->${m.to} ${m.type} t${m.term}`];
  if (m.type === "MsgApp") parts.push(`prev=${m.index}/${m.logTerm} ents=${m.entries.length} commit=${m.commit}`);
  else if (m.type === "MsgAppResp") parts.push(m.reject ? `reject ${m.index} hint=${m.rejectHint}/${m.logTerm}` : `ack ${m.index}`);
  else if (m.type === "MsgVote" || m.type === "MsgPreVote") parts.push(`last=${m.index}/${m.logTerm}`);
  else if (m.reject) parts.push("reject");
  if (m.snapshot !== undefined) parts.push(`snap=${m.snapshot.metadata.index}/${m.snapshot.metadata.term}`);
  return parts.join(" ");
}

export function encodeState(index: number, hash: number): Uint8Array {
  const b = new Uint8Array(12);
  const v = new DataView(b.buffer);
  v.setFloat64(0, index);
  v.setUint32(8, hash);
  return b;
}

export function decodeState(b: Uint8Array): { index: number; hash: number } {
  if (b.length < 12) return { index: 0, hash: 0 };
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return { index: v.getFloat64(0), hash: v.getUint32(8) };
}
