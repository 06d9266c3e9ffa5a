// In-memory multi-version KV store with optimistic validation at commit: used by tests and by
// embedded mode until the Raft-backed store is wired in. Single-threaded JS makes commit atomic;
// it must never hand out a version that a later commit could change.
import { KodiakError, SqlState } from "../../util/index.js";
import type { CommitRequest, Key, KeyRange, KvEntry, KvStore } from "./kv.js";
import { SortedStringSet } from "./sorted-set.js";

interface Version {
  readonly ts: bigint;
  readonly value: Uint8Array | null;
}

/** Versions kept per key beyond the newest, for snapshots still reading them. */
const VERSIONS_PER_KEY_MAX = 64;

/** Node's Buffer has latin1Slice (not in @types/node): toString("latin1") without its argument handling. */
type Latin1Buffer = Buffer & { latin1Slice(start: number, end: number): string };

export const keyString = (k: Key): string =>
  (k instanceof Buffer ? (k as Latin1Buffer) : (Buffer.from(k.buffer, k.byteOffset, k.byteLength) as Latin1Buffer)).latin1Slice(
    0,
    k.byteLength,
  );

export class MemoryKvStore implements KvStore {
  private readonly data = new Map<string, { key: Key; versions: Version[] }>();
  /** All keys ever written, in byte order. */
  private readonly sorted = new SortedStringSet();
  private ts = 1n;
  private nextId = 1n;

  snapshotTimestamp(): bigint {
    return this.ts;
  }

  private readonly sequences = new Map<string, bigint>();

  allocateId(sequence?: string): bigint {
    if (sequence === undefined) return this.nextId++;
    const next = (this.sequences.get(sequence) ?? 0n) + 1n;
    this.sequences.set(sequence, next);
    return next;
  }

  get(key: Key, ts: bigint): KvEntry | undefined {
    const e = this.data.get(keyString(key));
    if (!e) return undefined;
    const v = visible(e.versions, ts);
    return v?.value ? { key: e.key, value: v.value, version: v.ts } : undefined;
  }

  *scan(range: KeyRange, ts: bigint): Iterable<KvEntry> {
    for (const k of this.sorted.range(keyString(range.start), keyString(range.end))) {
      const e = this.data.get(k)!;
      const v = visible(e.versions, ts);
      if (v?.value) yield { key: e.key, value: v.value, version: v.ts };
    }
  }

  async commit(req: CommitRequest): Promise<bigint> {
    this.validate(req);
    if (req.writes.size === 0) return this.ts;
    const ts = ++this.ts;
    const fresh: string[] = [];
    for (const [ks, w] of req.writes) {
      let e = this.data.get(ks);
      if (!e) {
        e = { key: w.key, versions: [] };
        this.data.set(ks, e);
        fresh.push(ks);
      }
      e.versions.push({ ts, value: w.value });
      if (e.versions.length > VERSIONS_PER_KEY_MAX) e.versions.shift();
    }
    for (const k of fresh) this.sorted.add(k);
    return ts;
  }

  private validate(req: CommitRequest): void {
    for (const [ks] of req.reads) {
      const e = this.data.get(ks);
      if (e && e.versions[e.versions.length - 1].ts > req.readTs) throw conflict();
    }
    if (req.ranges.length === 0) return;
    for (const r of req.ranges) {
      for (const k of this.sorted.range(keyString(r.start), keyString(r.end))) {
        const e = this.data.get(k)!;
        if (e.versions[e.versions.length - 1].ts > req.readTs) throw conflict();
      }
    }
  }
}

function visible(versions: Version[], ts: bigint): Version | undefined {
  for (let i = versions.length - 1; i >= 0; i--) if (versions[i].ts <= ts) return versions[i];
  return undefined;
}

function conflict(): KodiakError {
  return new KodiakError(SqlState.serializationFailure, "could not serialize access due to read/write dependencies among transactions", {
    hint: "The transaction might succeed if retried.",
  });
}
