import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TxnCommit, TxnResult } from "../../../proto/gen/txn.js";
import { type GcPolicy, gcHorizonAt, snapshotTimestampAt as at, TxnStoreStateMachine } from "../../../node/state-machine/index.js";
import { openStore, type Store } from "../../../storage/index.js";
import { KodiakError, SimFileSystem } from "../../../util/index.js";

const b = (s: string) => Buffer.from(s);

function commit(p: Partial<TxnCommit>): Uint8Array {
  return TxnCommit.encode({ readTs: 0, reads: [], ranges: [], writes: [], conditions: [], ...p }).finish();
}

/** Small deterministic PRNG so the log is the same on every run. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Entry {
  index: number;
  commands: Uint8Array[];
}

/** A log of entries with 1-3 commands each: writes, deletes, reads and scans at random read timestamps. */
function randomLog(seed: number, entries: number, keys: number, maxLag: number): Entry[] {
  const rnd = prng(seed);
  const key = () => b(`k${String(Math.floor(rnd() * keys)).padStart(4, "0")}`);
  const log: Entry[] = [];
  for (let index = 1; index <= entries; index++) {
    const commands: Uint8Array[] = [];
    const n = 1 + Math.floor(rnd() * 3);
    for (let c = 0; c < n; c++) {
      const readTs = at(Math.max(0, index - 1 - Math.floor(rnd() * maxLag)));
      const writes = Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => {
        const del = rnd() < 0.2;
        return { key: key(), value: del ? Buffer.alloc(0) : Buffer.alloc(Math.floor(rnd() * 300), index & 0xff), delete: del };
      });
      const reads = rnd() < 0.4 ? [{ key: key(), version: 0 }] : [];
      const lo = key();
      const ranges = rnd() < 0.2 ? [{ start: lo, end: Buffer.concat([lo, b("5")]) }] : [];
      const conditions = rnd() < 0.1 ? [{ key: key(), expected: Buffer.alloc(0), expectAbsent: false, expectPresent: true }] : [];
      commands.push(commit({ readTs, reads, ranges, writes, conditions }));
    }
    log.push({ index, commands });
  }
  return log;
}

async function replica(fs: SimFileSystem, gc: Partial<GcPolicy>, cacheBytes: number): Promise<TxnStoreStateMachine> {
  fs.mkdirp("/data");
  const store = await openStore(fs, "/data", { pageSize: 4096, cacheBytes });
  return new TxnStoreStateMachine(store, { gc });
}

function applyEntry(sm: TxnStoreStateMachine, e: Entry): TxnResult[] {
  return e.commands.map((command) => TxnResult.decode(sm.apply({ index: e.index, term: 1, command })));
}

function expectTooOld(f: () => unknown): void {
  assert.throws(f, (e: unknown) => e instanceof KodiakError && e.code === "72000" && /snapshot too old/.test(e.message));
}

