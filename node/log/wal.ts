// The segmented Raft log, the node's only write-ahead log: group-committed appends, conflict
// truncation, compaction and snapshot install over the FileSystem seam. Must never resolve a
// save() before everything it wrote is fsynced, and never write again after an fsync failed.
//
// Invariants (checked where they are established):
//   1. index covers exactly [meta.compactIndex + 1, lastIndex]; every entry in it is in a fsynced record.
//   2. hardState is what a restart would recover (term, vote from the hard state file; commit from
//      that file, commit records and the snapshot, whichever is highest) — except that a commit
//      saved with sync: false may come back lower until the next fsync.
//   3. Segments are numbered consecutively; only the last (active) one is appended to, and a new
//      one is started only after every byte of the previous one is fsynced (unsynced commit
//      records included), so only the last segment can ever have a torn tail.
//   4. Mutations (flush, compact, applySnapshot, close) run one at a time on `serial`.
//
// On disk: hard state and term/vote changes go through an atomically replaced file, written
// before the batch's records. A commit-only change is a small commit record in the batch
// instead, so the common case (new entries + new commit) costs one fsync.

import { join } from "node:path";
import {
  AssertionFailure,
  assert,
  createLogger,
  type FileHandle,
  type FileSystem,
  KodiakError,
  type LockHandle,
  type Logger,
  SqlState,
  toKodiakError,
} from "../../util/index.js";
import type { Entry, HardState, Snapshot, SnapshotMetadata } from "../raft/types.js";
import type { SaveOptions, Wal, WalOptions, WalStats } from "./api.js";
import { CACHE_MAX_BYTES, CACHE_MAX_ENTRIES, EntryCache } from "./entry-cache.js";
import type { EntryIndex } from "./entry-index.js";
import { type OpenSegment, recoverLog } from "./recovery.js";
import {
  COMMIT_RECORD_BYTES,
  ENTRY_PAYLOAD_FIXED_BYTES,
  encodeCommitRecord,
  encodeEntryRecord,
  entryRecordBytes,
  RECORD_PAYLOAD_MAX_BYTES,
  segmentSeed,
} from "./record.js";
import { SEGMENT_MAX_BYTES, segmentPath } from "./segments.js";
import { LogStorageView } from "./storage-view.js";
import {
  commitTempStateFile,
  encodeHardState,
  encodeLogMeta,
  HARD_STATE_FILE,
  LOG_META_FILE,
  type LogMeta,
  writeTempStateFile,
} from "./state-file.js";

/** Bounds of one group commit: entries and record bytes covered by one fsync (at least one save). */
export const BATCH_MAX_ENTRIES = 4096;
export const BATCH_MAX_BYTES = 4 * 1024 * 1024;
/** Bound on saves waiting for a flush; beyond it save() fails fast with 53000. */
export const PENDING_MAX_SAVES = 65536;
/** Largest entry data a save accepts. */
export const ENTRY_DATA_MAX_BYTES = RECORD_PAYLOAD_MAX_BYTES - ENTRY_PAYLOAD_FIXED_BYTES;
const LOCK_FILE = "LOCK";

// How the bounds relate: any single entry fits a batch's record budget check (a batch always takes
// at least one save), and a batch cannot overflow a segment by more than the segment itself.
assert(BATCH_MAX_BYTES <= SEGMENT_MAX_BYTES, "a batch fits in a segment");
assert(RECORD_PAYLOAD_MAX_BYTES < 2 ** 32, "record lengths fit the u32 length field");
assert(CACHE_MAX_BYTES >= BATCH_MAX_BYTES, "the cache can hold at least one full batch");

