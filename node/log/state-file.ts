// The log's two small state files — hard state (term, vote, commit) and log metadata (snapshot,
// compaction point) — each replaced atomically: write temp, fsync, rename, fsync directory.
// Must never be read half-written: a checksum failure here is corruption (XX001), never a torn write.

import { join } from "node:path";
import { crc32c, type FileHandle, type FileSystem, KodiakError, SqlState } from "../../util/index.js";
import type { HardState, SnapshotMetadata } from "../raft/types.js";
import { readU64, writeU64 } from "./record.js";

export const HARD_STATE_FILE = "hardstate";
export const LOG_META_FILE = "logmeta";
export const TEMP_SUFFIX = ".tmp";
/** Bound on voters + learners stored in the metadata file (a corrupt count must not allocate wildly). */
export const CONF_MEMBERS_MAX = 1024;

const HARD_STATE_MAGIC = 0x3153484b; // "KHS1"
const LOG_META_MAGIC = 0x314d4c4b; // "KLM1"

/** What the log keeps about its compacted prefix. */
export interface LogMeta {
  /** Latest state machine image the log knows of (what RaftStorage.snapshot() describes). */
  snapshot: SnapshotMetadata;
  /** Entries <= compactIndex are gone; term(compactIndex) = compactTerm. */
  compactIndex: number;
  compactTerm: number;
  /** Segments with a lower sequence number are garbage (deleted on open). */
  firstSegmentSeq: number;
}

export const EMPTY_LOG_META: LogMeta = {
  snapshot: { index: 0, term: 0, conf: { voters: [], learners: [] } },
  compactIndex: 0,
  compactTerm: 0,
  firstSegmentSeq: 1,
};

export function encodeHardState(hs: HardState): Uint8Array {
  const b = new Uint8Array(4 + 24 + 4);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, HARD_STATE_MAGIC, true);
  writeU64(b, 4, hs.term);
  writeU64(b, 12, hs.vote);
  writeU64(b, 20, hs.commit);
  dv.setUint32(28, crc32c(b, 0, 0, 28), true);
  return b;
}

export function decodeHardState(b: Uint8Array, path: string): HardState {
  checkFrame(b, path, HARD_STATE_MAGIC, 32);
  return { term: readU64(b, 4), vote: readU64(b, 12), commit: readU64(b, 20) };
}

export function encodeLogMeta(m: LogMeta): Uint8Array {
  const members = [...m.snapshot.conf.voters, ...m.snapshot.conf.learners];
  const size = 4 + 8 * 5 + 8 + 8 * members.length + 4;
  const b = new Uint8Array(size);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, LOG_META_MAGIC, true);
  writeU64(b, 4, m.snapshot.index);
  writeU64(b, 12, m.snapshot.term);
  writeU64(b, 20, m.compactIndex);
  writeU64(b, 28, m.compactTerm);
  writeU64(b, 36, m.firstSegmentSeq);
  dv.setUint32(44, m.snapshot.conf.voters.length, true);
  dv.setUint32(48, m.snapshot.conf.learners.length, true);
  for (const [i, id] of members.entries()) writeU64(b, 52 + 8 * i, id);
  dv.setUint32(size - 4, crc32c(b, 0, 0, size - 4), true);
  return b;
}

export function decodeLogMeta(b: Uint8Array, path: string): LogMeta {
  if (b.length < 56) throw corrupt(path, `file is ${b.length} bytes, too short`);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const voters = dv.getUint32(44, true);
  const learners = dv.getUint32(48, true);
  if (voters + learners > CONF_MEMBERS_MAX) throw corrupt(path, `member count ${voters + learners} is implausible`);
  checkFrame(b, path, LOG_META_MAGIC, 56 + 8 * (voters + learners));
  const ids = Array.from({ length: voters + learners }, (_, i) => readU64(b, 52 + 8 * i));
  return {
    snapshot: { index: readU64(b, 4), term: readU64(b, 12), conf: { voters: ids.slice(0, voters), learners: ids.slice(voters) } },
    compactIndex: readU64(b, 20),
    compactTerm: readU64(b, 28),
    firstSegmentSeq: readU64(b, 36),
  };
}

function checkFrame(b: Uint8Array, path: string, magic: number, expectedLength: number): void {
  if (b.length !== expectedLength) throw corrupt(path, `file is ${b.length} bytes, expected ${expectedLength}`);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (dv.getUint32(0, true) !== magic) throw corrupt(path, "bad magic number");
  if (dv.getUint32(b.length - 4, true) !== crc32c(b, 0, 0, b.length - 4)) throw corrupt(path, "checksum mismatch");
}

function corrupt(path: string, why: string): KodiakError {
  return new KodiakError(SqlState.dataCorrupted, `log state file ${path} is corrupt: ${why}`, {
    hint: "this file is only ever replaced atomically, so this is media corruption, not a torn write; restore the node from a peer",
    where: "log",
  });
}

/** Reads a state file; undefined if it does not exist. */
export function readStateFile(fs: FileSystem, dir: string, name: string): Uint8Array | undefined {
  const path = join(dir, name);
  return fs.exists(path) ? fs.readFile(path) : undefined;
}

/**
 * First half of an atomic replace: writes dir/name.tmp (not yet durable). A failure here (disk
 * full) leaves the current file untouched, so the caller may carry on.
 */
export function writeTempStateFile(fs: FileSystem, dir: string, name: string, bytes: Uint8Array): FileHandle {
  const f = fs.open(join(dir, name + TEMP_SUFFIX), { create: true });
  try {
    f.truncate(0);
    f.write(bytes, 0, bytes.length, 0);
  } catch (e) {
    f.close();
    throw e;
  }
  return f;
}

/**
 * Second half: fsync the temp file, rename it over dir/name, fsync the directory. Returns the
 * number of fsyncs spent. After a failure here the caller cannot know which file a crash would
 * leave, so it must stop writing.
 */
export async function commitTempStateFile(fs: FileSystem, dir: string, name: string, tmp: FileHandle): Promise<number> {
  try {
    await tmp.fsync();
  } finally {
    tmp.close();
  }
  fs.rename(join(dir, name + TEMP_SUFFIX), join(dir, name));
  await fs.fsyncDir(dir);
  return 2;
}
