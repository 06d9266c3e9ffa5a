// Leaves emptied by deletes and GC merge with their neighbours (both tree modes): the page count
// falls back, every read stays exact (point, forward and reverse scans, snapshots at the
// retention), and the store keeps working (inserts into merged ranges, checkpoint, reopen).

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { openStore, type Store, type TreeMode } from "../../../storage/index.js";
import { SimFileSystem } from "../../../util/index.js";

const key = (i: number) => Buffer.from(`key${String(i).padStart(6, "0")}`);
const N = 3000;

function scanKeys(s: Store, ts?: number, reverse = false): string[] {
  return [...s.scan({ reverse }, ts)].map((e) => e.key.toString());
}

for (const mode of ["betree", "btree"] as const satisfies readonly TreeMode[]) {
  describe(`leaf merge (${mode})`, () => {
    it("leaves emptied by deletes and GC merge; reads stay exact; the store keeps working", async () => {
      const fs = new SimFileSystem();
      const options = { pageSize: 4096, mode, cacheBytes: 128 * 4096 };
      let s = await openStore(fs, "/db", options);
      let ts = 0;
      for (let b = 0; b < N; b += 250) {
        ts++;
        s.writeBatch(
          Array.from({ length: 250 }, (_, j) => ({ type: "put" as const, key: key(b + j), value: Buffer.alloc(60, j) })),
          ts,
          ts,
        );
      }
      await s.checkpoint(ts);
      const full = s.stats().livePages;
      // Delete all but every 50th key: point deletes for one half, a range delete per block for the other.
      const kept = new Set<number>();
      for (let i = 0; i < N; i += 50) kept.add(i);
      ts++;
      s.writeBatch(
        Array.from({ length: N / 2 }, (_, i) => i)
          .filter((i) => !kept.has(i))
          .map((i) => ({ type: "delete" as const, key: key(i) })),
        ts,
        ts,
      );
      ts++;
      const ranges = [];
      for (let i = N / 2; i < N; i += 50) ranges.push({ type: "deleteRange" as const, start: key(i + 1), end: key(i + 50) });
      s.writeBatch(ranges, ts, ts);
      const deletedAt = ts;
      // Push buffered deletes down (betree) with writes elsewhere in the key space, then GC.
      for (let r = 0; r < 20; r++) {
        ts++;
        s.writeBatch(
          [...kept].map((i) => ({ type: "put" as const, key: key(i), value: Buffer.alloc(60, r) })),
          ts,
          ts,
        );
      }
      while (!s.gc(ts, 16)) {}
      ts++;
      s.writeBatch([{ type: "put", key: key(0), value: Buffer.from("z") }], ts, ts);
      while (!s.gc(ts - 1, 16)) {}
      const want = [...kept].sort((a, b) => a - b).map((i) => key(i).toString());
      assert.ok(s.leafMerges > 10, `leaves merged: ${s.leafMerges}`);
      const after = s.stats().livePages;
      assert.ok(after * 2 < full, `live pages fell from ${full} to ${after}`);
      assert.deepEqual(scanKeys(s), want);
      assert.deepEqual(scanKeys(s, undefined, true), [...want].reverse());
      assert.deepEqual(scanKeys(s, ts - 1), want, "snapshot at the retention");
      assert.ok(deletedAt < ts - 1);
      for (let i = 0; i < N; i += 7) assert.equal(s.get(key(i)) !== undefined, kept.has(i), `get ${i}`);
      assert.equal(s.get(key(0))?.toString(), "z");
      // Inserts into merged ranges, then checkpoint and reopen.
      ts++;
      s.writeBatch(
        Array.from({ length: 400 }, (_, j) => ({ type: "put" as const, key: key(j * 7 + 3), value: Buffer.from("new") })),
        ts,
        ts,
      );
      await s.checkpoint(ts);
      s.close();
      s = await openStore(fs, "/db", options);
      const expected = new Set([...kept, ...Array.from({ length: 400 }, (_, j) => j * 7 + 3)]);
      assert.deepEqual(
        scanKeys(s),
        [...expected].sort((a, b) => a - b).map((i) => key(i).toString()),
      );
      assert.equal(s.get(key(3))?.toString(), "new");
      s.close();
    });
  });
}
