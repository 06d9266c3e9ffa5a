// Behaviour of the log as the node runtime and the Raft core use it: appends, reopen, conflict
// truncation, rotation, compaction, snapshots, the cache bound and group commit.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isCompactedError, isUnavailableError, segmentName } from "../../../node/log/index.js";
import { KodiakError, SimFileSystem, SqlState } from "../../../util/index.js";
import { allEntries, DIR, entries, entry, open, plain } from "./helpers.js";

describe("log: append and reopen", () => {
  it("a fresh log is empty with a zero hard state", async () => {
    const wal = await open(new SimFileSystem());
    assert.equal(wal.storage.firstIndex(), 1);
    assert.equal(wal.storage.lastIndex(), 0);
    assert.equal(wal.storage.term(0), 0);
    assert.deepEqual(wal.storage.initialState(), { hardState: { term: 0, vote: 0, commit: 0 }, confState: { voters: [], learners: [] } });
    await wal.close();
  });

  it("saved entries and hard state are all there after reopen", async () => {
    const fs = new SimFileSystem();
    const wal = await open(fs);
    await wal.save({ term: 1, vote: 1, commit: 0 }, entries(1, 10, 1));
    await wal.save({ term: 2, vote: 3, commit: 7 }, entries(11, 20, 2));
    assert.equal(wal.storage.lastIndex(), 20);
    await wal.close();
    fs.crash();
    const again = await open(fs);
    assert.deepEqual(plain(allEntries(again)), plain([...entries(1, 10, 1), ...entries(11, 20, 2)]));
    assert.deepEqual(again.storage.initialState().hardState, { term: 2, vote: 3, commit: 7 });
    assert.equal(again.storage.term(15), 2);
    await again.close();
  });

  it("a commit-only change costs no hard state file rewrite and survives reopen", async () => {
    const fs = new SimFileSystem();
    const wal = await open(fs);
    await wal.save({ term: 1, vote: 1, commit: 0 }, entries(1, 5, 1));
    const before = wal.stats().fsyncs;
    await wal.save({ term: 1, vote: 1, commit: 5 }, []);
    assert.equal(wal.stats().fsyncs - before, 1, "one fsync of the segment");
    fs.crash();
    const again = await open(fs);
    assert.equal(again.storage.initialState().hardState.commit, 5);
  });

  it("a second open of the same directory is refused while the first holds it", async () => {
    const fs = new SimFileSystem();
    const wal = await open(fs);
    await assert.rejects(open(fs), (e: unknown) => e instanceof KodiakError && e.code === SqlState.lockNotAvailable);
    await wal.close();
    await (await open(fs)).close();
  });

  it("invalid options are refused before the directory is touched", async () => {
    const fs = new SimFileSystem();
    await assert.rejects(
      open(fs, { segmentMaxBytes: 0 }),
      (e: unknown) => e instanceof KodiakError && e.code === SqlState.invalidParameterValue,
    );
    assert.equal(fs.exists(DIR), false);
  });

  it("save after close is refused", async () => {
    const wal = await open(new SimFileSystem());
    await wal.close();
    await assert.rejects(wal.save(undefined, entries(1, 1, 1)), KodiakError);
  });
});

describe("log: RaftStorage view", () => {
  it("entries() honours maxBytes but returns at least one entry", async () => {
    const wal = await open(new SimFileSystem());
    await wal.save(undefined, [entry(1, 1, 0, 100), entry(2, 1, 0, 100), entry(3, 1, 0, 100)]);
    assert.equal(wal.storage.entries(1, 4, 250).length, 2);
    assert.equal(wal.storage.entries(1, 4, 10).length, 1);
    assert.equal(wal.storage.entries(2, 4, 1000).length, 2);
  });

  it("reads below the first index are CompactedError, past the last UnavailableError", async () => {
    const fs = new SimFileSystem();
    const wal = await open(fs);
    await wal.save({ term: 1, vote: 1, commit: 10 }, entries(1, 10, 1));
    await wal.compact(5, { index: 6, term: 1, conf: { voters: [1], learners: [] } });
    assert.throws(() => wal.storage.term(4), isCompactedError);
    assert.equal(wal.storage.term(5), 1, "term(firstIndex - 1) is known");
    assert.throws(() => wal.storage.entries(5, 7, 1000), isCompactedError);
    assert.throws(() => wal.storage.term(11), isUnavailableError);
    assert.throws(() => wal.storage.entries(9, 12, 1000), isUnavailableError);
  });
});

