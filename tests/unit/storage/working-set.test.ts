// A working set far larger than the page cache (500k keys, 4 MiB cache, ~50 MiB of pages) stays
// correct and keeps the cache within its byte bound between operations. (The 5M-key RSS
// measurement lives in bench/storage.ts, not in the test suite.)

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { openStore } from "../../../storage/index.js";
import { nodeFileSystem, SeededRandom } from "../../../util/index.js";

const KEYS = 500_000;
const BATCH = 1000;
const CACHE_BYTES = 4 * 1024 * 1024;

/** Key i: 16 bytes, a scrambled prefix so inserts land all over the tree. */
function keyOf(i: number): Buffer {
  const k = Buffer.alloc(16);
  k.writeUInt32BE(Math.imul(i, 2654435761) >>> 0, 0);
  k.writeUInt32BE(i, 4);
  return k;
}

function valueFor(i: number): Buffer {
  return Buffer.from(`value-${i}-${"x".repeat(i % 40)}`);
}

describe("working set larger than the cache", () => {
  it("500k keys through a 4 MiB cache: correct reads, cache within bound", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kodiak-ws-"));
    try {
      const store = await openStore(nodeFileSystem, dir, { cacheBytes: CACHE_BYTES });
      let maxCacheBytes = 0;
      let ts = 0;
      for (let i = 0; i < KEYS; i += BATCH) {
        const ops = [];
        for (let j = i; j < i + BATCH; j++) ops.push({ type: "put" as const, key: keyOf(j), value: valueFor(j) });
        store.writeBatch(ops, ++ts, ts);
        store.get(keyOf(i)); // an operation boundary: relieves the cache first
        maxCacheBytes = Math.max(maxCacheBytes, store.stats().bytes);
      }
      const stats = store.stats();
      assert.ok(stats.livePages * 16384 > 10 * CACHE_BYTES, `data (${stats.livePages} pages) is far larger than the cache`);
      assert.ok(maxCacheBytes <= CACHE_BYTES * 1.1, `cache stayed within bound: max ${maxCacheBytes}`);
      assert.ok(stats.evictions > 0 && stats.misses > 0, "the cache evicted and missed");
      await store.checkpoint();
      const r = new SeededRandom(3);
      for (let n = 0; n < 20_000; n++) {
        const i = r.int(KEYS);
        assert.equal(store.get(keyOf(i))?.toString(), valueFor(i).toString(), `key ${i}`);
      }
      let count = 0;
      let prev: Buffer | undefined;
      for (const e of store.scan({})) {
        if (prev !== undefined) assert.ok(Buffer.compare(prev, e.key) < 0, "scan is ordered");
        prev = e.key;
        count++;
      }
      assert.equal(count, KEYS);
      assert.ok(store.stats().bytes <= CACHE_BYTES * 1.1, "a full scan stays within the bound");
      store.close();
      const reopened = await openStore(nodeFileSystem, dir, { cacheBytes: CACHE_BYTES });
      assert.equal(reopened.appliedIndex, ts);
      for (let n = 0; n < 2000; n++) {
        const i = r.int(KEYS);
        assert.equal(reopened.get(keyOf(i))?.toString(), valueFor(i).toString());
      }
      reopened.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
