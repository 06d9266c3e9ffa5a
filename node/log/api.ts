// The durable Raft log (the WAL) as the node runtime sees it. Implemented by node/log/ over the
// FileSystem seam; a RaftStorage view of it is handed to the Raft core.

import type { Entry, HardState, RaftStorage, Snapshot, SnapshotMetadata } from "../raft/types.js";

export interface WalStats {
  firstIndex: number;
  lastIndex: number;
  segments: number;
  bytes: number;
  fsyncs: number;
  /** Entries held in the bounded in-memory cache (metric kodiak_log_cache_entries). */
  cachedEntries: number;
}

export interface Wal {
  /** Read-only view handed to the Raft core. */
  readonly storage: RaftStorage;
  /**
   * Appends entries (after truncating any conflicting suffix: entries[0].index may be <= lastIndex)
   * and sets the hard state if given. Resolves only once both are durable (fsynced). Concurrent
   * calls are group-committed: one fsync covers all appends waiting on it.
   */
  save(hardState: HardState | undefined, entries: Entry[]): Promise<void>;
  /** Installs a snapshot received from the leader: drops the log up to and including its index. */
  applySnapshot(snapshot: Snapshot): Promise<void>;
  /** Records that the state machine has a durable image at `meta` (checkpoint); entries <= compactIndex may be dropped. */
  compact(compactIndex: number, meta: SnapshotMetadata): Promise<void>;
  stats(): WalStats;
  close(): Promise<void>;
}
