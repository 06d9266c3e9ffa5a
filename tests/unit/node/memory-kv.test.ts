import assert from "node:assert/strict";
import { test } from "node:test";
import { KvCommand, KvResult } from "../../../proto/gen/raft.js";
import { MemoryKvStateMachine } from "../../../node/state-machine/index.js";

const b = (s: string): Buffer => Buffer.from(s);
let index = 0;

function apply(sm: MemoryKvStateMachine, cmd: KvCommand): KvResult {
  index++;
  return KvResult.decode(sm.apply({ index, term: 1, command: KvCommand.encode(cmd).finish() }));
}

test("put, get, delete and cas behave like a key/value map", () => {
  const sm = new MemoryKvStateMachine();
  assert.equal(apply(sm, { put: { key: b("a"), value: b("1") } }).ok, true);
  assert.equal(Buffer.from(sm.get(b("a")) ?? []).toString(), "1");
  const miss = apply(sm, { cas: { key: b("a"), expected: b("2"), expectAbsent: false, value: b("3") } });
  assert.equal(miss.ok, false);
  assert.equal(Buffer.from(miss.current).toString(), "1");
  assert.equal(apply(sm, { cas: { key: b("a"), expected: b("1"), expectAbsent: false, value: b("3") } }).ok, true);
  assert.equal(Buffer.from(sm.get(b("a")) ?? []).toString(), "3");
  assert.equal(apply(sm, { cas: { key: b("n"), expected: b(""), expectAbsent: true, value: b("x") } }).ok, true);
  assert.equal(apply(sm, { cas: { key: b("n"), expected: b(""), expectAbsent: true, value: b("y") } }).ok, false);
  assert.equal(apply(sm, { delete: { key: b("a") } }).found, true);
  assert.equal(apply(sm, { delete: { key: b("a") } }).found, false);
  assert.equal(sm.get(b("a")), undefined);
});

test("scan returns keys in byte order within [start, end) up to the limit", () => {
  const sm = new MemoryKvStateMachine();
  for (const k of ["d", "a", "c", "b", "e"]) apply(sm, { put: { key: b(k), value: b(k.toUpperCase()) } });
  const rows = sm.scan(b("b"), b("e"), 10).map((r) => Buffer.from(r.key).toString());
  assert.deepEqual(rows, ["b", "c", "d"]);
  assert.deepEqual(
    sm.scan(b(""), undefined, 2).map((r) => Buffer.from(r.key).toString()),
    ["a", "b"],
  );
  assert.throws(() => sm.scan(b(""), undefined, 1_000_000), /exceeds/);
});

test("the same commands give byte-identical snapshots, and restore reproduces the state", () => {
  const one = new MemoryKvStateMachine();
  const two = new MemoryKvStateMachine();
  for (const sm of [one, two]) {
    for (let i = 0; i < 50; i++) apply(sm, { put: { key: b(`k${(i * 7) % 23}`), value: b(`v${i}`) } });
    apply(sm, { delete: { key: b("k3") } });
  }
  const img = one.snapshot();
  assert.deepEqual(Buffer.from(img), Buffer.from(two.snapshot()));
  const restored = new MemoryKvStateMachine();
  restored.restore(img);
  assert.equal(restored.size(), one.size());
  assert.deepEqual(Buffer.from(restored.snapshot()), Buffer.from(img));
});

test("a truncated snapshot image is refused with a data-corrupted error", () => {
  const sm = new MemoryKvStateMachine();
  apply(sm, { put: { key: b("key"), value: b("value") } });
  const img = sm.snapshot();
  assert.throws(() => new MemoryKvStateMachine().restore(img.subarray(0, img.byteLength - 2)), /truncated/);
});

test("a malformed command yields a failed result on every replica instead of throwing", () => {
  const sm = new MemoryKvStateMachine();
  const r = KvResult.decode(sm.apply({ index: 1, term: 1, command: Uint8Array.from([0xff, 0xff, 0xff]) }));
  assert.equal(r.ok, false);
});
