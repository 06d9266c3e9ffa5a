// One test per row of the recovery decision table in node/log/recovery.ts (S1..C1).

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { HARD_STATE_FILE, LOG_META_FILE, segmentName } from "../../../node/log/index.js";
import { encodeCommitRecord, encodeEntryRecord, entryRecordBytes, segmentSeed } from "../../../node/log/record.js";
import { encodeHardState, encodeLogMeta } from "../../../node/log/state-file.js";
import type { Entry } from "../../../node/raft/types.js";
import { KodiakError, SimFileSystem, SqlState } from "../../../util/index.js";
import { allEntries, DIR, entries, entry, type LogLine, open, plain, recordingLogger } from "./helpers.js";

function put(fs: SimFileSystem, name: string, bytes: Uint8Array): void {
  fs.mkdirp(DIR);
  const h = fs.open(`${DIR}/${name}`, { create: true });
  h.truncate(0);
  h.write(bytes, 0, bytes.length, 0);
  h.fsyncSync();
  h.close();
  fs.fsyncDirSync(DIR);
}

/** A segment file holding exactly these records (entries, or a number for a commit record). */
function segment(seq: number, records: (Entry | number)[]): Uint8Array {
  const size = records.reduce<number>((n, r) => n + (typeof r === "number" ? 24 : entryRecordBytes(r)), 0);
  const out = new Uint8Array(size);
  let at = 0;
  for (const r of records)
    at = typeof r === "number" ? encodeCommitRecord(out, at, r, segmentSeed(seq)) : encodeEntryRecord(out, at, r, segmentSeed(seq));
  return out;
}

function isCorrupt(...mentions: string[]): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(e instanceof KodiakError, String(e));
    assert.equal(e.code, SqlState.dataCorrupted);
    for (const m of mentions) assert.ok(e.message.includes(m), `"${e.message}" should mention "${m}"`);
    return true;
  };
}

const conf = { voters: [1, 2, 3], learners: [] };

