import assert from "node:assert/strict";
import { test } from "node:test";
import { MessageBatch } from "../../../proto/gen/raft.js";
import type { Message } from "../../../node/raft/index.js";
import { encodedSizeBound, messageFromProto, messageToProto } from "../../../node/transport/index.js";
import { SeededRandom } from "../../../util/index.js";

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

test("the transport's size bound is never below a message's encoded size in a batch, and stays close to it", () => {
  const r = new SeededRandom(11);
  const big = 2 ** 52;
  const batchBytes = (ms: Message[]) =>
    MessageBatch.encode({ clusterId: "", sender: 0, messages: ms.map(messageToProto) }).finish().byteLength;
  for (let i = 0; i < 500; i++) {
    const entries = Array.from({ length: r.int(6) }, (_, k) => ({
      term: r.int(2) === 0 ? big : r.int(100),
      index: r.int(2) === 0 ? big - 10 + k : 8 + k,
      type: r.int(2) === 0 ? ("normal" as const) : ("confChange" as const),
      data: new Uint8Array(r.int(3) === 0 ? r.int(300_000) : r.int(40)),
    }));
    const m = msg({
      type: r.int(2) === 0 ? "MsgApp" : "MsgHeartbeatResp",
      term: r.int(2) === 0 ? big : 3,
      commit: r.int(2) === 0 ? big : 0,
      reject: r.int(2) === 0,
      rejectHint: r.int(2) === 0 ? big : 0,
      entries,
      ...(r.int(2) === 0 ? { context: new Uint8Array(r.int(70)) } : {}),
      ...(r.int(4) === 0
        ? { snapshot: { metadata: { index: big, term: big, conf: { voters: [1, 2, big], learners: [4] } }, data: new Uint8Array(0) } }
        : {}),
    });
    const actual = batchBytes([m]) - batchBytes([]);
    const bound = encodedSizeBound(m);
    assert.ok(bound >= actual, `case ${i}: bound ${bound} < encoded ${actual}`);
    assert.ok(bound <= actual + 150 + 40 * entries.length, `case ${i}: bound ${bound} is far above encoded ${actual}`);
  }
});
