// Bad input is a clear error and overwrites nothing: oversized keys and values, newer format
// versions, a truncated data file, a manifest pointing past the end of the file, a data file
// without a manifest, and a second open of the same directory.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeManifest, encodeManifest } from "../../../storage/manifest.js";
import { DATA_FILE_NAME, FORMAT_VERSION, maxKeyBytes, maxValueBytes, openStore } from "../../../storage/index.js";
import { KodiakError, SimFileSystem, SqlState } from "../../../util/index.js";

const code = (c: string) => (e: unknown) => e instanceof KodiakError && e.code === c;

async function small(fs: SimFileSystem): Promise<void> {
  const s = await openStore(fs, "/db", { pageSize: 4096 });
  for (let ts = 1; ts <= 20; ts++) {
    s.writeBatch(
      Array.from({ length: 40 }, (_, i) => ({ type: "put" as const, key: Buffer.from(`k${ts}-${i}`), value: Buffer.alloc(50, ts) })),
      ts,
      ts,
    );
  }
  await s.checkpoint();
  s.close();
}

function rewriteManifest(fs: SimFileSystem, edit: (m: ReturnType<typeof decodeManifest>) => void): void {
  const m = decodeManifest(fs.readFile("/db/MANIFEST"), "/db/MANIFEST");
  edit(m);
  const bytes = encodeManifest(m);
  const f = fs.open("/db/MANIFEST");
  f.truncate(0);
  f.write(bytes, 0, bytes.length, 0);
  f.close();
}

async function assertOpenFailsUnchanged(fs: SimFileSystem, check: (e: unknown) => boolean, pattern: RegExp): Promise<void> {
  const data = Buffer.from(fs.readFile(`/db/${DATA_FILE_NAME}`));
  const manifest = fs.exists("/db/MANIFEST") ? Buffer.from(fs.readFile("/db/MANIFEST")) : undefined;
  await assert.rejects(openStore(fs, "/db", {}), (e: unknown) => check(e) && pattern.test((e as Error).message));
  assert.ok(Buffer.from(fs.readFile(`/db/${DATA_FILE_NAME}`)).equals(data), "data file untouched");
  if (manifest !== undefined) assert.ok(Buffer.from(fs.readFile("/db/MANIFEST")).equals(manifest), "manifest untouched");
}

describe("bad input", () => {
  it("oversized keys and values fail with 54000 and leave the store as it was", async () => {
    const fs = new SimFileSystem();
    const s = await openStore(fs, "/db", { pageSize: 16384 });
    s.writeBatch([{ type: "put", key: Buffer.from("a"), value: Buffer.from("1") }], 1, 1);
    const bigKey = Buffer.alloc(maxKeyBytes(16384) + 1, 1);
    assert.throws(() => s.writeBatch([{ type: "put", key: bigKey, value: Buffer.from("x") }], 2), code(SqlState.programLimitExceeded));
    assert.throws(() => s.writeBatch([{ type: "delete", key: bigKey }], 2), /key is \d+ bytes; the limit is 2048 bytes/);
    const bigValue = Buffer.alloc(maxValueBytes(16384, 1) + 1);
    assert.throws(
      () =>
        s.writeBatch(
          [
            { type: "put", key: Buffer.from("a"), value: Buffer.from("2") },
            { type: "put", key: Buffer.from("b"), value: bigValue },
          ],
          2,
        ),
      code(SqlState.programLimitExceeded),
    );
    assert.equal(s.get(Buffer.from("a"))?.toString(), "1", "a failed batch applies nothing");
    s.writeBatch([{ type: "put", key: Buffer.from("b"), value: Buffer.alloc(maxValueBytes(16384, 1)) }], 2, 2);
    assert.equal(s.get(Buffer.from("b"))?.length, maxValueBytes(16384, 1), "the largest value fits");
    s.close();
  });

  it("a newer manifest or data file format version is refused with 0A000", async () => {
    const fs = new SimFileSystem();
    await small(fs);
    const good = Buffer.from(fs.readFile("/db/MANIFEST"));
    rewriteManifest(fs, (m) => {
      m.formatVersion = FORMAT_VERSION + 1;
    });
    await assertOpenFailsUnchanged(fs, code(SqlState.featureNotSupported), new RegExp(`format version ${FORMAT_VERSION + 1}`));
    const f = fs.open("/db/MANIFEST");
    f.write(good, 0, good.length, 0);
    f.close();
    const s = await openStore(fs, "/db", {});
    assert.equal(s.appliedIndex, 20);
    s.close();
  });

  it("a truncated data file or a manifest pointing past its end is refused with XX001", async () => {
    const fs = new SimFileSystem();
    await small(fs);
    rewriteManifest(fs, (m) => {
      m.pageCount += 5;
    });
    await assertOpenFailsUnchanged(fs, code(SqlState.dataCorrupted), /truncated file/);
    rewriteManifest(fs, (m) => {
      m.pageCount -= 5;
      m.mapPages[0] = m.pageCount + 3;
    });
    await assertOpenFailsUnchanged(fs, code(SqlState.dataCorrupted), /points past the end/);
    const fs2 = new SimFileSystem();
    await small(fs2);
    const f = fs2.open(`/db/${DATA_FILE_NAME}`);
    f.truncate(f.size() - 4096 * 3);
    f.close();
    await assertOpenFailsUnchanged(fs2, code(SqlState.dataCorrupted), /truncated/);
  });

  it("a data file without its manifest is refused, not overwritten", async () => {
    const fs = new SimFileSystem();
    await small(fs);
    fs.unlink("/db/MANIFEST");
    await assertOpenFailsUnchanged(fs, code(SqlState.dataCorrupted), /MANIFEST is missing/);
  });

  it("a second open of the same directory fails with 55P03 until the first closes", async () => {
    const fs = new SimFileSystem();
    const a = await openStore(fs, "/db", {});
    await assert.rejects(openStore(fs, "/db", {}), code(SqlState.lockNotAvailable));
    a.close();
    const b = await openStore(fs, "/db", {});
    b.close();
  });

  it("invalid options and timestamps are rejected", async () => {
    const fs = new SimFileSystem();
    await assert.rejects(openStore(fs, "/x", { pageSize: 5000 }), code(SqlState.invalidParameterValue));
    const s = await openStore(fs, "/db", {});
    s.writeBatch([{ type: "put", key: Buffer.from("a"), value: Buffer.from("1") }], 5, 1);
    assert.throws(() => s.writeBatch([{ type: "put", key: Buffer.from("a"), value: Buffer.from("2") }], 5), /not after the last one/);
    assert.throws(() => s.writeBatch([], 1.5), code(SqlState.invalidParameterValue));
    s.gc(3);
    assert.throws(() => s.get(Buffer.from("a"), 2), /snapshot too old/);
    s.close();
  });
});
