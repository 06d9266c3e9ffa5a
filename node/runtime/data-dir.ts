// The node's data directory identity: a small file with the cluster id and node id, created
// once at bootstrap (temp, fsync, rename, fsync dir). A node refuses to start on a directory that
// belongs to another cluster or another node id — it must never mix two clusters' logs.

import { join } from "node:path";
import { crc32c, type FileSystem, KodiakError, SqlState } from "../../util/index.js";

const FILE = "cluster.json";

export interface DataDirIdentity {
  clusterId: string;
  nodeId: number;
}

/**
 * Derives the cluster id from the initial peer list (ids and addresses), so every node that
 * bootstraps from the same list agrees on it without talking first. `--cluster-id` overrides.
 */
export function clusterIdFromPeers(peers: Map<number, string>): string {
  const text = [...peers]
    .sort((a, b) => a[0] - b[0])
    .map(([id, addr]) => `${id}=${addr}`)
    .join(",");
  return `kodiak-${crc32c(Buffer.from(text)).toString(16).padStart(8, "0")}`;
}

export function readIdentity(fs: FileSystem, dir: string): DataDirIdentity | undefined {
  const path = join(dir, FILE);
  if (!fs.exists(path)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(fs.readFile(path)).toString("utf8"));
  } catch {
    throw new KodiakError(SqlState.dataCorrupted, `${path} is not valid JSON; refusing to start`);
  }
  const o = parsed as Partial<DataDirIdentity>;
  if (typeof o.clusterId !== "string" || typeof o.nodeId !== "number") {
    throw new KodiakError(SqlState.dataCorrupted, `${path} lacks clusterId/nodeId; refusing to start`);
  }
  return { clusterId: o.clusterId, nodeId: o.nodeId };
}

export async function writeIdentity(fs: FileSystem, dir: string, id: DataDirIdentity): Promise<void> {
  fs.mkdirp(dir);
  const tmp = join(dir, `${FILE}.tmp`);
  const data = Buffer.from(`${JSON.stringify(id)}\n`);
  const f = fs.open(tmp, { create: true });
  try {
    f.truncate(0);
    f.write(data, 0, data.length, 0);
    await f.fsync();
  } finally {
    f.close();
  }
  fs.rename(tmp, join(dir, FILE));
  await fs.fsyncDir(dir);
}

/** Throws a clear error when the directory belongs to another cluster or node. */
export function checkIdentity(found: DataDirIdentity, expected: { clusterId?: string; nodeId: number }, dir: string): void {
  if (found.nodeId !== expected.nodeId) {
    throw new KodiakError(
      SqlState.configFileError,
      `data directory ${dir} belongs to node ${found.nodeId}, not node ${expected.nodeId}; refusing to start`,
    );
  }
  if (expected.clusterId !== undefined && found.clusterId !== expected.clusterId) {
    throw new KodiakError(
      SqlState.configFileError,
      `data directory ${dir} belongs to cluster '${found.clusterId}', not cluster '${expected.clusterId}'; refusing to start`,
    );
  }
}