interface SaveRequest {
  hardState: HardState | undefined;
  entries: Entry[];
  /** False only for a commit-only save whose caller does not need it durable yet (SaveOptions.sync). */
  sync: boolean;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/** Raft's two promises about term and vote, checked where they reach the disk. */
function hardStateError(prev: HardState, next: HardState | undefined): Error | undefined {
  if (next === undefined) return undefined;
  if (next.term < prev.term) return new AssertionFailure(`hard state term goes back from ${prev.term} to ${next.term}`);
  if (next.term === prev.term && prev.vote !== 0 && next.vote !== prev.vote) {
    return new AssertionFailure(`vote changes from ${prev.vote} to ${next.vote} within term ${prev.term}`);
  }
  return undefined;
}

interface Limits {
  segmentMaxBytes: number;
  batchMaxEntries: number;
  batchMaxBytes: number;
  cacheMaxEntries: number;
  cacheMaxBytes: number;
}

function resolveLimits(o: WalOptions): Limits {
  return {
    segmentMaxBytes: positive(o.segmentMaxBytes, SEGMENT_MAX_BYTES, "segmentMaxBytes"),
    batchMaxEntries: positive(o.batchMaxEntries, BATCH_MAX_ENTRIES, "batchMaxEntries"),
    batchMaxBytes: positive(o.batchMaxBytes, BATCH_MAX_BYTES, "batchMaxBytes"),
    cacheMaxEntries: positive(o.cacheMaxEntries, CACHE_MAX_ENTRIES, "cacheMaxEntries"),
    cacheMaxBytes: positive(o.cacheMaxBytes, CACHE_MAX_BYTES, "cacheMaxBytes"),
  };
}

function positive(v: number | undefined, fallback: number, what: string): number {
  if (v === undefined) return fallback;
  if (!Number.isSafeInteger(v) || v < 1)
    throw new KodiakError(SqlState.invalidParameterValue, `log option ${what} must be a positive integer, got ${v}`);
  return v;
}

/** Opens (recovering if needed) the log in `dir`, creating it if absent. Takes the directory's lock. */
export async function openWal(fs: FileSystem, dir: string, options: WalOptions = {}): Promise<Wal> {
  const limits = resolveLimits(options);
  const logger = options.logger ?? createLogger("log");
  fs.mkdirp(dir);
  const lock = fs.lock(join(dir, LOCK_FILE));
  try {
    const recovered = await recoverLog(fs, dir, logger);
    return new SegmentedWal(fs, dir, options, limits, logger, lock, recovered);
  } catch (e) {
    lock.release();
    throw e;
  }
}

class SegmentedWal implements Wal {
  readonly storage: LogStorageView;
  private hardState: HardState;
  private meta: LogMeta;
  private readonly index: EntryIndex;
  private readonly cache: EntryCache;
  private segments: OpenSegment[];
  private fsyncs: number;
  private readonly pending: SaveRequest[] = [];
  private flushQueued = false;
  private serialTail: Promise<void> = Promise.resolve();
  /** Set when an fsync (or a rollback) failed: the page cache can no longer be trusted. */
  private failed: KodiakError | undefined;
  private closed = false;
  /** A segment was created and its directory entry is not yet durable. */
  private dirDirty = false;
  /** The active segment ends in commit records written without fsync (SaveOptions.sync false). */
  private unsynced = false;
  private readonly segmentMaxBytes: number;
  private readonly batchMaxEntries: number;
  private readonly batchMaxBytes: number;

  constructor(
    private readonly fs: FileSystem,
    private readonly dir: string,
    options: WalOptions,
    limits: Limits,
    private readonly logger: Logger,
    private readonly lock: LockHandle,
    recovered: Awaited<ReturnType<typeof recoverLog>>,
  ) {
    this.hardState = recovered.hardState;
    this.meta = recovered.meta;
    this.index = recovered.index;
    this.segments = recovered.segments;
    this.fsyncs = recovered.fsyncs;
    this.segmentMaxBytes = limits.segmentMaxBytes;
    this.batchMaxEntries = limits.batchMaxEntries;
    this.batchMaxBytes = limits.batchMaxBytes;
    this.cache = new EntryCache(limits.cacheMaxEntries, limits.cacheMaxBytes);
    const snapshotData = options.snapshotData ?? (() => new Uint8Array(0));
    this.storage = new LogStorageView({
      index: this.index,
      cache: this.cache,
      meta: () => this.meta,
      hardState: () => this.hardState,
      segmentHandle: (seq) => this.segments.find((s) => s.seq === seq)?.handle,
      snapshotData,
    });
  }

  save(hardState: HardState | undefined, entries: Entry[], options: SaveOptions = {}): Promise<void> {
    const refused = this.writeRefusal();
    if (refused) return Promise.reject(refused);
    if (hardState === undefined && entries.length === 0) return Promise.resolve();
    for (const e of entries) {
      if (e.data.length > ENTRY_DATA_MAX_BYTES) {
        return Promise.reject(
          new KodiakError(
            SqlState.programLimitExceeded,
            `log entry ${e.index} is ${e.data.length} bytes; the limit is ${ENTRY_DATA_MAX_BYTES}`,
          ),
        );
      }
    }
    if (this.pending.length >= PENDING_MAX_SAVES) {
      return Promise.reject(new KodiakError(SqlState.insufficientResources, `too many log appends waiting (${PENDING_MAX_SAVES})`));
    }
    return new Promise<void>((resolve, reject) => {
      this.pending.push({
        hardState: hardState === undefined ? undefined : { ...hardState },
        entries: [...entries],
        sync: options.sync !== false || entries.length > 0,
        resolve,
        reject,
      });
      this.scheduleFlush();
    });
  }

