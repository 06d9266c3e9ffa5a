// Damaged bytes on disk: a torn final batch cut at every byte offset, and single bit flips in
// every bit of a small log (and a seeded sample of a larger one). Every case must either recover
// a prefix of exactly what was written, or refuse to start with XX001 naming file and offset.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { HARD_STATE_FILE, LOG_META_FILE, segmentName, type Wal } from "../../../node/log/index.js";
import { parseRecord, RecordType, readU64, segmentSeed } from "../../../node/log/record.js";
import type { Entry } from "../../../node/raft/types.js";
import { KodiakError, SeededRandom, SimFileSystem, SqlState } from "../../../util/index.js";
import { allEntries, cloneDisk, DIR, entries, entry, open, plain, snapshotDisk } from "./helpers.js";

interface RecordSpan {
  start: number;
  end: number;
  type: RecordType;
  /** Entry index, or the commit value. */
  value: number;
}

function recordsOf(bytes: Uint8Array, seq: number): RecordSpan[] {
  const out: RecordSpan[] = [];
  let at = 0;
  while (at < bytes.length) {
    const r = parseRecord(bytes, at, bytes.length, segmentSeed(seq));
    assert.ok(r.ok, "the clean log parses");
    out.push({ start: at, end: r.end, type: r.type, value: readU64(bytes, r.payloadStart) });
    at = r.end;
  }
  return out;
}

async function expectRefusal(p: Promise<Wal>, file: string, offset: number | undefined, what: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof KodiakError, `${what}: ${String(e)}`);
    assert.equal(e.code, SqlState.dataCorrupted, what);
    assert.ok(e.message.includes(file), `${what}: "${e.message}" names ${file}`);
    if (offset !== undefined) assert.ok(e.message.includes(`byte offset ${offset}`), `${what}: "${e.message}" names offset ${offset}`);
    return true;
  });
}

describe("log: torn final batch", () => {
  it("cut at every byte offset, reopen recovers exactly the records that are whole", async () => {
    const fs = new SimFileSystem();
    const wal = await open(fs);
    const acked = entries(1, 6, 1);
    await wal.save({ term: 1, vote: 1, commit: 2 }, acked);
    const batchStart = wal.stats().bytes;
    const last = [entry(7, 1, 0, 40), entry(8, 1, 0, 3), entry(9, 1)];
    await wal.save({ term: 1, vote: 1, commit: 6 }, last);
    const path = `${DIR}/${segmentName(1)}`;
    const disk = snapshotDisk(fs);
    const full = disk.get(path) as Uint8Array;
    const spans = recordsOf(full, 1).filter((r) => r.start >= batchStart);
    assert.equal(spans.length, 4, "three entries and a commit record in the last batch");
    for (let cut = batchStart; cut <= full.length; cut++) {
      for (const fill of ["none", "zeros"] as const) {
        const files = new Map(disk);
        const torn = new Uint8Array(fill === "zeros" ? full.length : cut);
        torn.set(full.subarray(0, cut));
        files.set(path, torn);
        const reopened = await open(cloneDisk(files));
        // A record is whole when its bytes survived (zeros past the cut may happen to match it).
        const intact = (r: RecordSpan) => r.end <= torn.length && torn.subarray(r.start, r.end).every((b, i) => b === full[r.start + i]);
        const firstBroken = spans.findIndex((r) => !intact(r));
        const whole = firstBroken < 0 ? spans : spans.slice(0, firstBroken);
        const keptEntries = whole.filter((r) => r.type === RecordType.entry).length;
        assert.deepEqual(plain(allEntries(reopened)), plain([...acked, ...last.slice(0, keptEntries)]), `cut at ${cut} (${fill})`);
        const commitKept = whole.some((r) => r.type === RecordType.commit);
        assert.equal(reopened.storage.initialState().hardState.commit, commitKept ? 6 : 2, `commit, cut at ${cut}`);
        // The log is usable after the cut: the lost entries can be appended again.
        await reopened.save(undefined, last.slice(keptEntries));
        assert.equal(reopened.storage.lastIndex(), 9);
      }
    }
  });
});

/** A log over two segments with hard state and metadata; returns its files and the expected entries. */
async function buildLog(entryCount: number, segmentMaxBytes: number) {
  const fs = new SimFileSystem();
  const wal = await open(fs, { segmentMaxBytes });
  const all: Entry[] = [];
  let commit = 0;
  for (let i = 1; i <= entryCount; i += 3) {
    const es = entries(i, Math.min(i + 2, entryCount), 1 + Math.floor(i / 10));
    all.push(...es);
    await wal.save({ term: 1 + Math.floor(i / 10), vote: 1, commit }, es);
    commit = Math.max(0, i - 2);
  }
  await wal.compact(2, { index: 2, term: 1, conf: { voters: [1, 2, 3], learners: [] } });
  const segments = wal.stats().segments;
  return { files: snapshotDisk(fs), expected: all.slice(2), segments };
}

