// Byte encoding of a ConfChange inside a log entry (Entry.data of a "confChange" entry), and the
// membership set it acts on. Corrupt bytes are a KodiakError, never an assertion.

import { KodiakError, SqlState } from "../../util/index.js";
import type { ConfChange, ConfChangeType, ConfState } from "./types.js";

const VERSION = 1;
const TYPES: readonly ConfChangeType[] = ["addVoter", "addLearner", "removeNode"];
const HEADER_BYTES = 10;

export function encodeConfChange(cc: ConfChange): Uint8Array {
  const ctx = cc.context ?? new Uint8Array(0);
  const out = new Uint8Array(HEADER_BYTES + ctx.length);
  const view = new DataView(out.buffer);
  view.setUint8(0, VERSION);
  view.setUint8(1, TYPES.indexOf(cc.type));
  view.setFloat64(2, cc.nodeId);
  out.set(ctx, HEADER_BYTES);
  return out;
}

export function decodeConfChange(data: Uint8Array): ConfChange {
  if (data.length < HEADER_BYTES) throw new KodiakError(SqlState.dataCorrupted, `conf change entry too short (${data.length} bytes)`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const type = TYPES[view.getUint8(1)];
  const nodeId = view.getFloat64(2);
  if (view.getUint8(0) !== VERSION || type === undefined || !Number.isSafeInteger(nodeId) || nodeId <= 0) {
    throw new KodiakError(SqlState.dataCorrupted, "malformed conf change entry");
  }
  const cc: ConfChange = { type, nodeId };
  if (data.length > HEADER_BYTES) cc.context = data.slice(HEADER_BYTES);
  return cc;
}

/** The membership after applying cc to conf (one change at a time; learners never vote). */
export function applyToConfState(conf: ConfState, cc: ConfChange): ConfState {
  const voters = conf.voters.filter((id) => id !== cc.nodeId);
  const learners = conf.learners.filter((id) => id !== cc.nodeId);
  if (cc.type === "addVoter") voters.push(cc.nodeId);
  else if (cc.type === "addLearner") learners.push(cc.nodeId);
  return { voters: voters.sort((a, b) => a - b), learners: learners.sort((a, b) => a - b) };
}