  applySnapshot(snapshot: Snapshot): Promise<void> {
    return this.serial(() => this.installSnapshot(snapshot.metadata));
  }

  compact(compactIndex: number, meta: SnapshotMetadata): Promise<void> {
    return this.serial(() => this.compactTo(compactIndex, meta));
  }

  stats(): WalStats {
    return {
      firstIndex: this.meta.compactIndex + 1,
      lastIndex: this.index.last,
      segments: this.segments.length,
      bytes: this.segments.reduce((n, s) => n + s.bytes, 0),
      fsyncs: this.fsyncs,
      cachedEntries: this.cache.size,
      cachedBytes: this.cache.bytes,
      cacheMaxEntries: this.cache.maxEntries,
      cacheMaxBytes: this.cache.maxBytes,
      failed: this.failed !== undefined,
    };
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return this.serial(async () => {
      try {
        if (this.failed) this.rejectPending(this.failed);
        while (this.pending.length > 0) await this.writeBatch(this.takeBatch());
        if (this.unsynced && !this.failed) await this.syncActive(this.segments.at(-1) as OpenSegment);
      } finally {
        for (const s of this.segments) s.handle.close();
        this.lock.release();
      }
    });
  }

  // ---- group commit ----

  private writeRefusal(): KodiakError | undefined {
    if (this.closed) return new KodiakError(SqlState.objectNotInPrerequisiteState, `log ${this.dir} is closed`);
    return this.failed;
  }

  /** Runs fn after every mutation queued before it; errors go to fn's caller only. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.serialTail.then(() => {
      if (this.failed && !this.closed) throw this.failed;
      return fn();
    });
    this.serialTail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private scheduleFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    // Queued behind the running flush, so every save arriving during an fsync joins the next batch.
    this.serial(() => this.flushNextBatch()).catch((e: unknown) => this.rejectPending(e));
  }

  private async flushNextBatch(): Promise<void> {
    this.flushQueued = false;
    const batch = this.takeBatch();
    try {
      await this.writeBatch(batch);
    } finally {
      if (this.pending.length > 0) this.scheduleFlush();
    }
  }

  private rejectPending(e: unknown): void {
    for (const r of this.pending.splice(0)) r.reject(e);
  }

  private takeBatch(): SaveRequest[] {
    let entries = 0;
    let bytes = 0;
    let n = 0;
    for (const r of this.pending) {
      const rBytes = r.entries.reduce((sum, e) => sum + entryRecordBytes(e), 0);
      if (n > 0 && (entries + r.entries.length > this.batchMaxEntries || bytes + rBytes > this.batchMaxBytes)) break;
      entries += r.entries.length;
      bytes += rBytes;
      n++;
    }
    return this.pending.splice(0, n);
  }

  /** Validates each save against the log as the saves before it leave it; rejects the invalid ones. */
  private planBatch(batch: SaveRequest[]): { accepted: SaveRequest[]; hardState: HardState } {
    let last = this.index.last;
    let hardState = this.hardState;
    const accepted: SaveRequest[] = [];
    for (const r of batch) {
      r.entries = r.entries.filter((e) => e.index > this.meta.compactIndex); // older ones are in the snapshot
      const err = this.appendError(r, last, hardState.commit) ?? hardStateError(hardState, r.hardState);
      if (err) {
        r.reject(err);
        continue;
      }
      accepted.push(r);
      last = r.entries.at(-1)?.index ?? last;
      if (r.hardState) hardState = r.hardState;
    }
    return { accepted, hardState };
  }

  private appendError(r: SaveRequest, last: number, commit: number): Error | undefined {
    const first = r.entries[0];
    if (first !== undefined) {
      if (first.index > last + 1) {
        return new KodiakError(SqlState.objectNotInPrerequisiteState, `log append at ${first.index} leaves a gap after last index ${last}`);
      }
      if (first.index <= commit && !this.sameAsDurable(first)) {
        return new AssertionFailure(`log append at ${first.index} would overwrite committed entries (commit ${commit})`);
      }
      for (let i = 1; i < r.entries.length; i++) {
        if ((r.entries[i] as Entry).index !== first.index + i) return new AssertionFailure("log append with non-consecutive indexes");
      }
    }
    const newLast = r.entries.at(-1)?.index ?? last;
    if (r.hardState && r.hardState.commit > newLast) {
      return new AssertionFailure(`hard state commit ${r.hardState.commit} beyond last log index ${newLast}`);
    }
    return undefined;
  }

