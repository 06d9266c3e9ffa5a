// The MVCC store over one data directory: validates and normalizes write batches, serves reads at
// snapshot timestamps, GC, checkpoints and recovery metadata. Timestamps and log indexes always
// come from the caller (the Raft entry); this file never reads a clock.

import { assert, type FileSystem, KodiakError, SqlState } from "../util/index.js";
import { Cursor, type ScanOptions } from "./cursor.js";
import {
  asBuffer,
  checkKey,
  checkTimestamp,
  checkValue,
  DEFAULT_PAGE_SIZE,
  Kind,
  MAX_PAGE_SIZE,
  MAX_TS,
  MIN_PAGE_SIZE,
  maxInlineValueBytes,
  compareBytes,
} from "./format.js";
import type { TreeMode } from "./manifest.js";
import { type Cell, encodeRdEnd } from "./nodes.js";
import { Pager, type PagerStats } from "./pager.js";
import { effectiveVersions, getAt, keyEvents, loadWindow } from "./read.js";
import { BulkLoader, overflowRefs, treePages, versionRecords } from "./bulk.js";
import { GcSweep } from "./gc.js";
import { loadChunks, type SnapshotMeta, snapshotChunks } from "./snapshot.js";
import { Tree } from "./tree.js";

export const DEFAULT_CACHE_BYTES = 256 * 1024 * 1024;
/** Default internal-node fanout in betree mode: small, so each flush moves many messages per child. */
export const DEFAULT_BETREE_FANOUT = 16;
/** btree mode: fanout limited only by the page. */
export const BTREE_FANOUT = 65535;
/** Messages applied between cache relief points inside one large batch. */
const APPLY_CHUNK = 256;

export interface StoreOptions {
  /** Page size for a new store (ignored when opening an existing one). Power of two, 4 KiB..64 KiB. */
  pageSize?: number;
  /** Page cache bound in bytes (default 256 MiB). */
  cacheBytes?: number;
  /** "betree" (default) or "btree" (no buffers, the baseline); fixed at creation. */
  mode?: TreeMode;
  /** Internal-node fanout for betree mode (default 16); fixed at creation. */
  fanout?: number;
}

export type WriteOp =
  | { type: "put"; key: Uint8Array; value: Uint8Array }
  | { type: "delete"; key: Uint8Array }
  /** Deletes every key in [start, end); end undefined = to the end of the key space. */
  | { type: "deleteRange"; start: Uint8Array; end?: Uint8Array };

export interface StoreStats extends PagerStats {
  livePages: number;
  appliedIndex: number;
  lastCommitTs: number;
}

export const SNAPSHOT_TOO_OLD = "72000";

export class Store {
  private failure: unknown;
  private closed = false;
  private inflight: Promise<void> | undefined;

  /** @internal use openStore */
  private readonly sweep: GcSweep;

  constructor(
    readonly pager: Pager,
    readonly tree: Tree,
  ) {
    this.sweep = new GcSweep(tree);
  }

  get appliedIndex(): number {
    return this.pager.meta.appliedIndex;
  }
  get lastCommitTs(): number {
    return this.pager.meta.lastCommitTs;
  }
  get retentionTs(): number {
    return this.tree.retentionTs;
  }
  get mode(): TreeMode {
    return this.tree.mode;
  }
  get pageSize(): number {
    return this.pager.pageSize;
  }
  get dir(): string {
    return this.pager.dir;
  }

  private usable(): void {
    if (this.closed) throw new KodiakError(SqlState.objectNotInPrerequisiteState, "store is closed");
    if (this.failure !== undefined) {
      throw new KodiakError(
        SqlState.objectNotInPrerequisiteState,
        "store failed during a write and must be reopened (recovery replays the log)",
        {
          detail: String(this.failure),
        },
      );
    }
  }

  private readable(ts: number): void {
    this.usable();
    if (ts < this.tree.retentionTs) {
      throw new KodiakError(
        SNAPSHOT_TOO_OLD,
        `snapshot too old: timestamp ${ts} is below the GC retention timestamp ${this.tree.retentionTs}`,
      );
    }
    this.pager.relieve();
  }