describe("log: conflict truncation", () => {
  it("an append at or below the last index replaces the suffix, also after reopen", async () => {
    const fs = new SimFileSystem();
    const wal = await open(fs);
    await wal.save({ term: 2, vote: 1, commit: 3 }, entries(1, 10, 1));
    await wal.save({ term: 2, vote: 1, commit: 3 }, entries(6, 7, 2, 1));
    const expected = [...entries(1, 5, 1), ...entries(6, 7, 2, 1)];
    assert.deepEqual(plain(allEntries(wal)), plain(expected));
    assert.equal(wal.storage.lastIndex(), 7);
    fs.crash();
    const again = await open(fs);
    assert.deepEqual(plain(allEntries(again)), plain(expected));
    await again.save(undefined, entries(8, 9, 2, 1));
    fs.crash();
    const third = await open(fs);
    assert.deepEqual(plain(allEntries(third)), plain([...expected, ...entries(8, 9, 2, 1)]));
  });

  it("an append leaving a gap is rejected and changes nothing", async () => {
    const wal = await open(new SimFileSystem());
    await wal.save(undefined, entries(1, 3, 1));
    await assert.rejects(wal.save(undefined, entries(5, 6, 1)), KodiakError);
    assert.equal(wal.storage.lastIndex(), 3);
  });

  it("overwriting a committed entry with another term is refused as a bug", async () => {
    const wal = await open(new SimFileSystem());
    await wal.save({ term: 1, vote: 1, commit: 3 }, entries(1, 3, 1));
    await assert.rejects(wal.save(undefined, entries(2, 3, 2)), /committed/);
    await wal.save(undefined, entries(3, 4, 1)); // same term: a harmless duplicate
    assert.equal(wal.storage.lastIndex(), 4);
  });

  it("a term going back or a second vote in the same term is refused as a bug and not written", async () => {
    const fs = new SimFileSystem();
    const wal = await open(fs);
    await wal.save({ term: 3, vote: 2, commit: 0 }, []);
    await assert.rejects(wal.save({ term: 2, vote: 2, commit: 0 }, []), /term goes back/);
    await assert.rejects(wal.save({ term: 3, vote: 1, commit: 0 }, []), /vote changes/);
    await wal.save({ term: 4, vote: 1, commit: 0 }, []);
    fs.crash();
    assert.deepEqual((await open(fs)).storage.initialState().hardState, { term: 4, vote: 1, commit: 0 });
  });

  it("a commit index going back is ignored: commit only moves forward", async () => {
    const fs = new SimFileSystem();
    const wal = await open(fs);
    await wal.save({ term: 1, vote: 1, commit: 3 }, entries(1, 4, 1));
    await wal.save({ term: 1, vote: 1, commit: 2 }, []);
    assert.equal(wal.storage.initialState().hardState.commit, 3);
    fs.crash();
    assert.equal((await open(fs)).storage.initialState().hardState.commit, 3);
  });

  it("an entry larger than the record limit is refused with 54000", async () => {
    const wal = await open(new SimFileSystem());
    const huge = { index: 1, term: 1, type: "normal" as const, data: new Uint8Array(64 * 1024 * 1024) };
    await assert.rejects(wal.save(undefined, [huge]), (e: unknown) => e instanceof KodiakError && e.code === SqlState.programLimitExceeded);
  });
});

describe("log: segments, compaction and snapshots", () => {
  it("rotates segments by size and reads entries back from every segment after reopen", async () => {
    const fs = new SimFileSystem();
    const wal = await open(fs, { segmentMaxBytes: 300 });
    for (let i = 1; i <= 40; i += 4) await wal.save(undefined, entries(i, i + 3, 1));
    assert.ok(wal.stats().segments >= 5, `segments: ${wal.stats().segments}`);
    fs.crash();
    const again = await open(fs, { segmentMaxBytes: 300, cacheMaxEntries: 2 });
    assert.deepEqual(plain(allEntries(again)), plain(entries(1, 40, 1)));
    assert.ok(fs.readdir(DIR).includes(segmentName(1)));
  });

  it("compaction deletes whole segments below the compact index and survives reopen", async () => {
    const fs = new SimFileSystem();
    const wal = await open(fs, { segmentMaxBytes: 300 });
    for (let i = 1; i <= 40; i += 4) await wal.save({ term: 1, vote: 1, commit: i + 3 }, entries(i, i + 3, 1));
    const before = wal.stats().segments;
    const conf = { voters: [1, 2, 3], learners: [4] };
    await wal.compact(30, { index: 32, term: 1, conf });
    assert.ok(wal.stats().segments < before);
    assert.equal(wal.storage.firstIndex(), 31);
    assert.equal(fs.readdir(DIR).includes(segmentName(1)), false, "oldest segment deleted");
    fs.crash();
    const again = await open(fs, { segmentMaxBytes: 300 });
    assert.equal(again.storage.firstIndex(), 31);
    assert.equal(again.storage.term(30), 1);
    assert.deepEqual(plain(allEntries(again)), plain(entries(31, 40, 1)));
    assert.deepEqual(again.storage.snapshot().metadata, { index: 32, term: 1, conf });
    assert.deepEqual(again.storage.initialState().confState, conf);
    assert.equal(again.storage.initialState().hardState.commit, 40);
  });

  it("compaction beyond the state machine image or the log is refused", async () => {
    const wal = await open(new SimFileSystem());
    await wal.save(undefined, entries(1, 5, 1));
    await assert.rejects(wal.compact(4, { index: 3, term: 1, conf: { voters: [1], learners: [] } }), KodiakError);
    await assert.rejects(wal.compact(6, { index: 6, term: 1, conf: { voters: [1], learners: [] } }), KodiakError);
  });

  it("applySnapshot drops the whole log; appends continue after it, also after reopen", async () => {
    const fs = new SimFileSystem();
    const wal = await open(fs, { snapshotData: () => Uint8Array.of(7, 7) });
    await wal.save({ term: 1, vote: 1, commit: 2 }, entries(1, 10, 1));
    const meta = { index: 50, term: 3, conf: { voters: [1, 2], learners: [] } };
    await wal.applySnapshot({ metadata: meta, data: new Uint8Array(0) });
    assert.equal(wal.storage.firstIndex(), 51);
    assert.equal(wal.storage.lastIndex(), 50);
    assert.equal(wal.storage.term(50), 3);
    assert.deepEqual([...wal.storage.snapshot().data], [7, 7]);
    await wal.save({ term: 3, vote: 0, commit: 51 }, entries(51, 55, 3));
    fs.crash();
    const again = await open(fs);
    assert.deepEqual(plain(allEntries(again)), plain(entries(51, 55, 3)));
    assert.deepEqual(again.storage.snapshot().metadata, meta);
    assert.deepEqual(again.storage.initialState().hardState, { term: 3, vote: 0, commit: 51 });
  });

  it("a crash after applySnapshot's metadata but before the old segments are deleted ignores them", async () => {
    const fs = new SimFileSystem();
    const wal = await open(fs);
    await wal.save({ term: 1, vote: 1, commit: 0 }, entries(1, 100, 1));
    const old = fs.readFile(`${DIR}/${segmentName(1)}`);
    await wal.applySnapshot({ metadata: { index: 20, term: 2, conf: { voters: [1], learners: [] } }, data: new Uint8Array(0) });
    await wal.save(undefined, entries(21, 22, 2));
    // Put the stale segment back as if its unlink had not reached the disk.
    const h = fs.open(`${DIR}/${segmentName(1)}`, { create: true });
    h.write(old, 0, old.length, 0);
    h.fsyncSync();
    fs.fsyncDirSync(DIR);
    fs.crash();
    const again = await open(fs);
    assert.deepEqual(plain(allEntries(again)), plain(entries(21, 22, 2)), "stale entries 21..100 of term 1 are not revived");
    assert.equal(fs.readdir(DIR).includes(segmentName(1)), false);
  });
});

