// The node's durable snapshot file: the state machine image (plus peer addresses) at a log
// index. Written atomically (temp, fsync, rename, fsync dir) and checked with a CRC32C on read;
// a corrupt file is an error naming it, never silently ignored.

import { join } from "node:path";
import { StoredSnapshot } from "../../proto/gen/raft.js";
import type { Snapshot } from "../raft/types.js";
import { crc32c, type FileSystem, KodiakError, SqlState } from "../../util/index.js";

const FILE = "snapshot.bin";
const MAGIC = 0x4b44534e; // "KDSN"

export class SnapshotStore {
  private current: Snapshot | undefined;

  constructor(
    private readonly fs: FileSystem,
    private readonly dir: string,
  ) {}

  /** Loads the snapshot file if there is one. */
  load(): Snapshot | undefined {
    const path = join(this.dir, FILE);
    if (!this.fs.exists(path)) return undefined;
    const raw = Buffer.from(this.fs.readFile(path));
    if (raw.length < 12 || raw.readUInt32BE(0) !== MAGIC)
      throw new KodiakError(SqlState.dataCorrupted, `snapshot file ${path} has a bad header`);
    const len = raw.readUInt32BE(4);
    const body = raw.subarray(12, 12 + len);
    if (body.length !== len || crc32c(body) !== raw.readUInt32BE(8)) {
      throw new KodiakError(SqlState.dataCorrupted, `snapshot file ${path} fails its CRC32C (${raw.length} bytes)`);
    }
    const s = StoredSnapshot.decode(body);
    const md = s.metadata ?? { index: 0, term: 0 };
    this.current = {
      metadata: { index: md.index, term: md.term, conf: { voters: md.conf?.voters ?? [], learners: md.conf?.learners ?? [] } },
      data: s.data,
    };
    return this.current;
  }

  latest(): Snapshot | undefined {
    return this.current;
  }

  async save(s: Snapshot): Promise<void> {
    const body = StoredSnapshot.encode({ metadata: s.metadata, data: Buffer.from(s.data) }).finish();
    const out = Buffer.alloc(12 + body.length);
    out.writeUInt32BE(MAGIC, 0);
    out.writeUInt32BE(body.length, 4);
    out.writeUInt32BE(crc32c(body), 8);
    out.set(body, 12);
    const tmp = join(this.dir, `${FILE}.tmp`);
    const f = this.fs.open(tmp, { create: true });
    try {
      f.truncate(0);
      f.write(out, 0, out.length, 0);
      await f.fsync();
    } finally {
      f.close();
    }
    this.fs.rename(tmp, join(this.dir, FILE));
    await this.fs.fsyncDir(this.dir);
    this.current = s;
  }
}