  /** Value of key visible at snapshot ts (default: latest), or undefined. */
  get(key: Uint8Array, ts: number = MAX_TS): Buffer | undefined {
    this.readable(ts);
    return getAt(this.tree, asBuffer(key), ts);
  }

  /** Ordered iterator over a key range at snapshot ts (default: latest). */
  scan(opts: ScanOptions = {}, ts: number = MAX_TS): Cursor {
    this.readable(ts);
    return new Cursor(this.tree, opts, ts, () => this.readable(ts));
  }

  /**
   * Applies one batch atomically at commitTs (strictly greater than every earlier batch's), in
   * order: later operations in the batch see earlier ones. Records appliedIndex when given.
   */
  writeBatch(ops: readonly WriteOp[], commitTs: number, appliedIndex?: number): void {
    this.usable();
    checkTimestamp(commitTs, "commit timestamp");
    if (ops.length > 0 && commitTs <= this.lastCommitTs) {
      throw new KodiakError(
        SqlState.invalidParameterValue,
        `commit timestamp ${commitTs} is not after the last one (${this.lastCommitTs})`,
      );
    }
    if (appliedIndex !== undefined) this.checkIndex(appliedIndex);
    const msgs = this.normalize(ops, commitTs);
    this.pager.relieve();
    try {
      this.moveLargeValues(msgs);
      for (let i = 0; i < msgs.length; i += APPLY_CHUNK) {
        if (i > 0) this.pager.relieve();
        this.tree.apply(msgs.slice(i, i + APPLY_CHUNK));
      }
    } catch (e) {
      this.failure = e;
      throw e;
    }
    if (ops.length > 0) this.pager.meta.lastCommitTs = commitTs;
    if (appliedIndex !== undefined) this.pager.meta.appliedIndex = appliedIndex;
  }

  /** Puts too large for a leaf cell: the value goes to overflow pages, the cell keeps a reference. */
  private moveLargeValues(msgs: Cell[]): void {
    for (const m of msgs) {
      if (m.kind === Kind.Put && m.value.length > maxInlineValueBytes(this.pageSize, m.key.length)) {
        m.value = this.pager.writeOverflow(m.value);
        m.kind = Kind.PutOverflow;
      }
    }
  }

  /** Records that the log entry at index was applied (entries without writes). */
  setAppliedIndex(index: number): void {
    this.usable();
    this.checkIndex(index);
    this.pager.meta.appliedIndex = index;
  }

  private checkIndex(index: number): void {
    checkTimestamp(index, "applied index");
    if (index < this.appliedIndex)
      throw new KodiakError(SqlState.invalidParameterValue, `applied index ${index} is below ${this.appliedIndex}`);
  }

  /** Range deletes first, then the final point operation per key (writes covered by a later range delete become tombstones). */
  private normalize(ops: readonly WriteOp[], ts: number): Cell[] {
    if (!ops.some((op) => op.type === "deleteRange")) return this.normalizePoints(ops, ts);
    const ps = this.pageSize;
    const points = new Map<string, Cell>();
    const rds: Cell[] = [];
    for (const op of ops) {
      if (op.type === "deleteRange") {
        checkKey(op.start, ps, "range start");
        if (op.end !== undefined) checkKey(op.end, ps, "range end");
        const start = asBuffer(op.start);
        const end = op.end === undefined ? undefined : asBuffer(op.end);
        if (end !== undefined && compareBytes(start, end) >= 0) continue;
        for (const c of points.values()) {
          if (c.kind === Kind.Put && compareBytes(c.key, start) >= 0 && (end === undefined || compareBytes(c.key, end) < 0)) {
            c.kind = Kind.Tombstone;
            c.value = EMPTY;
          }
        }
        rds.push({ key: start, ts, kind: Kind.RangeDelete, value: encodeRdEnd(end) });
        continue;
      }
      checkKey(op.key, ps);
      const key = asBuffer(op.key);
      if (op.type === "put") {
        checkValue(op.key, op.value, ps);
        points.set(key.toString("latin1"), { key, ts, kind: Kind.Put, value: asBuffer(op.value) });
      } else points.set(key.toString("latin1"), { key, ts, kind: Kind.Tombstone, value: EMPTY });
    }
    const sorted = [...points.values()].sort((a, b) => compareBytes(a.key, b.key));
    return [...rds, ...sorted];
  }

