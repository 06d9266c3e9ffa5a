// Embedded mode: an SqlEngine in this process. For now the data lives in an in-memory KV store
// (MemoryKvStore) and `dir` is only validated and reserved: persistence through the single-node
// Raft group and the storage engine is wired in by the storage/raft work, behind the KvStore seam.
import { type FileSystem, nodeFileSystem } from "../util/index.js";
import type { SqlEngine } from "./api.js";
import { KvSqlEngine } from "./engine/engine.js";
import { type KvStore, MemoryKvStore } from "./kv/index.js";

export interface EmbeddedEngineOptions {
  /** Data directory (reserved: not yet used, data is in memory and lost on close). */
  dir: string;
  /** Override the store (tests, or the Raft-backed store once available). */
  store?: KvStore;
  /** Files for COPY ... FROM/TO 'path' (default: the local file system; embedded mode is local). */
  fs?: FileSystem;
}

export async function openEmbeddedEngine(options: EmbeddedEngineOptions): Promise<SqlEngine> {
  return new KvSqlEngine(options.store ?? new MemoryKvStore(), { fs: options.fs ?? nodeFileSystem });
}