describe("log: entry cache", () => {
  it("holds at most its bound and still serves older entries from disk", async () => {
    const wal = await open(new SimFileSystem(), { cacheMaxEntries: 16, cacheMaxBytes: 1 << 20 });
    for (let i = 1; i <= 200; i += 10) await wal.save(undefined, entries(i, i + 9, 1));
    const s = wal.stats();
    assert.equal(s.cachedEntries, 16);
    assert.equal(s.cacheMaxEntries, 16);
    assert.deepEqual(plain(allEntries(wal)), plain(entries(1, 200, 1)));
  });

  it("the byte bound applies as well", async () => {
    const wal = await open(new SimFileSystem(), { cacheMaxEntries: 1000, cacheMaxBytes: 1000 });
    for (let i = 1; i <= 50; i++) await wal.save(undefined, [entry(i, 1, 0, 100)]);
    const s = wal.stats();
    assert.ok((s.cachedBytes ?? 0) <= 1000);
    assert.equal(s.cachedEntries, 10);
  });
});

describe("log: group commit", () => {
  it("N concurrent saves all resolve with fewer fsyncs than N", async () => {
    const fs = new SimFileSystem();
    const wal = await open(fs);
    const before = wal.stats().fsyncs;
    const n = 50;
    await Promise.all(Array.from({ length: n }, (_, k) => wal.save({ term: 1, vote: 1, commit: k }, [entry(k + 1, 1)])));
    const used = wal.stats().fsyncs - before;
    assert.ok(used < n, `fsyncs: ${used}`);
    assert.ok(used >= 1);
    assert.equal(wal.storage.lastIndex(), n);
    fs.crash();
    const again = await open(fs);
    assert.deepEqual(plain(allEntries(again)), plain(Array.from({ length: n }, (_, k) => entry(k + 1, 1))));
    assert.equal(again.storage.initialState().hardState.commit, n - 1);
  });

  it("batches are bounded by entry count", async () => {
    const wal = await open(new SimFileSystem(), { batchMaxEntries: 10 });
    const before = wal.stats().fsyncs;
    await Promise.all(Array.from({ length: 40 }, (_, k) => wal.save(undefined, [entry(k + 1, 1)])));
    assert.ok(wal.stats().fsyncs - before >= 4, "40 entries, at most 10 per fsync");
  });

  it("batches are bounded by bytes", async () => {
    const wal = await open(new SimFileSystem(), { batchMaxBytes: 1000 });
    const before = wal.stats().fsyncs;
    await Promise.all(Array.from({ length: 20 }, (_, k) => wal.save(undefined, [entry(k + 1, 1, 0, 200)])));
    assert.ok(wal.stats().fsyncs - before >= 5, "20 records of ~230 bytes, at most 1000 bytes per fsync");
    assert.equal(wal.storage.lastIndex(), 20);
  });
});
