// CREATE INDEX outside a transaction block, for tables of any size: one commit adds the index in
// a `building` state (every writer maintains it from then on, no reader uses it), then existing
// rows are backfilled in chunks of bounded bytes, each chunk its own commit (so no command comes
// near the Raft command limit), then one commit marks the index usable. A chunk reads its rows
// and the index keys it checks for uniqueness inside its own transaction, so a concurrent change
// to them aborts the chunk (40001) and it is retried at a newer snapshot. A duplicate key (or any
// other failure) drops the index again — the catalog entry first, then its entries in chunks.
import { type Clock, isKodiakError, KodiakError, SqlState } from "../../util/index.js";
import { type IndexMeta, qualified, readCatalog, type TableMeta, updateCatalog } from "../catalog/catalog.js";
import { decodeRow } from "../catalog/rowcodec.js";
import { encodeKey, type Key, type KvStore, prefixEnd } from "../kv/index.js";
import type { CreateIndexStmt } from "../parser/ast.js";
import { addIndexToCatalog, type DdlResult, prepareIndex } from "./ddl.js";
import { colTypes, indexKey, primaryIndex } from "./tables.js";
import { Transaction } from "./txn.js";

/** Commits of one chunk retried after serialization failures before CREATE INDEX gives up. */
export const CHUNK_RETRIES_MAX = 20;

export interface BackfillOptions {
  /** Upper bound on the bytes (keys + values) one chunk writes. */
  readonly chunkBytes: number;
  readonly signal?: AbortSignal;
}

/** Counters for tests and metrics: chunks committed by backfills and by index drops. */
export const backfillCounters = { chunksCommitted: 0, retries: 0 };

export async function createIndexOnline(s: CreateIndexStmt, store: KvStore, clock: Clock, o: BackfillOptions): Promise<DdlResult> {
  const first = new Transaction(store, clock);
  const p = prepareIndex(s, readCatalog(first));
  if ("skip" in p) return p.skip;
  const index: IndexMeta = { ...p.index, building: true };
  const tableKey = qualified(p.table.schema, p.table.name);
  addIndexToCatalog(first, p.table, index);
  await first.commit();
  try {
    await backfill(store, clock, tableKey, index, o);
    await withRetries(store, clock, (txn) => {
      updateCatalog(txn, (c) => {
        const idx = c.tables[tableKey]?.indexes.find((i) => i.id === index.id);
        if (!idx) throw indexGone(index);
        delete idx.building;
      });
    });
  } catch (e) {
    await dropBuildingIndex(store, clock, tableKey, index, o).catch(() => undefined);
    throw e;
  }
  return { command: "CREATE INDEX", rowCount: 0 };
}

function indexGone(index: IndexMeta): KodiakError {
  return new KodiakError(SqlState.objectNotInPrerequisiteState, `index "${index.name}" was dropped while it was being built`);
}

/** The table and the building index as the transaction's catalog snapshot has them. */
function current(txn: Transaction, tableKey: string, index: IndexMeta): { t: TableMeta; idx: IndexMeta } {
  const t = readCatalog(txn).tables[tableKey];
  const idx = t?.indexes.find((i) => i.id === index.id);
  if (!t || !idx) throw indexGone(index);
  return { t, idx };
}

/** Runs `body` in a fresh transaction and commits it, retrying serialization failures. */
async function withRetries<R>(store: KvStore, clock: Clock, body: (txn: Transaction) => R, signal?: AbortSignal): Promise<R> {
  for (let attempt = 0; ; attempt++) {
    if (signal?.aborted) throw new KodiakError(SqlState.queryCanceled, "canceling statement due to user request");
    const txn = new Transaction(store, clock);
    const r = body(txn);
    try {
      await txn.commit();
      return r;
    } catch (e) {
      if (!isKodiakError(e) || e.code !== SqlState.serializationFailure || attempt >= CHUNK_RETRIES_MAX) throw e;
      backfillCounters.retries++;
    }
  }
}

/** The smallest key after `k` (k followed by a zero byte). */
function keyAfter(k: Key): Key {
  const out = new Uint8Array(k.length + 1);
  out.set(k);
  return out;
}

