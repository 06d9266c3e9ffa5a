// The log on the real file system (a temp directory): the same promises as on the simulated disk,
// checked through actual files, fdatasync and rename.

import assert from "node:assert/strict";
import * as nodeFs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { openWal, segmentName } from "../../../node/log/index.js";
import { KodiakError, NodeFileSystem, SqlState, silentLogger } from "../../../util/index.js";
import { allEntries, entries, plain } from "./helpers.js";

const root = nodeFs.mkdtempSync(join(tmpdir(), "kodiak-log-"));
after(() => nodeFs.rmSync(root, { recursive: true, force: true }));
const fs = new NodeFileSystem();
let n = 0;
const freshDir = () => join(root, `d${n++}`);

describe("log on the real file system", () => {
  it("entries, hard state and compaction survive close and reopen", async () => {
    const dir = freshDir();
    const wal = await openWal(fs, dir, { logger: silentLogger, segmentMaxBytes: 500 });
    await Promise.all([
      wal.save({ term: 3, vote: 2, commit: 0 }, entries(1, 10, 3)),
      wal.save({ term: 3, vote: 2, commit: 24 }, entries(11, 30, 3)),
    ]);
    await wal.save(undefined, entries(25, 26, 4));
    await wal.compact(24, { index: 24, term: 3, conf: { voters: [1, 2], learners: [] } });
    await wal.close();
    const again = await openWal(fs, dir, { logger: silentLogger });
    assert.deepEqual(plain(allEntries(again)), plain(entries(25, 26, 4)));
    assert.deepEqual(again.storage.initialState().hardState, { term: 3, vote: 2, commit: 24 });
    assert.equal(again.storage.term(24), 3);
    assert.equal(nodeFs.existsSync(join(dir, segmentName(1))), false, "the segment below the compaction point is deleted");
    await again.close();
  });

  it("a truncated last record is cut on reopen", async () => {
    const dir = freshDir();
    const wal = await openWal(fs, dir, { logger: silentLogger });
    await wal.save(undefined, entries(1, 5, 1));
    await wal.close();
    const seg = join(dir, segmentName(1));
    nodeFs.truncateSync(seg, nodeFs.statSync(seg).size - 3);
    const again = await openWal(fs, dir, { logger: silentLogger });
    assert.deepEqual(plain(allEntries(again)), plain(entries(1, 4, 1)));
    await again.save(undefined, entries(5, 6, 2));
    await again.close();
    const third = await openWal(fs, dir, { logger: silentLogger });
    assert.deepEqual(plain(allEntries(third)), plain([...entries(1, 4, 1), ...entries(5, 6, 2)]));
    await third.close();
  });

  it("a damaged record in the middle refuses to start, naming file and offset", async () => {
    const dir = freshDir();
    const wal = await openWal(fs, dir, { logger: silentLogger });
    await wal.save(undefined, entries(1, 5, 1));
    await wal.close();
    const seg = join(dir, segmentName(1));
    const bytes = nodeFs.readFileSync(seg);
    bytes[30] = (bytes[30] as number) ^ 0x40; // inside the first record
    nodeFs.writeFileSync(seg, bytes);
    await assert.rejects(openWal(fs, dir, { logger: silentLogger }), (e: unknown) => {
      assert.ok(e instanceof KodiakError && e.code === SqlState.dataCorrupted);
      assert.ok(e.message.includes(seg) && e.message.includes("byte offset 0"), e.message);
      return true;
    });
  });

  it("a directory held by an open log cannot be opened twice", async () => {
    const dir = freshDir();
    const wal = await openWal(fs, dir, { logger: silentLogger });
    await assert.rejects(
      openWal(fs, dir, { logger: silentLogger }),
      (e: unknown) => e instanceof KodiakError && e.code === SqlState.lockNotAvailable,
    );
    await wal.close();
  });
});
