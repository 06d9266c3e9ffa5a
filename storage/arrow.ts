// Snapshot export/import as an Arrow IPC file (Feather v2) so other tools (pyarrow, DuckDB,
// polars) can read a store's versions: columns key (binary), ts (int64), deleted (bool), value
// (binary, null for tombstones); schema metadata carries the applied index and timestamps.
// Builds the file in memory (one RecordBatch per ARROW_BATCH_ROWS); never edits the live tree.

import {
  Binary,
  Bool,
  Field,
  Int64,
  makeBuilder,
  RecordBatch,
  RecordBatchFileWriter,
  Schema,
  type StructRowProxy,
  Table,
  tableFromIPC,
} from "apache-arrow";
import { type FileSystem, KodiakError, SqlState } from "../util/index.js";
import { Kind } from "./format.js";
import type { SnapshotMeta } from "./snapshot.js";
import type { Store } from "./store.js";

export const ARROW_BATCH_ROWS = 65536;
const FORMAT_KEY = "kodiak.snapshot.format";

const fields = [
  new Field("key", new Binary(), false),
  new Field("ts", new Int64(), false),
  new Field("deleted", new Bool(), false),
  new Field("value", new Binary(), true),
];

/** Writes every retained version to an Arrow IPC file at path; returns the row count. */
export async function exportArrow(store: Store, fs: FileSystem, path: string): Promise<number> {
  const { meta, records } = store.versions();
  const schema = new Schema(
    fields,
    new Map([
      [FORMAT_KEY, "1"],
      ["kodiak.appliedIndex", String(meta.appliedIndex)],
      ["kodiak.lastCommitTs", String(meta.lastCommitTs)],
      ["kodiak.retentionTs", String(meta.retentionTs)],
    ]),
  );
  const batches: RecordBatch[] = [];
  let rows = 0;
  let b = newBuilders();
  let n = 0;
  const flush = () => {
    if (n === 0) return;
    const table = new Table({
      key: b.key.finish().toVector(),
      ts: b.ts.finish().toVector(),
      deleted: b.deleted.finish().toVector(),
      value: b.value.finish().toVector(),
    });
    for (const batch of table.batches) batches.push(new RecordBatch(schema, batch.data));
    b = newBuilders();
    n = 0;
  };
  for (const r of records) {
    b.key.append(r.key);
    b.ts.append(BigInt(r.ts));
    b.deleted.append(r.deleted);
    b.value.append(r.deleted ? null : r.value);
    n++;
    rows++;
    if (n >= ARROW_BATCH_ROWS) flush();
  }
  flush();
  const bytes = RecordBatchFileWriter.writeAll(new Table(schema, batches)).toUint8Array(true);
  const f = fs.open(path, { create: true });
  try {
    f.truncate(0);
    f.write(bytes, 0, bytes.length, 0);
    await f.fsync();
  } finally {
    f.close();
  }
  return rows;
}

function newBuilders() {
  return {
    key: makeBuilder({ type: new Binary(), nullValues: [] }),
    ts: makeBuilder({ type: new Int64(), nullValues: [] }),
    deleted: makeBuilder({ type: new Bool(), nullValues: [] }),
    value: makeBuilder({ type: new Binary(), nullValues: [null] }),
  };
}

/** Replaces the store's state with the versions in an Arrow IPC file written by exportArrow. */
export async function importArrow(store: Store, fs: FileSystem, path: string): Promise<SnapshotMeta> {
  const table = tableFromIPC(fs.readFile(path));
  const md = table.schema.metadata;
  if (md.get(FORMAT_KEY) !== "1") {
    throw new KodiakError(SqlState.featureNotSupported, `${path} is not a Kodiak snapshot (format ${md.get(FORMAT_KEY) ?? "missing"})`);
  }
  const num = (k: string): number => {
    const v = Number(md.get(k));
    if (!Number.isSafeInteger(v) || v < 0) throw new KodiakError(SqlState.dataCorrupted, `${path}: bad ${k} metadata`);
    return v;
  };
  const meta = {
    appliedIndex: num("kodiak.appliedIndex"),
    lastCommitTs: num("kodiak.lastCommitTs"),
    retentionTs: num("kodiak.retentionTs"),
  };
  return store.replaceContents(async (loader) => {
    for (const row of table as Iterable<StructRowProxy>) {
      const key = row.key as Uint8Array | null;
      const ts = row.ts as bigint | null;
      const deleted = row.deleted as boolean | null;
      if (key === null || ts === null || deleted === null)
        throw new KodiakError(SqlState.dataCorrupted, `${path}: null in a required column`);
      const value = row.value as Uint8Array | null;
      loader.add({
        key: Buffer.from(key),
        ts: Number(ts),
        kind: deleted ? Kind.Tombstone : Kind.Put,
        value: value === null ? Buffer.alloc(0) : Buffer.from(value),
      });
    }
    return meta;
  });
}
