// Opening the log: reads the state files and scans every segment, deciding what to keep by the
// table below. Must never hand back a log containing a byte that failed its checksum, and never
// cut anything but a tail that a crash can explain.
//
// Recovery decision table (every row has a test in tests/unit/log/recovery.test.ts):
//
// | row | what open finds                                                     | decision                                      |
// |-----|---------------------------------------------------------------------|-----------------------------------------------|
// | S1  | a `*.tmp` state file                                                | delete it: a replace that never renamed       |
// | S2  | no `hardstate` file                                                 | term 0, vote 0, commit 0 (fresh node)         |
// | S3  | `hardstate` of wrong size, magic or checksum                        | refuse, XX001 (atomic files never tear)       |
// | S4  | no `logmeta` file                                                   | nothing compacted, no snapshot                |
// | S5  | `logmeta` of wrong size, magic or checksum                          | refuse, XX001                                 |
// | G1  | a segment numbered below logmeta.firstSegmentSeq                    | delete it: compaction finished, unlink didn't |
// | G2  | segment numbers with a hole                                         | refuse, XX001 (a segment went missing)        |
// | G3  | no segments                                                         | create one                                    |
// | R1  | valid entry record, index <= compactIndex                           | skip (the snapshot covers it)                 |
// | R2  | valid entry record, compactIndex < index <= last + 1                | keep; drops any later index kept so far       |
// |     |                                                                     | (a conflict was resolved by appending)        |
// | R3  | valid entry record, index > last + 1                                | skip it provisionally; it must be superseded  |
// |     |                                                                     | by a later record at or below last + 1 (R2),  |
// |     |                                                                     | else refuse after the scan, XX001 (entries    |
// |     |                                                                     | missing). Compaction can keep a segment that  |
// |     |                                                                     | starts with records a conflict superseded.    |
// | R4  | valid commit record                                                 | commit = max(commit, value)                   |
// | R5  | invalid record, not in the last segment                             | refuse, XX001 with file and offset            |
// | R6  | invalid record in the last segment, a valid record starts after it  | refuse, XX001 with file and offset            |
// | R7  | invalid record in the last segment, no valid record after it        | torn tail: truncate there, fsync, warn        |
// | C1  | after the scan, commit > last index                                 | refuse, XX001: acknowledged entries were cut  |
//
// Why R6/R7 can be told apart: a crash can only damage bytes written since the last fsync, and
// those are always at the very end of the last segment: batches are appended one at a time, an
// append is acknowledged only after its fsync (commit-only saves with sync: false excepted, which
// hold no entries), and a new segment is started only after the previous one is fsynced. A crash
// keeps a prefix of the unsynced appends (assumed; a disk that persisted a later sector but not an
// earlier one would land in R6: refused, never served), so anything valid after a bad record proves
// the bad record is not such a tail. C1 cannot follow from a crash either: commit records are written
// after the entries they cover.

import { join } from "node:path";
import { type FileHandle, type FileSystem, KodiakError, type Logger, SqlState } from "../../util/index.js";
import type { HardState } from "../raft/types.js";
import { EntryIndex } from "./entry-index.js";
import { corruptSegment } from "./errors.js";
import { decodeCommit, entryIndexAndTerm, findValidRecordAfter, parseRecord, RecordType, segmentSeed } from "./record.js";
import { listSegments, segmentPath } from "./segments.js";
import {
  decodeHardState,
  decodeLogMeta,
  EMPTY_LOG_META,
  HARD_STATE_FILE,
  LOG_META_FILE,
  type LogMeta,
  readStateFile,
  TEMP_SUFFIX,
} from "./state-file.js";

export interface OpenSegment {
  seq: number;
  handle: FileHandle;
  /** Bytes of valid records (the append position for the active segment). */
  bytes: number;
}

export interface RecoveredLog {
  hardState: HardState;
  meta: LogMeta;
  index: EntryIndex;
  /** Ascending by seq; the last one is the active segment. Never empty. */
  segments: OpenSegment[];
  fsyncs: number;
}

