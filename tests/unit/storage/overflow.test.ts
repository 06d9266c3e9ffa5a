// Large values in chained overflow pages: round trips up to the 16 MiB limit through reads,
// scans, snapshots, checkpoints and reopen; a clear 54000 beyond it; chains freed by GC and
// reused; a flipped bit in an overflow page is XX001 naming the page and the file.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MAX_VALUE_BYTES, maxInlineValueBytes, PAGE_HEADER_BYTES, PageType } from "../../../storage/format.js";
import { DATA_FILE_NAME, openStore, type Store } from "../../../storage/index.js";
import { KodiakError, SimFileSystem, SqlState } from "../../../util/index.js";

const PAGE = 16384;
const k = (s: string) => Buffer.from(s);

/** A value whose every byte depends on its position and seed, so misplaced pages are visible. */
function pattern(n: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed * 7 + (i >>> 12)) & 0xff;
  return b;
}

const sizes = [maxInlineValueBytes(PAGE, 6), maxInlineValueBytes(PAGE, 6) + 1, 40_000, 1 << 20, MAX_VALUE_BYTES];

function sameBytes(got: Buffer | undefined, want: Buffer, what: string): void {
  assert.ok(got !== undefined, `${what}: found`);
  assert.equal(got.length, want.length, `${what}: length`);
  assert.ok(got.equals(want), `${what}: bytes`);
}

function checkAll(s: Store, values: Map<string, Buffer>, ts: number, what: string): void {
  for (const [key, v] of values) sameBytes(s.get(k(key), ts), v, `${what} get ${key}`);
  const scanned = [...s.scan({}, ts)];
  assert.deepEqual(
    scanned.map((e) => e.key.toString()),
    [...values.keys()].sort(),
  );
  for (const e of scanned) sameBytes(e.value, values.get(e.key.toString()) as Buffer, `${what} scan ${e.key.toString()}`);
}