  /** Batches without range deletes: sort by key (stable) and keep the last write per key. */
  private normalizePoints(ops: readonly WriteOp[], ts: number): Cell[] {
    const ps = this.pageSize;
    const cells: Cell[] = new Array(ops.length);
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i] as WriteOp;
      assert(op.type !== "deleteRange", "normalizePoints gets no range deletes");
      checkKey(op.key, ps);
      if (op.type === "put") checkValue(op.key, op.value, ps);
      cells[i] = {
        key: asBuffer(op.key),
        ts,
        kind: op.type === "put" ? Kind.Put : Kind.Tombstone,
        value: op.type === "put" ? asBuffer(op.value) : EMPTY,
      };
    }
    cells.sort((a, b) => compareBytes(a.key, b.key));
    const out: Cell[] = [];
    for (const c of cells) {
      const last = out[out.length - 1];
      if (last !== undefined && compareBytes(last.key, c.key) === 0) out[out.length - 1] = c;
      else out.push(c);
    }
    return out;
  }

  /** Newest commit timestamp of any write to key (0 if none; exact above the GC retention). */
  latestCommitTs(key: Uint8Array): number {
    this.readable(this.tree.retentionTs);
    const v = effectiveVersions(keyEvents(this.tree, asBuffer(key)));
    return v.length === 0 ? 0 : (v[0] as { ts: number }).ts;
  }

  /** Newest commit timestamp of any write to a key in [start, end) (end undefined = open). */
  maxCommitTsInRange(start: Uint8Array, end?: Uint8Array): number {
    let best = 0;
    let seek: Buffer | undefined = Buffer.from(start);
    const e = end === undefined ? undefined : Buffer.from(end);
    for (;;) {
      this.readable(this.tree.retentionTs);
      const w = loadWindow(this.tree, seek, false, false);
      if (w === undefined) return best;
      for (const ke of w.keys) {
        if (compareBytes(ke.key, start) < 0 || (e !== undefined && compareBytes(ke.key, e) >= 0)) continue;
        const v = effectiveVersions(ke.events);
        if (v.length > 0) best = Math.max(best, (v[0] as { ts: number }).ts);
      }
      if (w.hi === undefined || (e !== undefined && compareBytes(w.hi, e) >= 0)) return best;
      seek = w.hi;
    }
  }

  /**
   * Raises the GC retention timestamp (reads below it fail with 72000) and prunes versions no
   * snapshot at or above it can see, visiting at most maxPages pages per call (gc.ts: internal
   * buffers, leaves, merges of emptied leaves). Returns true when no pass is running any more.
   * Call repeatedly: readers are never blocked, each step is short.
   */
  gc(retentionTs: number, maxPages = 256): boolean {
    this.usable();
    checkTimestamp(retentionTs, "retention timestamp");
    if (retentionTs > this.tree.retentionTs) {
      this.tree.retentionTs = retentionTs;
      this.pager.meta.retentionTs = retentionTs;
      this.sweep.start();
    }
    return this.sweep.step(maxPages);
  }

  /** Leaves merged away by GC since open. */
  get leafMerges(): number {
    return this.sweep.merges;
  }

  /**
   * Makes the current state durable as of appliedIndex (default: the current one): copy-on-write
   * pages, fsync, atomic manifest replace. On failure (e.g. disk full) the previous checkpoint
   * stays intact and this store stays usable. Concurrent calls run one after another.
   */
  async checkpoint(appliedIndex?: number): Promise<void> {
    this.usable();
    // One at a time: a second caller waits for the checkpoint in flight, then takes its own.
    while (this.inflight !== undefined) await this.inflight.catch(() => undefined);
    this.usable();
    if (appliedIndex !== undefined) this.setAppliedIndex(appliedIndex);
    this.pager.meta.rootLid = this.tree.root;
    const run = this.pager.checkpoint();
    this.inflight = run;
    try {
      await run;
    } finally {
      this.inflight = undefined;
    }
  }

  /** Every retained version (ts <= lastCommitTs now), in (key asc, ts desc) order, range deletes resolved. */
  versions(): { meta: SnapshotMeta; records: Iterable<{ key: Buffer; ts: number; deleted: boolean; value: Buffer }> } {
    this.usable();
    const meta = this.snapshotMeta();
    const self = this;
    function* records() {
      for (const r of versionRecords(self.tree, meta.lastCommitTs, () => self.readable(self.tree.retentionTs))) {
        yield { key: r.key, ts: r.ts, deleted: r.kind === Kind.Tombstone, value: r.value };
      }
    }
    return { meta, records: records() };
  }

  private snapshotMeta(): SnapshotMeta {
    return { appliedIndex: this.appliedIndex, lastCommitTs: this.lastCommitTs, retentionTs: this.retentionTs };
  }

  /**
   * The state at the current applied index as checksummed chunks (Raft InstallSnapshot). Later
   * batches (higher timestamps) may be applied while the stream is consumed; they are excluded.
   */
  exportSnapshot(): { meta: SnapshotMeta; chunks: Iterable<Uint8Array> } {
    this.usable();
    const meta = this.snapshotMeta();
    const records = versionRecords(this.tree, meta.lastCommitTs, () => this.readable(this.tree.retentionTs));
    return { meta, chunks: snapshotChunks(records, meta) };
  }

  /** Replaces the whole state with a snapshot stream and checkpoints it; on any error nothing changes. */
  async importSnapshot(chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<SnapshotMeta> {
    return this.replaceContents((loader) => loadChunks(chunks, loader));
  }

  /** Builds a new tree with fill(), then swaps it in, frees the old one and checkpoints. */
  async replaceContents(fill: (loader: BulkLoader) => Promise<SnapshotMeta>): Promise<SnapshotMeta> {
    this.usable();
    const loader = new BulkLoader(this.pager, this.tree.fanout);
    let meta: SnapshotMeta;
    let root: number;
    try {
      meta = await fill(loader);
      for (const t of [meta.appliedIndex, meta.lastCommitTs, meta.retentionTs]) checkTimestamp(t, "snapshot timestamp");
      root = loader.finish();
    } catch (e) {
      loader.abort();
      throw e;
    }
    for (const ref of overflowRefs(this.pager, this.tree.root)) this.pager.freeOverflow(ref);
    for (const lid of treePages(this.pager, this.tree.root)) this.pager.free(lid);
    this.tree.root = root;
    this.tree.modCount++;
    this.tree.retentionTs = meta.retentionTs;
    this.pager.meta.appliedIndex = meta.appliedIndex;
    this.pager.meta.lastCommitTs = meta.lastCommitTs;
    this.pager.meta.retentionTs = meta.retentionTs;
    this.sweep.reset();
    await this.checkpoint();
    return meta;
  }

  stats(): StoreStats {
    return { ...this.pager.stats(), livePages: this.pager.livePages(), appliedIndex: this.appliedIndex, lastCommitTs: this.lastCommitTs };
  }

  /** Releases the directory lock. Writes after the last checkpoint are not kept (the log has them). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pager.close();
  }
}

const EMPTY = Buffer.alloc(0);

export async function openStore(fs: FileSystem, dir: string, options: StoreOptions = {}): Promise<Store> {
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(pageSize) || pageSize < MIN_PAGE_SIZE || pageSize > MAX_PAGE_SIZE || (pageSize & (pageSize - 1)) !== 0) {
    throw new KodiakError(
      SqlState.invalidParameterValue,
      `page size ${pageSize} must be a power of two between ${MIN_PAGE_SIZE} and ${MAX_PAGE_SIZE}`,
    );
  }
  const mode = options.mode ?? "betree";
  const fanout = options.fanout ?? (mode === "btree" ? BTREE_FANOUT : DEFAULT_BETREE_FANOUT);
  if (!Number.isInteger(fanout) || fanout < 3)
    throw new KodiakError(SqlState.invalidParameterValue, `fanout ${fanout} must be an integer >= 3`);
  const cacheBytes = options.cacheBytes ?? DEFAULT_CACHE_BYTES;
  const pager = await Pager.open(fs, dir, { pageSize, cacheBytes: Math.max(cacheBytes, 8 * pageSize), mode, fanout });
  const m = pager.meta;
  return new Store(pager, new Tree(pager, m.mode, m.fanout, m.rootLid, m.retentionTs));
}
