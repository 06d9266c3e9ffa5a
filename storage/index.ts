// Public API of the storage layer; other folders import only from here.
//
//   const store = await openStore(fs, dir, { pageSize, cacheBytes, mode: "betree" | "btree" });
//   store.appliedIndex              // log index of the last checkpoint after open: replay from +1
//   store.writeBatch([{ type: "put", key, value }, { type: "delete", key },
//                     { type: "deleteRange", start, end }], commitTs, logIndex)
//   store.get(key, ts)              // value visible at snapshot ts (versions committed <= ts)
//   store.scan({ start, end, prefix, reverse, limit }, ts)  // Cursor: iterator with seek()
//   store.latestCommitTs(key), store.maxCommitTsInRange(start, end)  // OCC read-set checks
//   store.gc(retentionTs, maxPages)  // raise retention; prune incrementally (true = pass done);
//                                   // in a node, TxnStoreStateMachine drives it from the log
//   await store.checkpoint(index)   // copy-on-write pages, fsync, atomic manifest replace;
//                                   // batches may be applied while it awaits (not included)
//   store.setAppliedIndex(index)    // log entries without writes
//   store.stats()                   // page cache bytes/hits/misses/evictions, pages, writes
//   store.exportSnapshot() / importSnapshot(chunks)   // checksummed chunk stream (InstallSnapshot)
//   exportArrow(store, fs, path) / importArrow(store, fs, path)  // Feather v2 (Arrow IPC file)
//   store.close()
//
// Keys are raw bytes compared in memcmp order (encode tuples with keycodec). Commit timestamps
// and log indexes are integers below 2^53 supplied by the caller, strictly increasing per batch.
// Writes since the last checkpoint are lost on crash by design: the Raft log is the WAL.
// A write batch is atomic; if one fails with an I/O error the store refuses further use until
// reopened (recovery then replays the log). Range deletes tombstone the keys live at that time;
// latestCommitTs counts them only for those keys. Reads below the retention timestamp fail.
// Limits: key <= min(8192, pageSize/8) bytes; value <= 16 MiB (MAX_VALUE_BYTES). A value larger
// than what fits a leaf cell (key + value <= pageSize/3, ~5.4 KiB at 16 KiB pages) is stored in a
// chain of CRC'd overflow pages, freed when GC drops its version. Many versions of one key may
// span several leaves (no limit on versions).
// Errors: 54000 oversized key/value, 72000 snapshot too old, XX001 corrupt page or manifest
// (naming page and file), 0A000 newer format, 55P03 directory in use, 53100 disk full.

export { Cursor, type Entry, type ScanOptions } from "./cursor.js";
export { DEFAULT_PAGE_SIZE, FORMAT_VERSION, MAX_KEY_BYTES, MAX_TS, MAX_VALUE_BYTES, maxKeyBytes, maxValueBytes } from "./format.js";
export * from "./keycodec.js";
export type { TreeMode } from "./manifest.js";
export { DATA_FILE_NAME, LOCK_FILE_NAME } from "./pager.js";
export { DEFAULT_CACHE_BYTES, openStore, SNAPSHOT_TOO_OLD, Store, type StoreOptions, type StoreStats, type WriteOp } from "./store.js";
export { exportArrow, importArrow } from "./arrow.js";
export { SNAPSHOT_CHUNK_BYTES, type SnapshotMeta } from "./snapshot.js";