async function checkFlip(files: Map<string, Uint8Array>, expected: Entry[], path: string, byte: number, bit: number): Promise<void> {
  const damaged = new Map(files);
  const bytes = (files.get(path) as Uint8Array).slice();
  bytes[byte] = (bytes[byte] as number) ^ (1 << bit);
  damaged.set(path, bytes);
  const what = `flip ${path}@${byte}.${bit}`;
  const name = path.slice(DIR.length + 1);
  if (name === HARD_STATE_FILE || name === LOG_META_FILE) return expectRefusal(open(cloneDisk(damaged)), name, undefined, what);
  const seq = Number.parseInt(name, 16);
  const segs = [...files.keys()].filter((p) => p.endsWith(".log")).sort();
  const spans = recordsOf(files.get(path) as Uint8Array, seq);
  const hit = spans.find((r) => r.start <= byte && byte < r.end) as RecordSpan;
  const isLastRecord = path === segs.at(-1) && hit === spans.at(-1);
  if (!isLastRecord) return expectRefusal(open(cloneDisk(damaged)), name, hit.start, what);
  // The final record is indistinguishable from a torn write: it is cut, unless it was committed.
  const commitBefore = Math.max(
    0,
    ...spans.filter((r) => r.type === RecordType.commit && r !== hit).map((r) => r.value),
    ...[...files.keys()]
      .filter((p) => p !== path && p.endsWith(".log"))
      .flatMap((p) =>
        recordsOf(files.get(p) as Uint8Array, Number.parseInt(p.slice(DIR.length + 1), 16))
          .filter((r) => r.type === RecordType.commit)
          .map((r) => r.value),
      ),
  );
  if (hit.type === RecordType.entry && hit.value <= commitBefore) {
    return expectRefusal(open(cloneDisk(damaged)), "", undefined, what);
  }
  const wal = await open(cloneDisk(damaged));
  const kept = hit.type === RecordType.entry ? expected.filter((e) => e.index < hit.value) : expected;
  assert.deepEqual(plain(allEntries(wal)), plain(kept), what);
}

describe("log: single bit flips", () => {
  it("every bit of a small log is either cut as a tail or refused, never served", async () => {
    const { files, expected, segments } = await buildLog(8, 200);
    assert.ok(segments >= 2, "the log spans segments");
    let cases = 0;
    for (const [path, bytes] of files) {
      for (let byte = 0; byte < bytes.length; byte++) {
        for (let bit = 0; bit < 8; bit++) {
          await checkFlip(files, expected, path, byte, bit);
          cases++;
        }
      }
    }
    assert.ok(cases > 2000, `cases: ${cases}`);
  });

  it("a seeded sample of bits of a larger log, same rule", async () => {
    const seed = 20261125;
    const random = new SeededRandom(seed);
    const { files, expected } = await buildLog(600, 8000);
    const paths = [...files.keys()];
    for (let k = 0; k < 400; k++) {
      const path = paths[random.int(paths.length)] as string;
      const size = (files.get(path) as Uint8Array).length;
      const byte = random.int(size);
      const bit = random.int(8);
      await checkFlip(files, expected, path, byte, bit).catch((e: unknown) => {
        throw new Error(`seed ${seed}, case ${k}: ${String(e)}`);
      });
    }
  });
});

describe("log: damage while running", () => {
  it("an entry read back from disk is checked again: a flipped bit is XX001 naming file and offset, never data", async () => {
    const fs = new SimFileSystem();
    const wal = await open(fs, { cacheMaxEntries: 2 });
    await wal.save(undefined, entries(1, 10, 1));
    const path = `${DIR}/${segmentName(1)}`;
    const spans = recordsOf(fs.readFile(path), 1);
    const third = spans[2] as RecordSpan;
    fs.flipBit(path, third.start + 20, 3);
    assert.deepEqual(plain(wal.storage.entries(1, 3, 1 << 20)), plain(entries(1, 2, 1)), "undamaged entries still read");
    assert.throws(
      () => wal.storage.entries(3, 4, 1 << 20),
      (e: unknown) =>
        e instanceof KodiakError &&
        e.code === SqlState.dataCorrupted &&
        e.message.includes(`${path} is corrupt at byte offset ${third.start}`),
    );
    assert.deepEqual(plain(wal.storage.entries(9, 11, 1 << 20)), plain(entries(9, 10, 1)), "cached entries are unaffected");
  });
});