export async function recoverLog(fs: FileSystem, dir: string, logger: Logger): Promise<RecoveredLog> {
  for (const name of [HARD_STATE_FILE, LOG_META_FILE]) {
    const tmp = join(dir, name + TEMP_SUFFIX);
    if (fs.exists(tmp)) {
      fs.unlink(tmp); // S1
      logger.info({ file: tmp }, "removed unfinished state file replacement");
    }
  }
  const hsBytes = readStateFile(fs, dir, HARD_STATE_FILE);
  const hardState = hsBytes ? decodeHardState(hsBytes, join(dir, HARD_STATE_FILE)) : { term: 0, vote: 0, commit: 0 }; // S2, S3
  const metaBytes = readStateFile(fs, dir, LOG_META_FILE);
  const meta = metaBytes ? decodeLogMeta(metaBytes, join(dir, LOG_META_FILE)) : EMPTY_LOG_META; // S4, S5

  let fsyncs = 0;
  const seqs: number[] = [];
  for (const seq of listSegments(fs, dir)) {
    if (seq < meta.firstSegmentSeq) {
      fs.unlink(segmentPath(dir, seq)); // G1
      logger.info({ file: segmentPath(dir, seq) }, "removed compacted log segment");
    } else seqs.push(seq);
  }
  for (let i = 1; i < seqs.length; i++) {
    if (seqs[i] !== (seqs[i - 1] as number) + 1) {
      throw corruptSegment(segmentPath(dir, (seqs[i - 1] as number) + 1), 0, "segment file is missing"); // G2
    }
  }

  const state: ReplayState = {
    index: new EntryIndex(meta.compactIndex + 1),
    commit: Math.max(hardState.commit, meta.snapshot.index),
    gap: undefined,
  };
  const segments: OpenSegment[] = [];
  for (const [i, seq] of seqs.entries()) {
    const scanned = await scanSegment(fs, dir, seq, i === seqs.length - 1, meta, state, logger);
    segments.push(scanned.segment);
    fsyncs += scanned.fsyncs;
  }
  if (segments.length === 0) {
    const seq = Math.max(meta.firstSegmentSeq, 1); // G3
    segments.push({ seq, handle: fs.open(segmentPath(dir, seq), { create: true }), bytes: 0 });
    await fs.fsyncDir(dir);
    fsyncs++;
  }
  if (state.gap !== undefined) {
    for (const s of segments) s.handle.close();
    throw state.gap; // R3: a gap nothing superseded
  }
  if (state.commit > state.index.last) {
    for (const s of segments) s.handle.close();
    throw new KodiakError(
      SqlState.dataCorrupted,
      `log in ${dir} ends at index ${state.index.last} but entries up to ${state.commit} were committed: acknowledged entries were lost`,
      { where: "log", hint: "remove this node's data directory and let it rejoin from its peers" },
    ); // C1
  }
  return { hardState: { ...hardState, commit: state.commit }, meta, index: state.index, segments, fsyncs };
}

interface ReplayState {
  index: EntryIndex;
  commit: number;
  /** R3: the first record after a gap, pending until a later record supersedes it. */
  gap: KodiakError | undefined;
}

async function scanSegment(
  fs: FileSystem,
  dir: string,
  seq: number,
  isLast: boolean,
  meta: LogMeta,
  state: ReplayState,
  logger: Logger,
): Promise<{ segment: OpenSegment; fsyncs: number }> {
  const path = segmentPath(dir, seq);
  const buf = fs.readFile(path);
  const seed = segmentSeed(seq);
  let at = 0;
  while (at < buf.length) {
    const r = parseRecord(buf, at, buf.length, seed);
    if (!r.ok) {
      if (!isLast) throw corruptSegment(path, at, `${r.reason}; later segments exist, so this is not a torn write`); // R5
      const next = findValidRecordAfter(buf, at, buf.length, seed);
      if (next >= 0) throw corruptSegment(path, at, `${r.reason}; a valid record follows at offset ${next}, so this is not a torn write`); // R6
      const handle = fs.open(path);
      handle.truncate(at); // R7
      await handle.fsync();
      logger.warn({ file: path, offset: at, bytesCut: buf.length - at, reason: r.reason }, "cut torn tail of the log");
      return { segment: { seq, handle, bytes: at }, fsyncs: 1 };
    }
    if (r.type === RecordType.commit) {
      state.commit = Math.max(state.commit, decodeCommit(buf, r.payloadStart)); // R4
    } else {
      const { index, term } = entryIndexAndTerm(buf, r.payloadStart);
      if (index > meta.compactIndex) {
        if (index > state.index.last + 1) {
          // R3: only legal if a later record truncates below it (every skipped index is > last + 1).
          state.gap ??= corruptSegment(path, at, `entry ${index} follows entry ${state.index.last}: entries are missing`);
          at = r.end;
          continue;
        }
        state.gap = undefined; // R2 at or below last + 1 supersedes every record skipped for a gap
        state.index.truncateFrom(index); // R2
        state.index.append(index, { term, segmentSeq: seq, offset: at, recordBytes: r.end - at });
      } // else R1
    }
    at = r.end;
  }
  return { segment: { seq, handle: fs.open(path), bytes: buf.length }, fsyncs: 0 };
}
