import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TxnCommit, TxnResult } from "../../../proto/gen/txn.js";
import { commitTimestampOf, snapshotTimestampAt as at, TxnStoreStateMachine } from "../../../node/state-machine/index.js";
import { openStore, type Store } from "../../../storage/index.js";
import { SimFileSystem } from "../../../util/index.js";

const b = (s: string) => Buffer.from(s);

function commit(p: Partial<TxnCommit>): Uint8Array {
  return TxnCommit.encode({ readTs: 0, reads: [], ranges: [], writes: [], conditions: [], ...p }).finish();
}

async function fresh(fs = new SimFileSystem()): Promise<{ fs: SimFileSystem; store: Store; sm: TxnStoreStateMachine }> {
  fs.mkdirp("/data");
  const store = await openStore(fs, "/data", { pageSize: 4096, cacheBytes: 1 << 20 });
  return { fs, store, sm: new TxnStoreStateMachine(store) };
}

function apply(sm: TxnStoreStateMachine, index: number, cmd: Uint8Array): TxnResult {
  return TxnResult.decode(sm.apply({ index, term: 1, command: cmd }));
}

describe("TxnStoreStateMachine", () => {
  it("commits writes at the entry's index and snapshot reads see exactly what committed at or before them", async () => {
    const { store, sm } = await fresh();
    const r1 = apply(sm, 1, commit({ writes: [{ key: b("a"), value: b("1"), delete: false }] }));
    assert.equal(r1.committed, true);
    assert.equal(r1.commitTs, commitTimestampOf(1, 0));
    apply(sm, 2, commit({ readTs: at(1), writes: [{ key: b("a"), value: b("2"), delete: false }] }));
    apply(sm, 3, commit({ readTs: at(2), writes: [{ key: b("a"), value: b(""), delete: true }] }));
    assert.equal(store.get(b("a"), at(1))?.toString(), "1");
    assert.equal(store.get(b("a"), at(2))?.toString(), "2");
    assert.equal(store.get(b("a"), at(3)), undefined);
    assert.equal(sm.appliedIndex, 3);
  });

  it("aborts with 40001 when a key read was written after the read timestamp (lost update prevented)", async () => {
    const { store, sm } = await fresh();
    apply(sm, 1, commit({ writes: [{ key: b("x"), value: b("10"), delete: false }] }));
    // Two transactions both read x at ts 1 and write it; the second to commit must fail.
    const t1 = apply(
      sm,
      2,
      commit({ readTs: at(1), reads: [{ key: b("x"), version: 1 }], writes: [{ key: b("x"), value: b("11"), delete: false }] }),
    );
    const t2 = apply(
      sm,
      3,
      commit({ readTs: at(1), reads: [{ key: b("x"), version: 1 }], writes: [{ key: b("x"), value: b("12"), delete: false }] }),
    );
    assert.equal(t1.committed, true);
    assert.equal(t2.committed, false);
    assert.equal(t2.code, "40001");
    assert.equal(store.get(b("x"))?.toString(), "11");
    assert.equal(sm.appliedIndex, 3, "a rejected command still advances the applied index");
  });

  it("prevents write skew: two transactions that each scanned a range the other writes cannot both commit", async () => {
    const { store, sm } = await fresh();
    apply(
      sm,
      1,
      commit({
        writes: [
          { key: b("doc/alice"), value: b("on"), delete: false },
          { key: b("doc/bob"), value: b("on"), delete: false },
        ],
      }),
    );
    // Each doctor checks "someone else is on call" by scanning doc/ and then goes off call.
    const range = { start: b("doc/"), end: b("doc0") };
    const t1 = apply(sm, 2, commit({ readTs: at(1), ranges: [range], writes: [{ key: b("doc/alice"), value: b("off"), delete: false }] }));
    const t2 = apply(sm, 3, commit({ readTs: at(1), ranges: [range], writes: [{ key: b("doc/bob"), value: b("off"), delete: false }] }));
    assert.equal(t1.committed, true);
    assert.equal(t2.committed, false);
    assert.equal(t2.code, "40001");
    assert.equal(store.get(b("doc/bob"))?.toString(), "on");
  });

  it("a range write outside the scanned range does not conflict", async () => {
    const { sm } = await fresh();
    apply(sm, 1, commit({ writes: [{ key: b("b"), value: b("1"), delete: false }] }));
    apply(sm, 2, commit({ readTs: at(1), writes: [{ key: b("z"), value: b("1"), delete: false }] }));
    const t = apply(
      sm,
      3,
      commit({ readTs: at(1), ranges: [{ start: b("a"), end: b("c") }], writes: [{ key: b("b"), value: b("2"), delete: false }] }),
    );
    assert.equal(t.committed, true);
  });

  it("conditions act as compare-and-set and report the current value on failure", async () => {
    const { store, sm } = await fresh();
    const ok = apply(
      sm,
      1,
      commit({
        conditions: [{ key: b("k"), expected: b(""), expectAbsent: true, expectPresent: false }],
        writes: [{ key: b("k"), value: b("v1"), delete: false }],
      }),
    );
    assert.equal(ok.committed, true);
    const bad = apply(
      sm,
      2,
      commit({
        conditions: [{ key: b("k"), expected: b("nope"), expectAbsent: false, expectPresent: false }],
        writes: [{ key: b("k"), value: b("v2"), delete: false }],
      }),
    );
    assert.equal(bad.committed, false);
    assert.equal(bad.failedCondition, 0);
    assert.equal(bad.currentFound, true);
    assert.equal(Buffer.from(bad.current).toString(), "v1");
    assert.equal(store.get(b("k"))?.toString(), "v1");
  });

  it("rejects malformed commands, oversized keys and read timestamps from the future without throwing", async () => {
    const { store, sm } = await fresh();
    assert.equal(TxnResult.decode(sm.apply({ index: 1, term: 1, command: new Uint8Array([0xff, 0xff, 0xff]) })).code, "22023");
    assert.equal(apply(sm, 2, commit({ writes: [{ key: Buffer.alloc(5000, 1), value: b("v"), delete: false }] })).code, "54000");
    assert.equal(apply(sm, 3, commit({ readTs: at(3), writes: [{ key: b("k"), value: b("v"), delete: false }] })).code, "22023");
    assert.equal(store.get(b("k")), undefined);
    assert.equal(sm.appliedIndex, 3);
  });

  it("commits values far beyond a page (overflow pages) and rejects values over 16 MiB with 54000", async () => {
    const { store, sm } = await fresh();
    const row = Buffer.alloc(300_000, 7);
    assert.equal(apply(sm, 1, commit({ writes: [{ key: b("wide"), value: row, delete: false }] })).committed, true);
    assert.ok(store.get(b("wide"))?.equals(row));
    const huge = apply(sm, 2, commit({ writes: [{ key: b("huge"), value: Buffer.alloc(16 * 1024 * 1024 + 1), delete: false }] }));
    assert.equal(huge.code, "54000");
    assert.match(huge.message, /exceeds the limit of 16777216/);
    assert.equal(store.get(b("huge")), undefined);
    assert.equal(sm.appliedIndex, 2);
  });

  it("commands batched into one entry get increasing commit timestamps, and later ones see earlier ones' writes", async () => {
    const { store, sm } = await fresh();
    apply(sm, 1, commit({ writes: [{ key: b("x"), value: b("0"), delete: false }] }));
    // Three commands in entry 2, all read at the snapshot of entry 1.
    const first = apply(
      sm,
      2,
      commit({ readTs: at(1), reads: [{ key: b("x"), version: 0 }], writes: [{ key: b("x"), value: b("1"), delete: false }] }),
    );
    const second = apply(
      sm,
      2,
      commit({ readTs: at(1), reads: [{ key: b("x"), version: 0 }], writes: [{ key: b("x"), value: b("2"), delete: false }] }),
    );
    const blind = apply(sm, 2, commit({ readTs: at(1), writes: [{ key: b("y"), value: b("3"), delete: false }] }));
    assert.equal(first.commitTs, commitTimestampOf(2, 0));
    assert.equal(second.code, "40001", "the second saw x before the first command's write");
    assert.equal(blind.commitTs, commitTimestampOf(2, 2));
    assert.equal(store.get(b("x"), at(2))?.toString(), "1");
    assert.equal(store.get(b("y"), at(2))?.toString(), "3");
    assert.equal(store.get(b("y"), at(1)), undefined);
  });

  it("two replicas applying the same log reach the same state", async () => {
    const a = await fresh();
    const c = await fresh();
    const log: Uint8Array[] = [];
    for (let i = 0; i < 200; i++) {
      const key = b(`k${i % 17}`);
      log.push(
        commit({
          readTs: at(Math.max(0, i - 25)),
          reads: i % 3 === 0 ? [{ key, version: 0 }] : [],
          writes: [{ key, value: b(String(i)), delete: i % 11 === 0 }],
        }),
      );
    }
    const ra = log.map((cmd, i) => apply(a.sm, i + 1, cmd).committed);
    const rc = log.map((cmd, i) => apply(c.sm, i + 1, cmd).committed);
    assert.deepEqual(ra, rc);
    assert.ok(ra.some((x) => !x) && ra.some((x) => x), "the log mixes commits and conflicts");
    const dump = (s: Store) => [...s.scan({})].map((e) => `${Buffer.from(e.key).toString()}=${Buffer.from(e.value).toString()}`);
    assert.deepEqual(dump(a.store), dump(c.store));
  });

  it("after a crash the store is at its last checkpoint and replaying the log from appliedIndex + 1 restores the state", async () => {
    const { fs, store, sm } = await fresh();
    const log = Array.from({ length: 40 }, (_, i) =>
      commit({ readTs: at(i), writes: [{ key: b(`k${i % 7}`), value: b(String(i)), delete: false }] }),
    );
    for (let i = 0; i < 25; i++) apply(sm, i + 1, log[i] as Uint8Array);
    await store.checkpoint(25);
    for (let i = 25; i < 40; i++) apply(sm, i + 1, log[i] as Uint8Array);
    const before = [...store.scan({})].map((e) => Buffer.from(e.value).toString());
    fs.crash();
    const reopened = await openStore(fs, "/data", { cacheBytes: 1 << 20 });
    const sm2 = new TxnStoreStateMachine(reopened);
    assert.equal(sm2.appliedIndex, 25);
    for (let i = sm2.appliedIndex; i < 40; i++) apply(sm2, i + 1, log[i] as Uint8Array);
    assert.deepEqual(
      [...reopened.scan({})].map((e) => Buffer.from(e.value).toString()),
      before,
    );
  });
});