describe("overflow pages", () => {
  it("values from the inline limit up to 16 MiB round-trip through get, scan, snapshots, checkpoint and reopen", async () => {
    const fs = new SimFileSystem();
    let s = await openStore(fs, "/db", { pageSize: PAGE, cacheBytes: 1 << 20 });
    const v1 = new Map<string, Buffer>();
    for (const [i, n] of sizes.entries()) v1.set(`val-${i}`, pattern(n, i));
    s.writeBatch(
      [...v1].map(([key, value]) => ({ type: "put" as const, key: k(key), value })),
      1,
      1,
    );
    // Overwrite two of them: the old versions stay readable at their snapshot.
    const v2 = new Map(v1);
    v2.set("val-1", pattern(70_000, 99));
    v2.set("val-3", k("small now"));
    s.writeBatch(
      [
        { type: "put", key: k("val-1"), value: v2.get("val-1") as Buffer },
        { type: "put", key: k("val-3"), value: v2.get("val-3") as Buffer },
      ],
      2,
      2,
    );
    checkAll(s, v1, 1, "before checkpoint @1");
    checkAll(s, v2, 2, "before checkpoint @2");
    // 17+ MiB of values went to overflow pages without entering the 1 MiB page cache.
    assert.ok(s.stats().bytes <= s.stats().capacityBytes, `cache ${s.stats().bytes} within ${s.stats().capacityBytes}`);
    await s.checkpoint();
    s.close();
    s = await openStore(fs, "/db", { cacheBytes: 1 << 20 });
    checkAll(s, v1, 1, "after reopen @1");
    checkAll(s, v2, 2, "after reopen @2");
    const other = await openStore(fs, "/copy", { pageSize: PAGE, cacheBytes: 1 << 20 });
    await other.importSnapshot(s.exportSnapshot().chunks);
    checkAll(other, v1, 1, "imported @1");
    checkAll(other, v2, 2, "imported @2");
    other.close();
    s.close();
  });

  it("a value over 16 MiB is 54000 with the limit in the message, and nothing is written", async () => {
    const s = await openStore(new SimFileSystem(), "/db", { pageSize: 4096 });
    s.writeBatch([{ type: "put", key: k("a"), value: k("1") }], 1, 1);
    assert.throws(
      () =>
        s.writeBatch(
          [
            { type: "put", key: k("a"), value: k("2") },
            { type: "put", key: k("b"), value: Buffer.alloc(MAX_VALUE_BYTES + 1) },
          ],
          2,
          2,
        ),
      (e: unknown) => e instanceof KodiakError && e.code === SqlState.programLimitExceeded && /limit is 16777216 bytes/.test(e.message),
    );
    assert.equal(s.get(k("a"))?.toString(), "1");
    assert.equal(s.get(k("b")), undefined);
    s.close();
  });

  for (const mode of ["betree", "btree"] as const) {
    it(`overwritten and deleted large values are freed by GC and their pages reused (${mode})`, async () => {
      const fs = new SimFileSystem();
      const s = await openStore(fs, "/db", { pageSize: 4096, mode, fanout: 4, cacheBytes: 256 * 4096 });
      const small = Array.from({ length: 300 }, (_, i) => ({
        type: "put" as const,
        key: k(`s${String(i).padStart(4, "0")}`),
        value: k("x"),
      }));
      s.writeBatch(small, 1, 1);
      await s.checkpoint();
      const baseline = s.stats().livePages;
      let ts = 1;
      const live: number[] = [];
      for (let round = 0; round < 40; round++) {
        ts++;
        s.writeBatch(
          [0, 1, 2].map((j) => ({ type: "put" as const, key: k(`blob${j}`), value: pattern(60_000 + round * 100, round + j) })),
          ts,
          ts,
        );
        while (!s.gc(ts - 1, 8)) {}
        if (round % 10 === 9) await s.checkpoint();
        live.push(s.stats().livePages);
      }
      for (let j = 0; j < 3; j++) sameBytes(s.get(k(`blob${j}`)), pattern(60_000 + 39 * 100, 39 + j), `blob${j}`);
      // Three 60 KB values at 4 KiB pages are ~45 overflow pages; two versions each at most.
      const last = live[live.length - 1] as number;
      assert.ok(last < baseline + 110, `live pages stay bounded: baseline ${baseline}, last ${last}`);
      const fileBefore = s.stats().filePages;
      ts++;
      s.writeBatch(
        [0, 1, 2].map((j) => ({ type: "delete" as const, key: k(`blob${j}`) })),
        ts,
        ts,
      );
      ts++;
      s.writeBatch([{ type: "put", key: k("tick"), value: k("1") }], ts, ts);
      while (!s.gc(ts, 8)) {}
      // Betree mode may still hold the tombstones in a buffer; flush them by writing more.
      for (let i = 0; i < 30 && s.stats().livePages > baseline + 8; i++) {
        ts++;
        s.writeBatch(
          small.map((o) => ({ ...o, value: Buffer.alloc(40, i) })),
          ts,
          ts,
        );
        while (!s.gc(ts, 64)) {}
      }
      assert.equal(s.get(k("blob0")), undefined);
      assert.ok(s.stats().livePages <= baseline + 8, `deleted values' pages are freed: ${s.stats().livePages} vs ${baseline}`);
      await s.checkpoint();
      await s.checkpoint();
      assert.ok(s.stats().filePages <= fileBefore, "the file does not grow: freed pages are reused");
      s.close();
    });
  }

  it("a flipped bit in an overflow page is XX001 naming the page and the file", async () => {
    const fs = new SimFileSystem();
    const s = await openStore(fs, "/db", { pageSize: 4096 });
    s.writeBatch([{ type: "put", key: k("big"), value: pattern(30_000, 1) }], 1, 1);
    await s.checkpoint();
    s.close();
    const path = `/db/${DATA_FILE_NAME}`;
    const data = Buffer.from(fs.readFile(path));
    let hit = -1;
    for (let p = 1; p * 4096 < data.length; p++) if (data[p * 4096 + 4] === PageType.Overflow) hit = p;
    assert.ok(hit > 0, "the data file has overflow pages");
    const f = fs.open(path);
    const byte = Buffer.from([data[hit * 4096 + PAGE_HEADER_BYTES + 100] ^ 0x10]);
    f.write(byte, 0, 1, hit * 4096 + PAGE_HEADER_BYTES + 100);
    f.close();
    const r = await openStore(fs, "/db", {});
    assert.throws(
      () => r.get(k("big")),
      (e: unknown) =>
        e instanceof KodiakError &&
        e.code === SqlState.dataCorrupted &&
        /checksum mismatch in overflow page \d+ \(physical \d+\)/.test(e.message) &&
        e.message.includes(path),
    );
    r.close();
  });
});
