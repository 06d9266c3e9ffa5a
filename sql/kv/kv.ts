// What the SQL engine needs from the replicated key/value store: snapshot reads at a timestamp
// and an atomic, validated commit. Implemented in memory here (memory.ts) and by the Raft-backed
// store elsewhere. Keys compare as unsigned bytes; timestamps are commit timestamps (bigint).

export type Key = Uint8Array;

export interface KvEntry {
  readonly key: Key;
  readonly value: Uint8Array;
  /** Commit timestamp of the version read. */
  readonly version: bigint;
}

/** An entry yielded by a scan. */
export interface KvScanEntry {
  readonly key: Key;
  readonly value: Uint8Array;
  readonly version?: bigint;
}

/** A half-open key range [start, end). */
export interface KeyRange {
  readonly start: Key;
  readonly end: Key;
  /** Set by the planner when no key but `start` can be in the range: read it with a point get. */
  readonly exact?: boolean;
}

export interface CommitRequest {
  /** Snapshot timestamp the transaction read at. */
  readonly readTs: bigint;
  /** Keys read with the version seen (0n = absent). Any newer committed version aborts (40001). */
  readonly reads: ReadonlyMap<string, { readonly key: Key; readonly version: bigint }>;
  /** Ranges scanned: any version committed after readTs inside one aborts (40001) — prevents phantoms and write skew. */
  readonly ranges: readonly KeyRange[];
  /** Writes; value null deletes. */
  readonly writes: ReadonlyMap<string, { readonly key: Key; readonly value: Uint8Array | null }>;
}

export interface KvStore {
  /** Timestamp of the newest committed version: a snapshot at it sees every committed write. */
  snapshotTimestamp(): bigint;
  /** The newest version of key visible at ts, or undefined if absent/deleted. */
  get(key: Key, ts: bigint): KvEntry | undefined;
  /** Versions visible at ts for keys in [start, end), in key order (the version is optional: scans record ranges, not versions). */
  scan(range: KeyRange, ts: bigint): Iterable<KvScanEntry>;
  /** Validates reads and ranges against commits after readTs and applies the writes atomically. Throws 40001 on conflict. */
  commit(request: CommitRequest): Promise<bigint>;
  /**
   * Unique ids, never reused. With a sequence name, ids of that sequence (SERIAL columns) count up
   * from 1 where the store supports it; stores may ignore the name and hand out global ids.
   */
  allocateId(sequence?: string): bigint;
}
