// Child process for the working-set memory test and the bench's --rss mode: loads KEYS keys
// (16-byte scrambled keys, VALUE-byte values) into a store with a CACHE_MIB page cache, then
// reads them back at random, scans them all and reopens. It measures the process RSS after a
// warm-up (baseline) and at every step after it (peak), and prints one JSON line with the
// measurements and any wrong answers. Usage: node --expose-gc storage-rss-child.js DIR KEYS CACHE_MIB [VALUE]

import { openStore, type Store } from "../../storage/index.js";
import { nodeFileSystem, SeededRandom } from "../../util/index.js";

const [dir, keysText, cacheText, valueText] = process.argv.slice(2) as [string, string, string, string | undefined];
const KEYS = Number(keysText);
const CACHE_BYTES = Number(cacheText) * 1024 * 1024;
const VALUE = Number(valueText ?? 100);
const BATCH = 1000;
const CHECKPOINT_EVERY = 200;
const PAGE_BYTES = 16384;
const WARMUP = Math.min(KEYS, 50_000);

/** Key i: 16 bytes, a scrambled prefix so inserts land all over the tree. */
function keyOf(i: number): Buffer {
  const k = Buffer.alloc(16);
  k.writeUInt32BE(Math.imul(i, 2654435761) >>> 0, 0);
  k.writeUInt32BE(i, 4);
  return k;
}

function valueFor(i: number, bytes: number): Buffer {
  const v = Buffer.alloc(bytes, i & 0xff);
  v.writeUInt32BE(i, 0);
  return v;
}

const collect = (globalThis as { gc?: () => void }).gc;
let peak = 0;
let maxCache = 0;
function sample(store: Store): void {
  peak = Math.max(peak, process.memoryUsage.rss());
  maxCache = Math.max(maxCache, store.stats().bytes);
}

const started = Date.now();
let store = await openStore(nodeFileSystem, dir, { cacheBytes: CACHE_BYTES });
let ts = 0;
let loaded = 0;
const loadUpTo = async (n: number) => {
  while (loaded < n) {
    const ops = [];
    const end = Math.min(n, loaded + BATCH);
    for (let j = loaded; j < end; j++) ops.push({ type: "put" as const, key: keyOf(j), value: valueFor(j, VALUE) });
    store.writeBatch(ops, ++ts, ts);
    loaded = end;
    store.get(keyOf(loaded - 1)); // an operation boundary: the cache is relieved first
    if (ts % CHECKPOINT_EVERY === 0) await store.checkpoint();
    if (ts % 20 === 0) sample(store);
  }
};
await loadUpTo(WARMUP);
await store.checkpoint();
collect?.();
const baseline = process.memoryUsage.rss();
peak = baseline;
await loadUpTo(KEYS);
await store.checkpoint();
sample(store);
const loadSeconds = (Date.now() - started) / 1000;
const stats = store.stats();
const wrong: string[] = [];
const r = new SeededRandom(3);
for (let n = 0; n < 20_000; n++) {
  const i = r.int(KEYS);
  const got = store.get(keyOf(i));
  if (got === undefined || !got.equals(valueFor(i, VALUE))) wrong.push(`get ${i}`);
  if (n % 1000 === 0) sample(store);
}
let count = 0;
let prev: Buffer | undefined;
for (const e of store.scan({})) {
  if (prev !== undefined && Buffer.compare(prev, e.key) >= 0) wrong.push(`scan order at ${count}`);
  prev = e.key;
  if (++count % 50_000 === 0) sample(store);
}
if (count !== KEYS) wrong.push(`scan returned ${count} of ${KEYS} keys`);
sample(store);
store.close();
store = await openStore(nodeFileSystem, dir, { cacheBytes: CACHE_BYTES });
if (store.appliedIndex !== ts) wrong.push(`reopened at ${store.appliedIndex}, expected ${ts}`);
for (let n = 0; n < 2000; n++) {
  const i = r.int(KEYS);
  if (!store.get(keyOf(i))?.equals(valueFor(i, VALUE))) wrong.push(`get after reopen ${i}`);
}
sample(store);
store.close();
process.stdout.write(
  `${JSON.stringify({
    keys: KEYS,
    cacheBytes: CACHE_BYTES,
    dataBytes: stats.livePages * PAGE_BYTES,
    baselineRss: baseline,
    peakRss: peak,
    maxCacheBytes: maxCache,
    evictions: stats.evictions,
    loadSeconds,
    totalSeconds: (Date.now() - started) / 1000,
    cpuSeconds: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
    wrong: wrong.slice(0, 20),
  })}\n`,
);