describe("TxnStoreStateMachine: GC driven from the log", () => {
  it("the horizon is a pure, monotone function of the entry index", () => {
    const policy = { retentionEntries: 100, stepEntries: 16, leavesPerCommand: 1 };
    assert.equal(gcHorizonAt(50, policy), 0);
    assert.equal(gcHorizonAt(115, policy), 0);
    assert.equal(gcHorizonAt(116, policy), at(16));
    assert.equal(gcHorizonAt(131, policy), at(16));
    assert.equal(gcHorizonAt(132, policy), at(32));
    let last = 0;
    for (let i = 0; i < 2000; i++) {
      const h = gcHorizonAt(i, policy);
      assert.ok(h >= last && (h === 0 || h <= at(i - 100)), `horizon at ${i}`);
      last = h;
    }
  });

  it("replicas that apply the same log agree on every result and export identical state, across restart and snapshot install", async () => {
    const gc = { retentionEntries: 60, stepEntries: 8 };
    const log = randomLog(7, 900, 150, 90);
    const a = await replica(new SimFileSystem(), { ...gc, leavesPerCommand: 1 }, 1 << 20);
    const bFs = new SimFileSystem();
    let bSm = await replica(bFs, { ...gc, leavesPerCommand: 64 }, 64 * 1024);
    const c = await replica(new SimFileSystem(), { ...gc, leavesPerCommand: 3 }, 256 * 1024);
    let tooOld = 0;
    let committed = 0;
    for (const e of log) {
      const ra = applyEntry(a, e);
      const rb = applyEntry(bSm, e);
      assert.deepEqual(rb, ra, `replica b differs from a at index ${e.index}`);
      if (e.index > 500) assert.deepEqual(applyEntry(c, e), ra, `replica c differs from a at index ${e.index}`);
      for (const r of ra) {
        if (r.code === "72000") tooOld++;
        if (r.committed) committed++;
      }
      if (e.index === 300) await bSm.checkpoint(300);
      if (e.index === 420) {
        // b crashes (losing 301..420) and replays them from its checkpoint.
        bSm.store.close();
        bFs.crash();
        bSm = await replica(bFs, { ...gc, leavesPerCommand: 64 }, 64 * 1024);
        assert.equal(bSm.appliedIndex, 300);
        for (const r of log.slice(300, 420)) applyEntry(bSm, r);
      }
      if (e.index === 500) {
        await c.restore(a.snapshot());
        assert.equal(c.appliedIndex, 500);
        assert.equal(c.store.retentionTs, a.store.retentionTs);
      }
    }
    assert.ok(tooOld > 20, `some transactions read below the horizon (${tooOld})`);
    assert.ok(committed > 500, `most transactions commit (${committed})`);
    const horizon = gcHorizonAt(900, { ...gc, leavesPerCommand: 1 });
    assert.ok(horizon > 0);
    for (const sm of [a, bSm, c]) assert.equal(sm.store.retentionTs, horizon);
    const image = Buffer.from(a.snapshot());
    assert.ok(image.equals(Buffer.from(bSm.snapshot())), "b exports the same snapshot bytes as a");
    assert.ok(image.equals(Buffer.from(c.snapshot())), "c exports the same snapshot bytes as a");
    for (const ts of [horizon, at(850), at(900)]) {
      const dump = (s: Store) => [...s.scan({}, ts)].map((x) => `${x.key.toString()}=${x.value.toString("hex")}`);
      assert.deepEqual(dump(bSm.store), dump(a.store));
      assert.deepEqual(dump(c.store), dump(a.store));
    }
  });

  it("reclaims old versions: pages stay bounded and are reused, unlike without GC", async () => {
    const rnd = prng(3);
    const entries = 400;
    const updates = Array.from({ length: entries }, () => Array.from({ length: 40 }, () => Math.floor(rnd() * 200)));
    const run = async (gc: Partial<GcPolicy>) => {
      const sm = await replica(new SimFileSystem(), gc, 4 << 20);
      const filePages: number[] = [];
      for (let i = 1; i <= entries; i++) {
        const writes = (updates[i - 1] as number[]).map((k) => ({ key: b(`key${k}`), value: Buffer.alloc(100, i & 0xff), delete: false }));
        sm.apply({ index: i, term: 1, command: commit({ readTs: at(i - 1), writes }) });
        if (i % 100 === 0) {
          await sm.checkpoint(i);
          filePages.push(sm.store.stats().filePages);
        }
      }
      return { sm, filePages, live: sm.store.stats().livePages };
    };
    const withGc = await run({ retentionEntries: 20, stepEntries: 4, leavesPerCommand: 4 });
    const without = await run({ retentionEntries: 1_000_000 });
    assert.ok(withGc.live * 5 < without.live, `live pages with GC ${withGc.live}, without ${without.live}`);
    // From the second checkpoint on the file holds two images (copy-on-write); after that freed
    // pages are reused and the file stops growing.
    const [, second, , last] = withGc.filePages as [number, number, number, number];
    assert.ok(last <= second * 1.25, `file pages with GC stay bounded: ${withGc.filePages.join(", ")}`);
    const wf = without.filePages as [number, number, number, number];
    assert.ok(wf[3] > wf[1] * 1.8, `file pages without GC grow: ${without.filePages.join(", ")}`);
    // Same latest state either way.
    const dump = (s: Store) => [...s.scan({})].map((x) => `${x.key.toString()}=${x.value.toString("hex")}`);
    assert.deepEqual(dump(withGc.sm.store), dump(without.sm.store));
  });

  it("a reader or a transaction below the horizon gets 72000 snapshot too old, never wrong data", async () => {
    const gc = { retentionEntries: 10, stepEntries: 1, leavesPerCommand: 1000 };
    const sm = await replica(new SimFileSystem(), gc, 1 << 20);
    const put = (i: number, v: string) =>
      sm.apply({
        index: i,
        term: 1,
        command: commit({
          readTs: at(i - 1),
          writes: Array.from({ length: 300 }, (_, k) => ({ key: b(`r${String(k).padStart(3, "0")}`), value: b(v), delete: false })),
        }),
      });
    put(1, "old");
    put(2, "new");
    assert.equal(sm.store.get(b("r000"), at(1))?.toString(), "old");
    const cursor = sm.store.scan({}, at(1));
    assert.equal(cursor.next().value?.value.toString(), "old");
    for (let i = 3; i <= 12; i++) sm.apply({ index: i, term: 1, command: commit({ readTs: at(i - 1) }) });
    assert.equal(sm.store.retentionTs, at(2));
    expectTooOld(() => sm.store.get(b("r000"), at(1)));
    expectTooOld(() => sm.store.scan({}, at(1)));
    // The cursor opened before the horizon moved fails at its next window instead of reading on.
    expectTooOld(() => [...cursor]);
    // At the horizon itself reads are still exact.
    assert.equal(sm.store.get(b("r299"), at(2))?.toString(), "new");
    const stale = TxnResult.decode(
      sm.apply({
        index: 13,
        term: 1,
        command: commit({
          readTs: at(1),
          reads: [{ key: b("r000"), version: 0 }],
          writes: [{ key: b("x"), value: b("1"), delete: false }],
        }),
      }),
    );
    assert.equal(stale.committed, false);
    assert.equal(stale.code, "72000");
    assert.match(stale.message, /snapshot too old/);
    assert.equal(sm.store.get(b("x")), undefined, "nothing of the rejected transaction was written");
    const ok = TxnResult.decode(
      sm.apply({
        index: 14,
        term: 1,
        command: commit({
          readTs: at(13),
          reads: [{ key: b("r000"), version: 0 }],
          writes: [{ key: b("x"), value: b("2"), delete: false }],
        }),
      }),
    );
    assert.equal(ok.committed, true);
  });
});
