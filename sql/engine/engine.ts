// The SqlEngine (api.ts) over a KV store: hands out sessions that share the store. The store
// decides durability and replication; the engine holds no data of its own.
import type { Clock, FileSystem } from "../../util/index.js";
import type { SessionOptions, SqlEngine, SqlSession } from "../api.js";
import type { KvStore } from "../kv/index.js";
import { readCatalog } from "../catalog/catalog.js";
import { PlEngineServices } from "../pl/engine-services.js";
import { Transaction } from "./txn.js";
import { Session } from "./session.js";

export class KvSqlEngine implements SqlEngine {
  private readonly sessions = new Set<SqlSession>();
  /** PL-Grizzly definitions (types, functions, triggers, cron jobs) and the cron scheduler. */
  readonly pl: PlEngineServices;
  constructor(
    readonly store: KvStore,
    /** Server-side files for COPY ... FROM/TO 'path' (absent: such COPY fails with 0A000). */
    /** tempDir: where sessions put spill files (default: the OS temp dir). */
    readonly options: { fs?: FileSystem; clock?: Clock; tempDir?: string } = {},
  ) {
    this.pl = new PlEngineServices(
      (o) => this.openSession(o),
      () => readCatalog(new Transaction(this.store)),
      options.clock,
    );
  }

  async openSession(options: SessionOptions): Promise<SqlSession> {
    const s = new Session(this.store, options, this.options.fs, this.options.clock, this.pl, this.options.tempDir);
    this.sessions.add(s);
    return s;
  }

  async close(): Promise<void> {
    this.pl.stop();
    for (const s of this.sessions) await s.close();
    this.sessions.clear();
  }
}