describe("log recovery decision table", () => {
  it("S1: a leftover temp state file is deleted and the old state kept", async () => {
    const fs = new SimFileSystem();
    put(fs, HARD_STATE_FILE, encodeHardState({ term: 4, vote: 2, commit: 0 }));
    put(fs, `${HARD_STATE_FILE}.tmp`, Uint8Array.of(1, 2, 3));
    put(fs, `${LOG_META_FILE}.tmp`, Uint8Array.of(9));
    const wal = await open(fs);
    assert.deepEqual(wal.storage.initialState().hardState, { term: 4, vote: 2, commit: 0 });
    assert.equal(fs.exists(`${DIR}/${HARD_STATE_FILE}.tmp`), false);
    assert.equal(fs.exists(`${DIR}/${LOG_META_FILE}.tmp`), false);
  });

  it("S2: no hard state file means term 0, vote 0, commit 0 even with entries on disk", async () => {
    const fs = new SimFileSystem();
    put(fs, segmentName(1), segment(1, entries(1, 3, 1)));
    const wal = await open(fs);
    assert.deepEqual(wal.storage.initialState().hardState, { term: 0, vote: 0, commit: 0 });
    assert.equal(wal.storage.lastIndex(), 3);
  });

  it("S3: a hard state file of the wrong size is refused", async () => {
    const fs = new SimFileSystem();
    put(fs, HARD_STATE_FILE, encodeHardState({ term: 4, vote: 2, commit: 0 }).subarray(0, 20));
    await assert.rejects(open(fs), isCorrupt(HARD_STATE_FILE, "expected 32"));
  });

  it("S4: no log metadata file means nothing compacted", async () => {
    const fs = new SimFileSystem();
    put(fs, segmentName(1), segment(1, entries(1, 2, 1)));
    const wal = await open(fs);
    assert.equal(wal.storage.firstIndex(), 1);
    assert.deepEqual(wal.storage.snapshot().metadata, { index: 0, term: 0, conf: { voters: [], learners: [] } });
  });

  it("S5: a log metadata file with a bad checksum is refused", async () => {
    const fs = new SimFileSystem();
    const meta = encodeLogMeta({ snapshot: { index: 5, term: 1, conf }, compactIndex: 5, compactTerm: 1, firstSegmentSeq: 1 });
    meta[10] = (meta[10] as number) ^ 0x10;
    put(fs, LOG_META_FILE, meta);
    await assert.rejects(open(fs), isCorrupt(LOG_META_FILE, "checksum"));
  });

  it("G1: segments below the metadata's first segment are deleted unread", async () => {
    const fs = new SimFileSystem();
    put(fs, segmentName(1), Uint8Array.of(0xde, 0xad)); // garbage: must not even be scanned
    put(fs, segmentName(2), segment(2, entries(6, 8, 2)));
    put(fs, LOG_META_FILE, encodeLogMeta({ snapshot: { index: 5, term: 1, conf }, compactIndex: 5, compactTerm: 1, firstSegmentSeq: 2 }));
    const wal = await open(fs);
    assert.equal(fs.exists(`${DIR}/${segmentName(1)}`), false);
    assert.deepEqual(plain(allEntries(wal)), plain(entries(6, 8, 2)));
    assert.equal(wal.storage.term(5), 1);
  });

  it("G2: a missing segment in the middle is refused", async () => {
    const fs = new SimFileSystem();
    put(fs, segmentName(1), segment(1, entries(1, 2, 1)));
    put(fs, segmentName(3), segment(3, entries(5, 6, 1)));
    await assert.rejects(open(fs), isCorrupt(segmentName(2), "missing"));
  });

  it("G3: a directory without segments gets one", async () => {
    const fs = new SimFileSystem();
    put(fs, LOG_META_FILE, encodeLogMeta({ snapshot: { index: 9, term: 2, conf }, compactIndex: 9, compactTerm: 2, firstSegmentSeq: 4 }));
    const wal = await open(fs);
    assert.ok(fs.exists(`${DIR}/${segmentName(4)}`));
    await wal.save(undefined, entries(10, 11, 2));
    fs.crash();
    assert.deepEqual(plain(allEntries(await open(fs))), plain(entries(10, 11, 2)));
  });

  it("R1: entries at or below the compaction point are skipped", async () => {
    const fs = new SimFileSystem();
    put(fs, segmentName(1), segment(1, entries(1, 8, 1)));
    put(fs, LOG_META_FILE, encodeLogMeta({ snapshot: { index: 6, term: 1, conf }, compactIndex: 5, compactTerm: 1, firstSegmentSeq: 1 }));
    const wal = await open(fs);
    assert.equal(wal.storage.firstIndex(), 6);
    assert.deepEqual(plain(allEntries(wal)), plain(entries(6, 8, 1)));
  });

  it("R2: a rewritten index replaces it and everything after it", async () => {
    const fs = new SimFileSystem();
    put(fs, segmentName(1), segment(1, [...entries(1, 6, 1), ...entries(4, 5, 2, 9)]));
    const wal = await open(fs);
    assert.deepEqual(plain(allEntries(wal)), plain([...entries(1, 3, 1), ...entries(4, 5, 2, 9)]));
  });

  it("R3: an entry after a gap is refused with file and offset", async () => {
    const fs = new SimFileSystem();
    const es = [entry(1, 1), entry(2, 1), entry(4, 1)];
    put(fs, segmentName(1), segment(1, es));
    const offset = entryRecordBytes(es[0] as Entry) + entryRecordBytes(es[1] as Entry);
    await assert.rejects(open(fs), isCorrupt(segmentName(1), `byte offset ${offset}`, "missing"));
  });

  it("R4: the highest commit record wins over the hard state file", async () => {
    const fs = new SimFileSystem();
    put(fs, HARD_STATE_FILE, encodeHardState({ term: 1, vote: 1, commit: 1 }));
    put(fs, segmentName(1), segment(1, [...entries(1, 4, 1), 3, 2]));
    const wal = await open(fs);
    assert.equal(wal.storage.initialState().hardState.commit, 3);
  });

  it("R5: a bad record in a segment that is not the last is refused, even at its very end", async () => {
    const fs = new SimFileSystem();
    const first = segment(1, entries(1, 3, 1));
    put(fs, segmentName(1), first.subarray(0, first.length - 1));
    put(fs, segmentName(2), segment(2, entries(4, 5, 1)));
    const offset = entryRecordBytes(entry(1, 1)) + entryRecordBytes(entry(2, 1));
    await assert.rejects(open(fs), isCorrupt(segmentName(1), `byte offset ${offset}`, "later segments"));
  });

  it("R6: a bad record with a valid record after it is refused with file and offset", async () => {
    const fs = new SimFileSystem();
    const bytes = segment(1, entries(1, 3, 1));
    const offset = entryRecordBytes(entry(1, 1));
    bytes[offset + 20] = (bytes[offset + 20] as number) ^ 1;
    put(fs, segmentName(1), bytes);
    await assert.rejects(open(fs), isCorrupt(segmentName(1), `byte offset ${offset}`, "valid record follows"));
  });

  it("R7: a torn tail is cut back to the last valid record, fsynced, and reported", async () => {
    const fs = new SimFileSystem();
    const bytes = segment(1, entries(1, 3, 1));
    const keep = entryRecordBytes(entry(1, 1)) + entryRecordBytes(entry(2, 1));
    put(fs, segmentName(1), bytes.subarray(0, bytes.length - 5));
    const lines: LogLine[] = [];
    const wal = await open(fs, { logger: recordingLogger(lines) });
    assert.deepEqual(plain(allEntries(wal)), plain(entries(1, 2, 1)));
    const warn = lines.find((l) => l.level === "warn");
    assert.ok(warn, "the cut is logged");
    assert.deepEqual(
      { ...warn.obj, reason: undefined },
      { file: `${DIR}/${segmentName(1)}`, offset: keep, bytesCut: bytes.length - 5 - keep, reason: undefined },
    );
    fs.crash(); // the cut itself was fsynced
    assert.equal(fs.readFile(`${DIR}/${segmentName(1)}`).length, keep);
  });

  it("C1: a commit index beyond the recovered log is refused", async () => {
    const fs = new SimFileSystem();
    put(fs, HARD_STATE_FILE, encodeHardState({ term: 1, vote: 1, commit: 5 }));
    put(fs, segmentName(1), segment(1, entries(1, 3, 1)));
    await assert.rejects(open(fs), isCorrupt("acknowledged entries were lost"));
  });
});