/**
 * End key of the chunk starting at `from`: after as many keys as fit in chunkBytes (at least one),
 * found on the store snapshot without recording a read (the chunk's transaction then reads exactly
 * [from, end), so only changes inside its own chunk conflict with it).
 */
function chunkEnd(
  store: KvStore,
  ts: bigint,
  from: Key,
  end: Key,
  chunkBytes: number,
  bytesPerEntry: (k: Key, v: Uint8Array) => number,
): Key | undefined {
  let bytes = 0;
  let last: Key | undefined;
  for (const e of store.scan({ start: from, end }, ts)) {
    bytes += bytesPerEntry(e.key, e.value);
    if (last && bytes > chunkBytes) return keyAfter(last);
    last = e.key;
  }
  return last ? end : undefined;
}

async function backfill(store: KvStore, clock: Clock, tableKey: string, index: IndexMeta, o: BackfillOptions): Promise<void> {
  const t0 = current(new Transaction(store, clock), tableKey, index).t;
  const pk = primaryIndex(t0);
  let from: Key = encodeKey(t0.id, pk.id, [], []);
  const end = prefixEnd(from);
  for (;;) {
    const next = await withRetries(
      store,
      clock,
      (txn) => {
        const { t, idx } = current(txn, tableKey, index);
        // An index entry is the index key plus the same row bytes as the primary entry.
        const stop = chunkEnd(store, txn.readTs, from, end, o.chunkBytes, (k, v) => k.length + 16 + v.length);
        if (!stop) return undefined;
        for (const e of txn.scan({ start: from, end: stop })) {
          const row = decodeRow(e.value);
          const key = indexKey(t, idx, row);
          if (idx.unique) checkUnique(txn, t, idx, row, key);
          txn.put(key, e.value);
        }
        return stop;
      },
      o.signal,
    );
    if (next === undefined) return;
    backfillCounters.chunksCommitted++;
    if (next === end) return;
    from = next;
  }
}

/** 23505 when another row already holds this row's key in the unique index being built. */
function checkUnique(txn: Transaction, t: TableMeta, idx: IndexMeta, row: readonly unknown[], own: Key): void {
  const vals = idx.columns.map((c) => row[c]) as Parameters<typeof encodeKey>[2];
  if (vals.some((v) => v === null)) return;
  const start = encodeKey(t.id, idx.id, vals, colTypes(t, idx.columns), idx.descending);
  for (const e of txn.scan({ start, end: prefixEnd(start) })) {
    if (Buffer.compare(e.key, own) === 0) continue;
    const cols = idx.columns.map((c) => t.columns[c].name).join(", ");
    throw new KodiakError(SqlState.uniqueViolation, `could not create unique index "${idx.name}"`, {
      detail: `Key (${cols})=(${vals.map((v) => String(v)).join(", ")}) is duplicated.`,
    });
  }
}

/** Removes a failed index: from the catalog (writers stop maintaining it), then its entries in chunks. */
async function dropBuildingIndex(store: KvStore, clock: Clock, tableKey: string, index: IndexMeta, o: BackfillOptions): Promise<void> {
  let tableId: number | undefined;
  await withRetries(store, clock, (txn) => {
    updateCatalog(txn, (c) => {
      const t = c.tables[tableKey];
      if (!t) return;
      tableId = t.id;
      t.indexes = t.indexes.filter((i) => i.id !== index.id);
    });
  });
  if (tableId === undefined) return;
  const start = encodeKey(tableId, index.id, [], []);
  const end = prefixEnd(start);
  for (;;) {
    const more = await withRetries(store, clock, (txn) => {
      const stop = chunkEnd(store, txn.readTs, start, end, o.chunkBytes, (k) => k.length + 16);
      if (!stop) return false;
      const keys: Key[] = [];
      for (const e of txn.scan({ start, end: stop })) keys.push(e.key);
      for (const k of keys) txn.put(k, null);
      return stop !== end;
    });
    backfillCounters.chunksCommitted++;
    if (!more) return;
  }
}