  /** A rewrite of a committed entry with its own term is harmless (log matching); anything else is a bug. */
  private sameAsDurable(e: Entry): boolean {
    return e.index > this.meta.compactIndex && e.index <= this.index.last && this.index.term(e.index) === e.term;
  }

  private async writeBatch(batch: SaveRequest[]): Promise<void> {
    if (this.failed) {
      for (const r of batch) r.reject(this.failed);
      return;
    }
    const { accepted, hardState } = this.planBatch(batch);
    if (accepted.length === 0) return;
    try {
      const termOrVote = hardState.term !== this.hardState.term || hardState.vote !== this.hardState.vote;
      if (termOrVote) {
        // Term and vote durable before any entry of the batch: a log never runs ahead of its term.
        const next = { term: hardState.term, vote: hardState.vote, commit: this.hardState.commit };
        await this.replaceStateFile(HARD_STATE_FILE, encodeHardState(next));
        this.hardState = next;
      }
      // Commit never moves back (recovery takes the highest value anyway).
      const commit = hardState.commit > this.hardState.commit ? hardState.commit : undefined;
      await this.appendRecords(accepted, commit, termOrVote || accepted.some((r) => r.sync));
      if (commit !== undefined) this.hardState = { ...this.hardState, commit };
    } catch (e) {
      for (const r of accepted) r.reject(e);
      return;
    }
    for (const r of accepted) r.resolve();
  }

  /** Writes the batch's records with one write and one fsync, then makes them visible. */
  private async appendRecords(accepted: SaveRequest[], commit: number | undefined, sync: boolean): Promise<void> {
    let length = commit === undefined ? 0 : COMMIT_RECORD_BYTES;
    for (const r of accepted) for (const e of r.entries) length += entryRecordBytes(e);
    if (length === 0) return;
    const seg = await this.rotateIfFull();
    const seed = segmentSeed(seg.seq);
    const buf = new Uint8Array(length);
    const offsets: number[] = [];
    let at = 0;
    for (const r of accepted) {
      for (const e of r.entries) {
        offsets.push(seg.bytes + at);
        at = encodeEntryRecord(buf, at, e, seed);
      }
    }
    if (commit !== undefined) at = encodeCommitRecord(buf, at, commit, seed);
    try {
      seg.handle.write(buf, 0, length, seg.bytes);
    } catch (e) {
      this.rollback(seg, e);
      throw e;
    }
    if (sync) await this.syncActive(seg);
    else this.unsynced = true; // only commit records: invariant 1 holds (no entry is unsynced)
    seg.bytes += length;
    let k = 0;
    for (const r of accepted) {
      for (const e of r.entries) {
        this.index.truncateFrom(e.index);
        this.cache.truncateFrom(e.index);
        this.index.append(e.index, { term: e.term, segmentSeq: seg.seq, offset: offsets[k++] as number, recordBytes: entryRecordBytes(e) });
        this.cache.append(e);
      }
    }
  }

  /** A failed write (disk full) may have left part of the batch: cut the file back to its records. */
  private rollback(seg: OpenSegment, cause: unknown): void {
    try {
      seg.handle.truncate(seg.bytes);
    } catch (e) {
      this.poison(e);
    }
    this.logger.warn({ file: seg.handle.path, error: toKodiakError(cause).message }, "log append failed; nothing acknowledged");
  }

  /** Atomic replace of a state file. Disk full while writing the temp file leaves the log usable. */
  private async replaceStateFile(name: string, bytes: Uint8Array): Promise<void> {
    const tmp = writeTempStateFile(this.fs, this.dir, name, bytes);
    this.fsyncs += await this.guard(() => commitTempStateFile(this.fs, this.dir, name, tmp));
  }

  /**
   * Runs a step whose failure leaves the disk in an unknown state (fsync, rename): poisons the log.
   * After a failed fsync the kernel may have dropped the dirty pages, so retrying could ack lost data.
   */
  private async guard<T>(step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (e) {
      this.poison(e);
      throw e;
    }
  }

  private poison(e: unknown): void {
    if (this.failed) return;
    const cause = toKodiakError(e);
    this.failed = new KodiakError(cause.code, `log ${this.dir} stopped accepting writes after an I/O failure: ${cause.message}`, {
      where: "log",
      hint: "restart the node; recovery will re-read what is durable",
    });
    this.logger.error({ dir: this.dir, error: cause.message }, "log failed; refusing further writes");
  }

