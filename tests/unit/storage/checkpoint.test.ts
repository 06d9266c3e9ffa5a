// Checkpoints, snapshots and space: a full disk fails the checkpoint and keeps the previous one;
// freed pages are reused; GC drops invisible versions; a damaged snapshot stream is rejected
// and leaves the importing store as it was; page checksums match util's CRC32C.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { crc32cRange } from "../../../storage/crc.js";
import { CrashingFs, SimulatedCrash } from "../../support/storage-crashfs.js";
import { DATA_FILE_NAME, openStore, type Store } from "../../../storage/index.js";
import { crc32c, KodiakError, SeededRandom, SimFileSystem, SqlState } from "../../../util/index.js";

async function fill(store: Store, fromTs: number, batches: number, keys: number): Promise<number> {
  let ts = fromTs;
  for (let b = 0; b < batches; b++) {
    ts++;
    store.writeBatch(
      Array.from({ length: 50 }, (_, i) => ({
        type: "put" as const,
        key: Buffer.from(`k${(b * 50 + i) % keys}`),
        value: Buffer.alloc(60, ts),
      })),
      ts,
      ts,
    );
  }
  return ts;
}

const dump = (s: Store) => [...s.scan({})].map((e) => `${e.key}=${e.value[0]}`);

describe("checkpoints and snapshots", () => {
  it("a full disk fails the checkpoint with 53100 and the previous checkpoint stays intact", async () => {
    const sim = new SimFileSystem(new SeededRandom(1));
    const s = await openStore(sim, "/db", { pageSize: 4096 });
    let ts = await fill(s, 0, 40, 1500);
    await s.checkpoint();
    const before = dump(s);
    ts = await fill(s, ts, 40, 1500);
    sim.faults.diskFullProbability = 1;
    await assert.rejects(s.checkpoint(), (e: unknown) => e instanceof KodiakError && e.code === SqlState.diskFull);
    sim.faults.diskFullProbability = 0;
    const after = dump(s);
    sim.crash();
    const r = await openStore(sim, "/db", {});
    assert.equal(r.appliedIndex, 40);
    assert.deepEqual(dump(r), before, "state of the previous checkpoint");
    r.close();
    // Without a crash the same store can retry once space is back.
    const sim2 = new SimFileSystem(new SeededRandom(2));
    const s2 = await openStore(sim2, "/db", { pageSize: 4096 });
    await fill(s2, 0, 40, 1500);
    sim2.faults.diskFullProbability = 1;
    await assert.rejects(s2.checkpoint(), (e: unknown) => e instanceof KodiakError && e.code === SqlState.diskFull);
    sim2.faults.diskFullProbability = 0;
    await s2.checkpoint();
    s2.close();
    const r2 = await openStore(sim2, "/db", {});
    assert.equal(r2.appliedIndex, 40);
    r2.close();
    assert.ok(after.length > 0);
  });

  it("pages freed by copy-on-write are reused: rewriting the same keys does not grow the file without bound", async () => {
    const sim = new SimFileSystem();
    const s = await openStore(sim, "/db", { pageSize: 4096 });
    let ts = 0;
    const sizes: number[] = [];
    for (let round = 0; round < 12; round++) {
      ts = await fill(s, ts, 20, 1000);
      s.gc(ts);
      await s.checkpoint();
      sizes.push(sim.readFile(`/db/${DATA_FILE_NAME}`).length);
    }
    const last = sizes[sizes.length - 1] as number;
    assert.ok(last <= (sizes[3] as number) * 1.5, `file size settles: ${sizes.join(", ")}`);
    assert.ok(s.stats().freePages >= 0);
    s.close();
  });

  it("GC drops versions below the retention timestamp but never what a snapshot at or above it sees", async () => {
    const sim = new SimFileSystem();
    const s = await openStore(sim, "/db", { pageSize: 4096 });
    for (let ts = 1; ts <= 60; ts++) {
      s.writeBatch([{ type: ts % 10 === 0 ? "delete" : "put", key: Buffer.from("hot"), value: Buffer.alloc(200, ts) }], ts, ts);
    }
    const at45 = s.get(Buffer.from("hot"), 45);
    const pagesBefore = s.stats().livePages;
    while (!s.gc(45)) {}
    assert.deepEqual(s.get(Buffer.from("hot"), 45), at45);
    assert.equal(s.get(Buffer.from("hot"), 50), undefined, "deleted at 50");
    assert.equal(s.latestCommitTs(Buffer.from("hot")), 60);
    assert.throws(() => s.get(Buffer.from("hot"), 44), /snapshot too old/);
    const versions = [...s.versions().records].length;
    // 16 are needed (15 above 45, one at or below); a few more may wait in buffers or continuation leaves.
    assert.ok(versions <= 24, `old versions pruned: ${versions} of 60 left (pages ${pagesBefore})`);
    s.close();
  });

  it("a damaged, reordered or cut snapshot stream is rejected and the importer keeps its state", async () => {
    const sim = new SimFileSystem();
    const src = await openStore(sim, "/src", { pageSize: 4096 });
    await fill(src, 0, 30, 1000);
    const chunks = [...src.exportSnapshot().chunks].map((c) => Buffer.from(c));
    assert.ok(chunks.length >= 3);
    const dst = await openStore(sim, "/dst", { pageSize: 4096 });
    dst.writeBatch([{ type: "put", key: Buffer.from("mine"), value: Buffer.from("1") }], 1, 1);
    const flipped = chunks.map((c, i) => {
      if (i !== 1) return c;
      const d = Buffer.from(c);
      d[30] = (d[30] as number) ^ 4;
      return d;
    });
    const bad = [flipped, [chunks[0], chunks[2], chunks[1], ...chunks.slice(3)], chunks.slice(0, -1)];
    for (const stream of bad) {
      await assert.rejects(
        dst.importSnapshot(stream as Buffer[]),
        (e: unknown) => e instanceof KodiakError && e.code === SqlState.dataCorrupted,
      );
      assert.equal(dst.get(Buffer.from("mine"))?.toString(), "1");
    }
    const meta = await dst.importSnapshot(chunks);
    assert.equal(meta.appliedIndex, 30);
    assert.deepEqual(dump(dst), dump(src));
    src.close();
    dst.close();
  });

  it("the page checksum equals util's CRC32C at any alignment", () => {
    const r = new SeededRandom(4);
    const b = Buffer.alloc(20000);
    for (let i = 0; i < b.length; i++) b[i] = r.int(256);
    for (let n = 0; n < 50; n++) {
      const start = r.int(300);
      const end = start + r.int(b.length - start);
      assert.equal(crc32cRange(b, start, end), crc32c(b, 0, start, end));
    }
  });
});

