// Corruption detection: a flipped bit anywhere in a page, the header page or the manifest is
// reported as KodiakError XX001 naming the page and the file, never returned as data.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PageType } from "../../../storage/format.js";
import { DATA_FILE_NAME, openStore } from "../../../storage/index.js";
import { pageType } from "../../../storage/slotted.js";
import { childAt } from "../../../storage/tree.js";
import { KodiakError, SeededRandom, SimFileSystem, SqlState } from "../../../util/index.js";

const PAGE = 4096;

async function seeded(fs: SimFileSystem): Promise<Map<string, string>> {
  const s = await openStore(fs, "/db", { pageSize: PAGE, fanout: 4 });
  const want = new Map<string, string>();
  const r = new SeededRandom(7);
  for (let ts = 1; ts <= 40; ts++) {
    const ops = Array.from({ length: 50 }, () => ({
      type: "put" as const,
      key: Buffer.from(`key-${r.int(1500)}`),
      value: Buffer.alloc(20 + r.int(60), ts),
    }));
    s.writeBatch(ops, ts, ts);
    for (const o of ops) want.set(o.key.toString("hex"), o.value.toString("hex"));
  }
  await s.checkpoint();
  s.close();
  return want;
}

function isCorruption(e: unknown): boolean {
  return e instanceof KodiakError && e.code === SqlState.dataCorrupted;
}

describe("corruption detection", () => {
  it("a flipped bit in any page is an XX001 error naming page and file, or (free page) changes nothing", async () => {
    const fs = new SimFileSystem();
    const want = await seeded(fs);
    const path = `/db/${DATA_FILE_NAME}`;
    const pages = fs.readFile(path).length / PAGE;
    const r = new SeededRandom(11);
    let detected = 0;
    let live = 0;
    for (let p = 0; p < pages; p++) {
      const offset = p * PAGE + r.int(PAGE);
      const bit = r.int(8);
      fs.flipBit(path, offset, bit);
      try {
        const s = await openStore(fs, "/db", {});
        try {
          live = s.stats().livePages;
          const got = new Map([...s.scan({})].map((e) => [e.key.toString("hex"), e.value.toString("hex")]));
          assert.deepEqual(got, want, `page ${p} flipped: no error, so the data must be intact`);
        } finally {
          s.close();
        }
      } catch (e) {
        if (!isCorruption(e)) throw e;
        assert.match((e as Error).message, /data\.kdb|MANIFEST/, "the error names the file");
        assert.match((e as Error).message, /page|header/, "the error names the page");
        detected++;
      }
      fs.flipBit(path, offset, bit);
    }
    assert.ok(live > 10, "the tree spans many pages");
    assert.ok(detected >= live, `every page in use is checked: ${detected} detected, ${live} live`);
  });

  it("a flipped bit in a leaf read by get is an error, not a wrong value", async () => {
    const fs = new SimFileSystem();
    const want = await seeded(fs);
    const s = await openStore(fs, "/db", {});
    const key = Buffer.from([...want.keys()].sort()[0] as string, "hex");
    // The smallest key lives in the leftmost leaf: follow child 0 down from the root.
    let leaf = s.tree.root;
    while (pageType(s.pager.get(leaf)) === PageType.Internal) leaf = childAt(s.pager.get(leaf), 0);
    const phys = s.pager.physicalOf(leaf);
    s.close();
    fs.flipBit(`/db/${DATA_FILE_NAME}`, phys * PAGE + PAGE - 10, 3);
    const s2 = await openStore(fs, "/db", {});
    try {
      assert.throws(
        () => s2.get(key),
        (e: unknown) => isCorruption(e) && new RegExp(`page ${leaf} \\(physical ${phys}\\)`).test((e as Error).message),
      );
    } finally {
      s2.close();
    }
  });

  it("a flipped bit in the manifest or the header page fails the open with XX001", async () => {
    const fs = new SimFileSystem();
    await seeded(fs);
    const r = new SeededRandom(5);
    const mlen = fs.readFile("/db/MANIFEST").length;
    for (let i = 0; i < 40; i++) {
      const offset = r.int(mlen);
      const bit = r.int(8);
      fs.flipBit("/db/MANIFEST", offset, bit);
      await assert.rejects(openStore(fs, "/db", {}), (e: unknown) => e instanceof KodiakError && /MANIFEST/.test(e.message));
      fs.flipBit("/db/MANIFEST", offset, bit);
    }
    fs.flipBit(`/db/${DATA_FILE_NAME}`, 2000, 1);
    await assert.rejects(openStore(fs, "/db", {}), (e: unknown) => isCorruption(e) && /header page/.test((e as Error).message));
    fs.flipBit(`/db/${DATA_FILE_NAME}`, 2000, 1);
    const s = await openStore(fs, "/db", {});
    assert.ok(s.stats().livePages > 0);
    s.close();
  });
});
