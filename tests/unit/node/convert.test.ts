import assert from "node:assert/strict";
import { test } from "node:test";
import type { Message } from "../../../node/raft/types.js";
import { messageFromProto, messageToProto } from "../../../node/transport/index.js";

function msg(over: Partial<Message> = {}): Message {
  return {
    type: "MsgApp",
    from: 1,
    to: 2,
    term: 3,
    logTerm: 2,
    index: 7,
    entries: [
      { term: 3, index: 8, type: "normal", data: Uint8Array.from([1, 2, 3]) },
      { term: 3, index: 9, type: "confChange", data: Uint8Array.from([9]) },
    ],
    commit: 6,
    reject: false,
    rejectHint: 0,
    ...over,
  };
}

test("a raft message survives the round trip through its wire form", () => {
  const m = msg({ context: Uint8Array.from([4, 5]) });
  const back = messageFromProto(messageToProto(m), 1, 2);
  assert.equal(back.type, "MsgApp");
  assert.equal(back.index, 7);
  assert.equal(back.entries.length, 2);
  assert.equal(back.entries[1]?.type, "confChange");
  assert.deepEqual([...(back.entries[0]?.data ?? [])], [1, 2, 3]);
  assert.deepEqual([...(back.context ?? [])], [4, 5]);
});

test("local-only message types are refused from the network", () => {
  for (const type of ["MsgHup", "MsgBeat", "MsgUnreachable", "MsgSnapStatus", "MsgCheckQuorum", "Bogus"]) {
    const p = { ...messageToProto(msg()), type };
    assert.throws(() => messageFromProto(p, 1, 2), /may not be sent between nodes/);
  }
});

test("a message whose from differs from the stream's sender, or addressed elsewhere, is refused", () => {
  assert.throws(() => messageFromProto(messageToProto(msg()), 3, 2), /differs from the stream's sender/);
  assert.throws(() => messageFromProto(messageToProto(msg()), 1, 5), /addressed to node 2/);
});

test("MsgSnap is refused on the batch stream and accepted with its image", () => {
  const m = msg({
    type: "MsgSnap",
    entries: [],
    snapshot: { metadata: { index: 10, term: 2, conf: { voters: [1, 2], learners: [3] } }, data: new Uint8Array(0) },
  });
  assert.throws(() => messageFromProto(messageToProto(m), 1, 2), /snapshot stream/);
  const back = messageFromProto(messageToProto(m), 1, 2, Uint8Array.from([7]));
  assert.equal(back.snapshot?.metadata.index, 10);
  assert.deepEqual(back.snapshot?.metadata.conf.learners, [3]);
  assert.deepEqual([...(back.snapshot?.data ?? [])], [7]);
});

test("an entry with an unknown type is refused", () => {
  const p = messageToProto(msg());
  const first = p.entries[0];
  assert.ok(first !== undefined);
  first.type = 7;
  assert.throws(() => messageFromProto(p, 1, 2), /entry type 7/);
});
