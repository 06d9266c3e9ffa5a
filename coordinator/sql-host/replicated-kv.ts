// The SQL engine's KvStore over one local Raft replica: snapshot reads come from the local
// storage engine at a timestamp (derived from the applied log index), commits are TxnCommit proposals validated at
// apply on every replica. Linearizability is the caller's job: await barrier() (ReadIndex)
// before starting a transaction, so its snapshot includes every write acknowledged before.

import { TxnCommit, TxnResult } from "../../proto/gen/txn.js";
import type { CommitRequest, KeyRange, KvEntry, KvScanEntry, KvStore } from "../../sql/index.js";
import { snapshotTimestampAt } from "../../node/index.js";
import type { Store } from "../../storage/index.js";
import { assert, KodiakError, SqlState } from "../../util/index.js";

/** What this store needs from the replica's runtime. */
export interface ReplicaHandle {
  propose(command: Uint8Array): Promise<Uint8Array>;
  readBarrier(): Promise<void>;
  appliedIndex(): number;
  status(): { role: string; term: number };
}

/** Ids allocated per leader term before the counter would overflow its 32 bits. */
const IDS_PER_TERM = 2 ** 32;
const EMPTY = Buffer.alloc(0);

export class ReplicatedKvStore implements KvStore {
  private idTerm = -1;
  private idCounter = 0;

  constructor(
    private readonly replica: ReplicaHandle,
    private readonly store: Store,
  ) {}

  /** Waits until this replica reflects every write committed before the call (leader only). */
  barrier(): Promise<void> {
    return this.replica.readBarrier();
  }

  snapshotTimestamp(): bigint {
    // Every entry up to the applied index is reflected in the store, so a snapshot at it is a
    // consistent prefix of the log.
    return BigInt(snapshotTimestampAt(this.replica.appliedIndex()));
  }

  get(key: Uint8Array, ts: bigint): KvEntry | undefined {
    const value = this.store.get(key, Number(ts));
    // The version is reported as the snapshot timestamp: apply-time validation compares the
    // key's newest commit timestamp with readTs, so the exact older version never matters.
    return value === undefined ? undefined : { key, value, version: ts };
  }

  scan(range: KeyRange, ts: bigint): Iterable<KvScanEntry> {
    // The storage cursor's entries are the scan's entries: no wrapper object per row.
    return this.store.scan({ start: range.start, end: range.end }, Number(ts));
  }

  async commit(request: CommitRequest): Promise<bigint> {
    this.rejectIfAlreadyStale(request);
    const command = TxnCommit.encode({
      readTs: Number(request.readTs),
      reads: [...request.reads.values()].map((r) => ({ key: Buffer.from(r.key), version: Number(r.version) })),
      ranges: request.ranges.map((r) => ({ start: Buffer.from(r.start), end: Buffer.from(r.end) })),
      writes: [...request.writes.values()].map((w) => ({
        key: Buffer.from(w.key),
        value: w.value === null ? EMPTY : Buffer.from(w.value),
        delete: w.value === null,
      })),
      conditions: [],
    }).finish();
    const result = TxnResult.decode(await this.replica.propose(command));
    if (!result.committed) throw new KodiakError(result.code, result.message);
    return BigInt(result.commitTs);
  }

  /**
   * Optimistic validation ahead of the proposal: commit timestamps only grow and apply validates
   * against a state at least as new as this replica's, so a read already overwritten here would
   * fail at apply too. Rejecting it now spares a Raft round and a log entry per doomed commit
   * (contended workloads such as TPC-B at scale 1 would otherwise fill the log with them).
   */
  private rejectIfAlreadyStale(request: CommitRequest): void {
    const readTs = Number(request.readTs);
    if (readTs < this.store.retentionTs) return; // apply reports "snapshot too old"
    for (const r of request.reads.values()) {
      if (this.store.latestCommitTs(r.key) > readTs) {
        throw new KodiakError(SqlState.serializationFailure, "could not serialize access due to concurrent update");
      }
    }
    for (const range of request.ranges) {
      const end = range.end.byteLength > 0 ? range.end : undefined;
      if (this.store.maxCommitTsInRange(range.start, end) > readTs) {
        throw new KodiakError(
          SqlState.serializationFailure,
          "could not serialize access due to read/write dependencies among transactions",
        );
      }
    }
  }

  /**
   * (leader term << 32) | counter. Unique without a Raft round: at most one node is leader in a
   * term, a node leads a term only once (a restart makes it a follower), and only the leader of a
   * term allocates with it.
   */
  allocateId(): bigint {
    const s = this.replica.status();
    if (s.role !== "leader") {
      throw new KodiakError(SqlState.cannotConnectNow, "this node is no longer the leader; retry the statement", { hint: "retry" });
    }
    if (s.term !== this.idTerm) {
      this.idTerm = s.term;
      this.idCounter = 0;
    }
    assert(this.idCounter < IDS_PER_TERM - 1, "row ids of one leader term exhausted");
    this.idCounter++;
    return (BigInt(s.term) << 32n) | BigInt(this.idCounter);
  }
}
