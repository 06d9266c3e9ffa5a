// The runtime's snapshot image: peer addresses travel with the state machine image, so a node
// restored from a snapshot (or added later) knows how to reach every member.

import { RuntimeSnapshot } from "../../proto/gen/raft.js";

export function encodeRuntimeImage(peers: Map<number, string>, state: Uint8Array): Uint8Array {
  return RuntimeSnapshot.encode({ peers: [...peers].map(([id, address]) => ({ id, address })), state: Buffer.from(state) }).finish();
}

export function decodeRuntimeImage(data: Uint8Array): { peers: Map<number, string>; state: Uint8Array } {
  const img = RuntimeSnapshot.decode(data);
  return { peers: new Map(img.peers.map((p) => [p.id, p.address])), state: img.state };
}
