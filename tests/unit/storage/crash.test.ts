// Crash recovery with the simulated disk: the store is stopped at a random I/O step (during
// writes that spill pages, between checkpoint page writes, before or after the manifest rename),
// the disk loses everything not fsynced, and after reopen the state must equal the model at the
// recovered applied index; replaying the later batches (the Raft log's job) must reach the end.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { openStore, type Store, type TreeMode, type WriteOp } from "../../../storage/index.js";
import { SeededRandom, SimFileSystem } from "../../../util/index.js";
import { CrashingFs, SimulatedCrash } from "../../support/storage-crashfs.js";
import { MvccModel } from "../../support/storage-model.js";

interface Batch {
  index: number;
  ops: WriteOp[];
}

function makeBatches(seed: number, count: number): Batch[] {
  const r = new SeededRandom(seed);
  const key = () => Buffer.from(`k${String(r.int(3000)).padStart(5, "0")}`);
  return Array.from({ length: count }, (_, i) => ({
    index: i + 1,
    ops: Array.from({ length: 1 + r.int(40) }, (): WriteOp => {
      const x = r.int(100);
      // Some values exceed the inline limit (~1.3 KiB at 4 KiB pages) and go to overflow pages.
      if (x < 4) return { type: "put", key: key(), value: Buffer.alloc(1200 + r.int(12000), r.int(256)) };
      if (x < 85) return { type: "put", key: key(), value: Buffer.alloc(r.int(200), r.int(256)) };
      if (x < 97) return { type: "delete", key: key() };
      const a = key();
      return { type: "deleteRange", start: a, end: Buffer.concat([a, Buffer.from("5")]) };
    }),
  }));
}

function modelAt(batches: readonly Batch[], index: number): MvccModel {
  const m = new MvccModel();
  for (const b of batches) if (b.index <= index) m.apply(b.ops, b.index);
  return m;
}

function assertEqualsModel(store: Store, model: MvccModel, ts: number, what: string): void {
  const got = [...store.scan({}, ts)].map((e) => [e.key.toString("hex"), e.value.toString("hex")]);
  assert.deepEqual(got, model.scan({}, ts), what);
}

const storeOptions = (mode: TreeMode) => ({ pageSize: 4096, mode, fanout: 5, cacheBytes: 24 * 4096 });

/** Runs the workload until done or crashed; checkpoints at seeded points. */
async function drive(fs: CrashingFs, mode: TreeMode, batches: readonly Batch[], seed: number, checkpointed: Set<number>) {
  const r = new SeededRandom(seed ^ 0x5eed);
  let store: Store | undefined;
  try {
    store = await openStore(fs, "/db", storeOptions(mode));
    for (const b of batches) {
      store.writeBatch(b.ops, b.index, b.index);
      if (r.int(8) === 0) {
        await store.checkpoint(b.index);
        checkpointed.add(b.index);
      }
    }
    store.close();
    return { crashed: false, reached: store.appliedIndex };
  } catch (e) {
    if (!(e instanceof SimulatedCrash)) throw e;
    return { crashed: true, reached: store?.appliedIndex ?? 0 };
  }
}

async function crashOnce(mode: TreeMode, seed: number): Promise<void> {
  const batches = makeBatches(seed, 60);
  // A dry run counts the workload's I/O steps; the real run crashes at a random one of them.
  const dry = new CrashingFs(new SimFileSystem());
  await drive(dry, mode, batches, seed, new Set());
  const sim = new SimFileSystem(new SeededRandom(seed), { tornWriteProbability: 0.5 });
  const fs = new CrashingFs(sim);
  fs.budget = new SeededRandom(seed).int(dry.calls);
  const checkpointed = new Set<number>([0]);
  const { crashed, reached } = await drive(fs, mode, batches, seed, checkpointed);
  assert.ok(crashed, "the budget is below the workload's I/O steps");
  fs.budget = Number.POSITIVE_INFINITY;
  sim.crash();
  const store = await openStore(fs, "/db", storeOptions(mode));
  try {
    const at = store.appliedIndex;
    // The recovered index is a completed checkpoint or the one in flight when the crash hit.
    assert.ok(checkpointed.has(at) || at === reached, `recovered index ${at} (seed ${seed})`);
    assertEqualsModel(store, modelAt(batches, at), at, `state at recovered index ${at} (seed ${seed})`);
    for (const b of batches) if (b.index > at) store.writeBatch(b.ops, b.index, b.index);
    const last = batches.length;
    assertEqualsModel(store, modelAt(batches, last), last, `state after replay (seed ${seed})`);
    await store.checkpoint(last);
  } finally {
    store.close();
  }
}

for (const mode of ["betree", "btree"] as const) {
  describe(`crash recovery (${mode})`, () => {
    it("a crash at any I/O step recovers the last durable checkpoint, and replay reaches the end", async () => {
      for (let seed = 1; seed <= 25; seed++) await crashOnce(mode, seed * 7919 + (mode === "btree" ? 1 : 0));
    });
  });
}
