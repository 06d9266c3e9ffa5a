// Command language and runner for the storage model-based tests (see model.test.ts): applies a
// command list to a Store and to MvccModel side by side and asserts they agree at every read.

import assert from "node:assert/strict";
import fc from "fast-check";
import { exportArrow, importArrow, openStore, type Store, type TreeMode, type WriteOp } from "../../storage/index.js";
import { SeededRandom, SimFileSystem } from "../../util/index.js";
import { MvccModel } from "./storage-model.js";

export const keyArb = fc.array(fc.integer({ min: 0, max: 7 }), { maxLength: 3 }).map((a) => Buffer.from(a));
/** Mostly small values; some beyond the inline limit of a 4 KiB page (~1.3 KiB), up to 5 overflow pages. */
const valueArb = fc
  .oneof({ weight: 9, arbitrary: fc.integer({ min: 0, max: 400 }) }, { weight: 1, arbitrary: fc.integer({ min: 1200, max: 20000 }) })
  .chain((n) => fc.integer({ min: 0, max: 255 }).map((b) => Buffer.alloc(n, b)));
const opArb: fc.Arbitrary<WriteOp> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ type: fc.constant("put" as const), key: keyArb, value: valueArb }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant("delete" as const), key: keyArb }) },
  {
    weight: 1,
    arbitrary: fc.record({ type: fc.constant("deleteRange" as const), start: keyArb, end: fc.option(keyArb, { nil: undefined }) }),
  },
);

export type Cmd =
  | { t: "batch"; ops: WriteOp[] }
  | { t: "bulk"; n: number; seed: number }
  | { t: "hot"; key: Buffer; n: number; size: number }
  | { t: "get"; key: Buffer; back: number }
  | { t: "scan"; start?: Buffer; end?: Buffer; prefix?: Buffer; reverse: boolean; limit?: number; back: number }
  | { t: "seek"; first: number; key: Buffer; take: number; reverse: boolean; back: number }
  | { t: "latest"; key: Buffer }
  | { t: "rangeLatest"; start: Buffer; end?: Buffer }
  | { t: "checkpoint" }
  | { t: "reopen" }
  | { t: "snapshot"; arrow: boolean }
  | { t: "gc"; back: number };

export const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ t: fc.constant("batch" as const), ops: fc.array(opArb, { minLength: 1, maxLength: 12 }) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant("bulk" as const), n: fc.integer({ min: 20, max: 120 }), seed: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant("hot" as const),
      key: keyArb,
      n: fc.integer({ min: 1, max: 30 }),
      size: fc.oneof(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 1200, max: 9000 })),
    }),
  },
  { weight: 4, arbitrary: fc.record({ t: fc.constant("get" as const), key: keyArb, back: fc.nat({ max: 40 }) }) },
  {
    weight: 4,
    arbitrary: fc.record(
      {
        t: fc.constant("scan" as const),
        start: keyArb,
        end: keyArb,
        prefix: keyArb,
        reverse: fc.boolean(),
        limit: fc.integer({ min: 1, max: 30 }),
        back: fc.nat({ max: 40 }),
      },
      { requiredKeys: ["t", "reverse", "back"] },
    ),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant("seek" as const),
      first: fc.nat({ max: 5 }),
      key: keyArb,
      take: fc.integer({ min: 1, max: 20 }),
      reverse: fc.boolean(),
      back: fc.nat({ max: 40 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("latest" as const), key: keyArb }) },
  {
    weight: 1,
    arbitrary: fc.record({ t: fc.constant("rangeLatest" as const), start: keyArb, end: fc.option(keyArb, { nil: undefined }) }),
  },
  { weight: 2, arbitrary: fc.constant({ t: "checkpoint" as const }) },
  { weight: 2, arbitrary: fc.constant({ t: "reopen" as const }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("snapshot" as const), arrow: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("gc" as const), back: fc.nat({ max: 40 }) }) },
);

const hexEntries = (it: Iterable<{ key: Buffer; value: Buffer }>): [string, string][] =>
  [...it].map((e) => [e.key.toString("hex"), e.value.toString("hex")]);