describe("writes during a checkpoint", () => {
  it("batches applied while a checkpoint awaits its fsyncs are not in it, and crash recovery sees exactly its index", async () => {
    for (let seed = 1; seed <= 10; seed++) {
      const sim = new SimFileSystem();
      const s = await openStore(sim, "/db", { pageSize: 4096, cacheBytes: 16 * 4096 });
      let ts = await fill(s, 0, 30, 2000);
      const pending = s.checkpoint(ts);
      const snapshot = dump(s);
      const r = new SeededRandom(seed);
      // Interleave: the checkpoint's awaits let these batches run in between.
      for (let i = 0; i < 1 + r.int(20); i++) {
        ts = await fill(s, ts, 1, 2000);
        await Promise.resolve();
      }
      await pending;
      sim.crash();
      const back = await openStore(sim, "/db", {});
      assert.equal(back.appliedIndex, 30);
      assert.deepEqual(dump(back), snapshot, `seed ${seed}`);
      back.close();
    }
  });
});

describe("concurrent checkpoints", () => {
  it("a second checkpoint waits for the one in flight and then records its own index", async () => {
    const sim = new SimFileSystem();
    const s = await openStore(sim, "/db", { pageSize: 4096, cacheBytes: 16 * 4096 });
    let ts = await fill(s, 0, 20, 2000);
    const a = s.checkpoint(ts);
    ts = await fill(s, ts, 5, 2000);
    const b = s.checkpoint(ts);
    await Promise.all([a, b]);
    const want = dump(s);
    sim.crash();
    const back = await openStore(sim, "/db", {});
    assert.equal(back.appliedIndex, 25);
    assert.deepEqual(dump(back), want);
    back.close();
  });
});

describe("a checkpoint's pages stay immutable while it is in flight", () => {
  it("spills during checkpoint A never overwrite A's pages, even when B's fsync makes them durable", async () => {
    for (let seed = 1; seed <= 6; seed++) {
      const sim = new SimFileSystem();
      const fs = new CrashingFs(sim);
      const s = await openStore(fs, "/db", { pageSize: 4096, cacheBytes: 16 * 4096 });
      let ts = await fill(s, 0, 30, 2000);
      const a = s.checkpoint(ts);
      const atA = dump(s);
      const r = new SeededRandom(seed);
      for (let i = 0; i < 5 + r.int(20); i++) {
        ts = await fill(s, ts, 1, 2000);
        await Promise.resolve();
      }
      await a;
      ts = await fill(s, ts, 5, 2000);
      fs.crashAtRename = true;
      await assert.rejects(s.checkpoint(ts), (e: unknown) => e instanceof SimulatedCrash);
      fs.crashAtRename = false;
      sim.crash();
      const back = await openStore(fs, "/db", {});
      assert.equal(back.appliedIndex, 30);
      assert.deepEqual(dump(back), atA, `seed ${seed}`);
      back.close();
    }
  });
});
