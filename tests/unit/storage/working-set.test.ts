// A working set over 20x the page cache (300k keys, 2 MiB cache, ~55 MiB of pages) stays correct
// and within the memory bound: run in a child process (clean RSS), which loads, reads at random,
// scans everything and reopens, measuring RSS after a warm-up and at every step after it. The
// 5M- and 10M-key runs with a 32 MiB cache are `npm run bench -- storage --rss`.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";

const CHILD = join(import.meta.dirname, "../../support/storage-rss-child.js");
const KEYS = 300_000;
const CACHE_MIB = 2;
const MIB = 1024 * 1024;
/** RSS may grow this much over the warm-up baseline (JS heap churn, cache, allocator slack). */
const RSS_GROWTH_BOUND = 40 * MIB;

interface RssReport {
  keys: number;
  cacheBytes: number;
  dataBytes: number;
  baselineRss: number;
  peakRss: number;
  maxCacheBytes: number;
  evictions: number;
  wrong: string[];
}

describe("working set larger than the cache", () => {
  it("300k keys through a 2 MiB cache: correct reads and scans, cache and RSS growth bounded", () => {
    const dir = mkdtempSync(join(tmpdir(), "kodiak-ws-"));
    try {
      const child = spawnSync(process.execPath, ["--expose-gc", CHILD, dir, String(KEYS), String(CACHE_MIB)], {
        encoding: "utf8",
        timeout: 10 * 60_000,
      });
      assert.equal(child.status, 0, `child failed: ${child.stderr}`);
      const r = JSON.parse(child.stdout.trim().split("\n").pop() as string) as RssReport;
      assert.deepEqual(r.wrong, [], "every read, the scan and the reopen are correct");
      assert.ok(r.dataBytes >= 20 * r.cacheBytes, `data ${r.dataBytes} is at least 20x the cache ${r.cacheBytes}`);
      assert.ok(r.maxCacheBytes <= r.cacheBytes * 1.1, `cache stayed within bound: max ${r.maxCacheBytes}`);
      assert.ok(r.evictions > 0, "the cache evicted");
      const growth = r.peakRss - r.baselineRss;
      assert.ok(
        growth <= RSS_GROWTH_BOUND && growth < r.dataBytes / 2,
        `RSS grew ${(growth / MIB).toFixed(1)} MiB over the baseline while ${(r.dataBytes / MIB).toFixed(1)} MiB of data went through`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
