// The durable Raft log (the WAL) as the node runtime sees it. Implemented by node/log/ over the
// FileSystem seam; a RaftStorage view of it is handed to the Raft core.

import type { Logger } from "../../util/index.js";
import type { Entry, HardState, RaftStorage, Snapshot, SnapshotMetadata } from "../raft/types.js";

export interface WalStats {
  firstIndex: number;
  lastIndex: number;
  segments: number;
  bytes: number;
  fsyncs: number;
  /** Entries held in the bounded in-memory cache (metric kodiak_log_cache_entries). */
  cachedEntries: number;
  /** Data bytes held by the cache (kodiak_log_cache_bytes) and the cache's two bounds. */
  cachedBytes?: number;
  cacheMaxEntries?: number;
  cacheMaxBytes?: number;
  /** Set once an fsync failed: the log refuses all writes until the node restarts. */
  failed?: boolean;
}

export interface Wal {
  /** Read-only view handed to the Raft core. */
  readonly storage: RaftStorage;
  /**
   * Appends entries (after truncating any conflicting suffix: entries[0].index may be <= lastIndex)
   * and sets the hard state if given. Resolves only once both are durable (fsynced). Concurrent
   * calls are group-committed: one fsync covers all appends waiting on it.
   */
  save(hardState: HardState | undefined, entries: Entry[], options?: SaveOptions): Promise<void>;
  /** Installs a snapshot received from the leader: drops the log up to and including its index. */
  applySnapshot(snapshot: Snapshot): Promise<void>;
  /** Records that the state machine has a durable image at `meta` (checkpoint); entries <= compactIndex may be dropped. */
  compact(compactIndex: number, meta: SnapshotMetadata): Promise<void>;
  stats(): WalStats;
  close(): Promise<void>;
}

export interface SaveOptions {
  /**
   * false: a save that carries only a new commit index (no entries, same term and vote) resolves
   * once written, without waiting for an fsync; the next synced save (or close) makes it durable.
   * Pass Ready.mustSync here: Raft never needs the commit index durable before it sends (etcd
   * does the same), and this saves one fsync per replicated write on every node. Saves with
   * entries or a new term/vote are always fsynced. Default true.
   */
  sync?: boolean;
}

/** Tuning of openWal(); every bound has a named default next to the code that uses it. */
export interface WalOptions {
  /** Where recovery reports what it cut (default: a JSON logger with component "log"). */
  logger?: Logger;
  /** Size at which the active segment is closed and a new one started (default SEGMENT_MAX_BYTES). */
  segmentMaxBytes?: number;
  /** Bound on entries written under one fsync (default BATCH_MAX_ENTRIES). */
  batchMaxEntries?: number;
  /** Bound on record bytes written under one fsync (default BATCH_MAX_BYTES). */
  batchMaxBytes?: number;
  /** Bounds of the in-memory entry cache (defaults CACHE_MAX_ENTRIES, CACHE_MAX_BYTES). */
  cacheMaxEntries?: number;
  cacheMaxBytes?: number;
  /**
   * The state machine image RaftStorage.snapshot() returns with the log's snapshot metadata. The log
   * keeps only the metadata; the image lives in storage (default: empty data).
   */
  snapshotData?: () => Uint8Array;
}