  /** fsyncs the active segment (and the directory, if a segment was created since the last time). */
  private async syncActive(seg: OpenSegment): Promise<void> {
    await this.guard(async () => {
      await seg.handle.fsync();
      this.fsyncs++;
      this.unsynced = false;
      if (this.dirDirty) {
        await this.fs.fsyncDir(this.dir);
        this.fsyncs++;
        this.dirDirty = false;
      }
    });
  }

  /** Rotation happens between batches, so a segment may exceed the limit by up to one batch. */
  private async rotateIfFull(): Promise<OpenSegment> {
    const active = this.segments.at(-1) as OpenSegment;
    if (active.bytes < this.segmentMaxBytes) return active;
    if (this.unsynced) await this.syncActive(active); // invariant 3: nothing unsynced behind the active segment
    const seq = active.seq + 1;
    const next: OpenSegment = { seq, handle: this.fs.open(segmentPath(this.dir, seq), { create: true, exclusive: true }), bytes: 0 };
    this.segments.push(next);
    this.dirDirty = true;
    return next;
  }

  // ---- compaction and snapshots ----

  private async compactTo(compactIndex: number, snapshot: SnapshotMetadata): Promise<void> {
    if (compactIndex > this.index.last) {
      throw new KodiakError(SqlState.objectNotInPrerequisiteState, `cannot compact to ${compactIndex}: last index is ${this.index.last}`);
    }
    if (compactIndex > snapshot.index) {
      throw new KodiakError(
        SqlState.objectNotInPrerequisiteState,
        `cannot compact to ${compactIndex}: the state machine image is at ${snapshot.index}`,
      );
    }
    const target = Math.max(compactIndex, this.meta.compactIndex);
    const newer = snapshot.index > this.meta.snapshot.index;
    if (target === this.meta.compactIndex && !newer) return;
    const active = this.segments.at(-1) as OpenSegment;
    const keepFrom = target < this.index.last ? this.index.get(target + 1).segmentSeq : active.seq;
    const meta: LogMeta = {
      snapshot: newer ? snapshot : this.meta.snapshot,
      compactIndex: target,
      compactTerm: this.storage.term(target),
      firstSegmentSeq: keepFrom,
    };
    await this.replaceStateFile(LOG_META_FILE, encodeLogMeta(meta));
    this.meta = meta;
    this.index.dropBefore(target + 1);
    this.cache.dropBefore(target + 1);
    await this.dropSegmentsBelow(keepFrom);
  }

  private async installSnapshot(snapshot: SnapshotMetadata): Promise<void> {
    if (snapshot.index < this.meta.compactIndex) {
      throw new KodiakError(
        SqlState.objectNotInPrerequisiteState,
        `snapshot at ${snapshot.index} is older than the log's compaction point ${this.meta.compactIndex}`,
      );
    }
    // A fresh segment, then metadata saying everything before it is garbage, then delete the garbage.
    const active = this.segments.at(-1) as OpenSegment;
    const seq = active.seq + 1;
    const next: OpenSegment = { seq, handle: this.fs.open(segmentPath(this.dir, seq), { create: true, exclusive: true }), bytes: 0 };
    this.segments.push(next);
    this.dirDirty = true; // until the metadata replace below fsyncs the directory
    const meta: LogMeta = { snapshot, compactIndex: snapshot.index, compactTerm: snapshot.term, firstSegmentSeq: seq };
    await this.replaceStateFile(LOG_META_FILE, encodeLogMeta(meta));
    this.dirDirty = false;
    this.meta = meta;
    this.hardState = { ...this.hardState, commit: Math.max(this.hardState.commit, snapshot.index) };
    this.index.reset(snapshot.index + 1);
    this.cache.clear();
    await this.dropSegmentsBelow(seq);
  }

  private async dropSegmentsBelow(seq: number): Promise<void> {
    const drop = this.segments.filter((s) => s.seq < seq);
    if (drop.length === 0) return;
    this.segments = this.segments.filter((s) => s.seq >= seq);
    for (const s of drop) {
      s.handle.close();
      this.fs.unlink(s.handle.path);
    }
    // Not needed for correctness (open deletes segments below firstSegmentSeq), only to free space promptly.
    await this.guard(() => this.fs.fsyncDir(this.dir));
    this.fsyncs++;
  }

  /** For tests: the handle of a segment, to check what is on disk. */
  segmentFile(seq: number): FileHandle | undefined {
    return this.segments.find((s) => s.seq === seq)?.handle;
  }
}