export async function run(mode: TreeMode, cmds: Cmd[]): Promise<void> {
  const fs = new SimFileSystem();
  const options = { pageSize: 4096, mode, fanout: 4, cacheBytes: 64 * 4096 };
  let store: Store = await openStore(fs, "/db", options);
  const model = new MvccModel();
  let ts = 0;
  let retention = 0;
  let sinceCheckpoint: { ops: WriteOp[]; ts: number }[] = [];
  const readTs = (back: number) => Math.max(retention, ts - back);
  try {
    for (const c of cmds) {
      switch (c.t) {
        case "batch":
        case "bulk": {
          let ops = c.t === "batch" ? c.ops : [];
          if (c.t === "bulk") {
            const r = new SeededRandom(c.seed);
            ops = Array.from({ length: c.n }, () => ({
              type: "put" as const,
              key: Buffer.from(Array.from({ length: 1 + r.int(3) }, () => r.int(8))),
              value: Buffer.alloc(r.int(300), r.int(256)),
            }));
          }
          ts++;
          store.writeBatch(ops, ts, ts);
          model.apply(ops, ts);
          sinceCheckpoint.push({ ops, ts });
          break;
        }
        case "hot": {
          for (let i = 0; i < c.n; i++) {
            ts++;
            const ops: WriteOp[] = [{ type: "put", key: c.key, value: Buffer.alloc(c.size, i) }];
            store.writeBatch(ops, ts, ts);
            model.apply(ops, ts);
            sinceCheckpoint.push({ ops, ts });
          }
          break;
        }
        case "get": {
          const at = readTs(c.back);
          assert.equal(store.get(c.key, at)?.toString("hex"), model.get(c.key, at)?.toString("hex"), `get ${c.key.toString("hex")} @${at}`);
          break;
        }
        case "scan": {
          const at = readTs(c.back);
          const opts = { start: c.start, end: c.end, prefix: c.prefix, reverse: c.reverse, limit: c.limit };
          assert.deepEqual(hexEntries(store.scan(opts, at)), model.scan(opts, at), `scan ${JSON.stringify(opts)} @${at}`);
          break;
        }
        case "latest": {
          const want = model.latestCommitTs(c.key);
          const got = store.latestCommitTs(c.key);
          if (want > retention) assert.equal(got, want, `latestCommitTs ${c.key.toString("hex")}`);
          else assert.ok(got <= retention, `latestCommitTs ${got} at or below retention ${retention}`);
          break;
        }
        case "seek": {
          const at = readTs(c.back);
          const cur = store.scan({ reverse: c.reverse }, at);
          for (let i = 0; i < c.first; i++) cur.next();
          cur.seek(c.key);
          const got: [string, string][] = [];
          for (let i = 0; i < c.take; i++) {
            const n = cur.next();
            if (n.done) break;
            got.push([n.value.key.toString("hex"), n.value.value.toString("hex")]);
          }
          const all = model.scan({ reverse: c.reverse }, at);
          const k = c.key.toString("hex");
          const want = all.filter(([h]) =>
            c.reverse ? Buffer.compare(Buffer.from(h, "hex"), c.key) <= 0 : Buffer.compare(Buffer.from(h, "hex"), c.key) >= 0,
          );
          assert.deepEqual(got, want.slice(0, c.take), `seek ${k} reverse=${c.reverse} @${at}`);
          break;
        }
        case "rangeLatest": {
          const want = model.maxCommitTsInRange(c.start, c.end);
          const got = store.maxCommitTsInRange(c.start, c.end);
          if (want > retention) assert.equal(got, want, `maxCommitTsInRange ${c.start.toString("hex")}..${c.end?.toString("hex")}`);
          else assert.ok(got <= retention);
          break;
        }
        case "checkpoint":
          await store.checkpoint(ts);
          sinceCheckpoint = [];
          break;
        case "reopen": {
          store.close();
          store = await openStore(fs, "/db", options);
          assert.ok(store.appliedIndex <= ts);
          for (const b of sinceCheckpoint) if (b.ts > store.appliedIndex) store.writeBatch(b.ops, b.ts, b.ts);
          if (retention > store.retentionTs) store.gc(retention, 1_000_000);
          break;
        }
        case "snapshot": {
          const other = await openStore(fs, `/copy${ts}`, options);
          if (c.arrow) {
            await exportArrow(store, fs, `/snap${ts}.arrow`);
            await importArrow(other, fs, `/snap${ts}.arrow`);
          } else {
            await other.importSnapshot(store.exportSnapshot().chunks);
          }
          assert.equal(other.appliedIndex, store.appliedIndex);
          for (const at of [ts, readTs(3)]) assert.deepEqual(hexEntries(other.scan({}, at)), model.scan({}, at), `imported scan @${at}`);
          other.close();
          break;
        }
        case "gc": {
          const r = Math.max(retention, ts - c.back);
          retention = r;
          while (!store.gc(r, 3)) {}
          break;
        }
      }
    }
    assert.deepEqual(hexEntries(store.scan({}, ts)), model.scan({}, ts), "final full scan");
  } finally {
    store.close();
  }
}
