// The manifest: a small file naming the durable checkpoint (applied log index, root page, map
// pages, page count, format). Replaced atomically: write temp, fsync, rename, fsync directory.
// Never edited in place, and a manifest that fails its checks is an error, never guessed at.

import { crc32c, type FileSystem, KodiakError, SqlState } from "../util/index.js";
import { FORMAT_VERSION } from "./format.js";

export const MANIFEST_NAME = "MANIFEST";
export const MANIFEST_TMP_NAME = "MANIFEST.tmp";
const MAGIC = Buffer.from("KDBMANIF", "latin1");
const FIXED_BYTES = 64;

export type TreeMode = "betree" | "btree";

export interface Manifest {
  formatVersion: number;
  pageSize: number;
  mode: TreeMode;
  fanout: number;
  appliedIndex: number;
  lastCommitTs: number;
  retentionTs: number;
  /** Logical id of the root node; 0 = empty tree. */
  rootLid: number;
  /** Next never-used logical page id. */
  nextLid: number;
  /** Physical pages in use by the data file (header page included). */
  pageCount: number;
  /** Physical page numbers of the map pages, in chunk order. */
  mapPages: number[];
}

export function encodeManifest(m: Manifest): Buffer {
  const b = Buffer.alloc(FIXED_BYTES + 4 * m.mapPages.length + 4);
  MAGIC.copy(b, 0);
  b.writeUInt32LE(m.formatVersion, 8);
  b.writeUInt32LE(m.pageSize, 12);
  b[16] = m.mode === "btree" ? 1 : 0;
  b.writeUInt32LE(m.fanout, 20);
  b.writeDoubleLE(m.appliedIndex, 24);
  b.writeDoubleLE(m.lastCommitTs, 32);
  b.writeDoubleLE(m.retentionTs, 40);
  b.writeUInt32LE(m.rootLid, 48);
  b.writeUInt32LE(m.nextLid, 52);
  b.writeUInt32LE(m.pageCount, 56);
  b.writeUInt32LE(m.mapPages.length, 60);
  m.mapPages.forEach((p, i) => {
    b.writeUInt32LE(p, FIXED_BYTES + 4 * i);
  });
  b.writeUInt32LE(crc32c(b, 0, 0, b.length - 4), b.length - 4);
  return b;
}

export function decodeManifest(bytes: Uint8Array, path: string): Manifest {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const corrupt = (why: string) => new KodiakError(SqlState.dataCorrupted, `manifest ${path} is corrupt: ${why}`);
  if (b.length < FIXED_BYTES + 4 || !b.subarray(0, 8).equals(MAGIC)) throw corrupt("not a Kodiak manifest (bad magic or too short)");
  const version = b.readUInt32LE(8);
  if (version > FORMAT_VERSION || version === 0) {
    throw new KodiakError(
      SqlState.featureNotSupported,
      `manifest ${path} has format version ${version}; this build reads version ${FORMAT_VERSION}`,
      {
        hint: "open the data directory with the Kodiak release that wrote it",
      },
    );
  }
  const mapCount = b.readUInt32LE(60);
  if (b.length !== FIXED_BYTES + 4 * mapCount + 4) throw corrupt(`length ${b.length} does not match ${mapCount} map pages`);
  if (b.readUInt32LE(b.length - 4) !== crc32c(b, 0, 0, b.length - 4)) throw corrupt("checksum mismatch");
  const mapPages: number[] = [];
  for (let i = 0; i < mapCount; i++) mapPages.push(b.readUInt32LE(FIXED_BYTES + 4 * i));
  return {
    formatVersion: version,
    pageSize: b.readUInt32LE(12),
    mode: b[16] === 1 ? "btree" : "betree",
    fanout: b.readUInt32LE(20),
    appliedIndex: b.readDoubleLE(24),
    lastCommitTs: b.readDoubleLE(32),
    retentionTs: b.readDoubleLE(40),
    rootLid: b.readUInt32LE(48),
    nextLid: b.readUInt32LE(52),
    pageCount: b.readUInt32LE(56),
    mapPages,
  };
}

/** Atomically replaces the manifest; durable when the returned promise resolves. */
export async function writeManifest(fs: FileSystem, dir: string, m: Manifest): Promise<void> {
  const tmp = `${dir}/${MANIFEST_TMP_NAME}`;
  const bytes = encodeManifest(m);
  const f = fs.open(tmp, { create: true });
  try {
    f.truncate(0);
    f.write(bytes, 0, bytes.length, 0);
    await f.fsync();
  } finally {
    f.close();
  }
  fs.rename(tmp, `${dir}/${MANIFEST_NAME}`);
  await fs.fsyncDir(dir);
}
