// Transactional MVCC state machine over the storage engine: applies TxnCommit commands in log
// order with optimistic-concurrency validation (read keys, scanned ranges, conditions) and writes
// versions at a commit timestamp derived from the entry's log index and the command's position in
// the entry (the runtime batches commands). Deterministic: no clock, no randomness; a rejected
// command is a result, never a throw, so every replica reaches the same state.

import { TxnCommit, TxnResult } from "../../proto/gen/txn.js";
import { maxKeyBytes, maxValueBytes, type Store, type WriteOp } from "../../storage/index.js";
import { assert, KodiakError, SqlState } from "../../util/index.js";

import type { AppliedCommand, DurableStateMachine } from "./api.js";
import { type GcPolicy, gcHorizonAt, gcPolicy } from "./gc-policy.js";
import { COMMIT_TS_PER_ENTRY, commitTimestampOf } from "./timestamps.js";

export { COMMIT_TS_PER_ENTRY, commitTimestampOf, entryIndexOf, snapshotTimestampAt } from "./timestamps.js";

/**
 * Bound on operations in one transaction, so one command cannot stall apply for long. Large enough
 * for a bulk load such as `pgbench -i -s 1` (100k rows in one COPY, then a primary key rewrite).
 */
export const MAX_TXN_OPS = 1_000_000;

const EMPTY = Buffer.alloc(0);

export class TxnStoreStateMachine implements DurableStateMachine {
  /** Commands of one entry get distinct commit timestamps (positions), so the runtime may batch. */
  readonly commandsPerEntry = COMMIT_TS_PER_ENTRY / 2;
  private checkpointed: number;
  /** Index and position of the last command applied: commands of one entry arrive in a row. */
  private lastIndex = -1;
  private position = 0;

  readonly gc: GcPolicy;

  /**
   * options.gc: the MVCC GC policy (gc-policy.ts). It is part of the replicated protocol: every
   * replica of a group must use the same retention and step, or they diverge.
   */
  constructor(
    readonly store: Store,
    options: { gc?: Partial<GcPolicy> } = {},
  ) {
    this.checkpointed = store.appliedIndex;
    this.gc = gcPolicy(options.gc);
  }

  /** Index of the last entry applied (in memory; durable only up to durableIndex()). */
  get appliedIndex(): number {
    return this.store.appliedIndex;
  }

  durableIndex(): number {
    return this.checkpointed;
  }

  async checkpoint(index: number): Promise<void> {
    await this.store.checkpoint(index);
    this.checkpointed = index;
  }

  apply(cmd: AppliedCommand): Uint8Array {
    return TxnResult.encode(this.applyCommit(cmd)).finish();
  }

  applyCommit(cmd: AppliedCommand): TxnResult {
    if (cmd.index === this.lastIndex) this.position++;
    else {
      assert(cmd.index > this.lastIndex, "commands are applied in log order");
      this.lastIndex = cmd.index;
      this.position = 0;
    }
    assert(this.position < COMMIT_TS_PER_ENTRY, "more commands in one entry than commit timestamps per entry");
    const commitTs = commitTimestampOf(cmd.index, this.position);
    // The horizon first (it decides 72000 below), then one bounded step of the sweep.
    this.store.gc(Math.max(this.store.retentionTs, gcHorizonAt(cmd.index, this.gc)), this.gc.leavesPerCommand);
    let txn: TxnCommit;
    try {
      txn = TxnCommit.decode(cmd.command);
    } catch {
      return this.reject(cmd, SqlState.invalidParameterValue, "malformed transaction command");
    }
    const ops = txn.reads.length + txn.ranges.length + txn.writes.length + txn.conditions.length;
    if (ops > MAX_TXN_OPS)
      return this.reject(cmd, SqlState.programLimitExceeded, `transaction too large: ${ops} operations (limit ${MAX_TXN_OPS})`);
    if (txn.readTs >= commitTs) {
      return this.reject(
        cmd,
        SqlState.invalidParameterValue,
        `read timestamp ${txn.readTs} is not before the commit timestamp ${commitTs}`,
      );
    }
    if ((txn.reads.length > 0 || txn.ranges.length > 0) && txn.readTs < this.store.retentionTs) {
      return this.reject(cmd, "72000", "snapshot too old: versions read were garbage-collected; retry the transaction");
    }
    for (const r of txn.reads) {
      if (this.store.latestCommitTs(r.key) > txn.readTs) {
        return this.reject(cmd, SqlState.serializationFailure, "could not serialize access due to concurrent update");
      }
    }
    for (const range of txn.ranges) {
      const end = range.end.byteLength > 0 ? range.end : undefined;
      if (this.store.maxCommitTsInRange(range.start, end) > txn.readTs) {
        return this.reject(
          cmd,
          SqlState.serializationFailure,
          "could not serialize access due to read/write dependencies among transactions",
        );
      }
    }
    for (let i = 0; i < txn.conditions.length; i++) {
      const c = txn.conditions[i] as (typeof txn.conditions)[number];
      const cur = this.store.get(c.key);
      const holds = c.expectAbsent
        ? cur === undefined
        : c.expectPresent
          ? cur !== undefined
          : cur !== undefined && Buffer.compare(cur, c.expected) === 0;
      if (!holds) {
        return {
          ...this.reject(cmd, "P0001", "condition failed"),
          failedCondition: i,
          currentFound: cur !== undefined,
          current: cur ?? EMPTY,
        };
      }
    }
    // Size limits are checked here, not left to the store, so an oversized write is a rejected
    // command on every replica instead of an exception inside apply.
    const keyLimit = maxKeyBytes(this.store.pageSize);
    for (const w of txn.writes) {
      if (w.key.byteLength > keyLimit)
        return this.reject(cmd, SqlState.programLimitExceeded, `key of ${w.key.byteLength} bytes exceeds the limit of ${keyLimit}`);
      const valueLimit = maxValueBytes(this.store.pageSize, w.key.byteLength);
      if (!w.delete && w.value.byteLength > valueLimit) {
        return this.reject(cmd, SqlState.programLimitExceeded, `value of ${w.value.byteLength} bytes exceeds the limit of ${valueLimit}`);
      }
    }
    const writes: WriteOp[] = txn.writes.map((w) =>
      w.delete ? { type: "delete", key: w.key } : { type: "put", key: w.key, value: w.value },
    );
    // Every entry advances the store's applied index (also empty or rejected ones) so recovery
    // replays from the right place; writeBatch does both atomically.
    this.store.writeBatch(writes, commitTs, cmd.index);
    return { committed: true, commitTs, code: "", message: "", failedCondition: -1, currentFound: false, current: EMPTY };
  }

  private reject(cmd: AppliedCommand, code: string, message: string): TxnResult {
    this.store.setAppliedIndex(cmd.index);
    return { committed: false, commitTs: 0, code, message, failedCondition: -1, currentFound: false, current: EMPTY };
  }

  /**
   * Every version (tombstones and retention included) at the applied index, so an installed
   * replica validates later transactions exactly as the others do.
   */
  snapshot(): Uint8Array {
    // Each chunk (self-checking, see storage) behind a u32 length, so restore can split them.
    const parts: Buffer[] = [];
    for (const c of this.store.exportSnapshot().chunks) {
      const len = Buffer.alloc(4);
      len.writeUInt32BE(c.byteLength, 0);
      parts.push(len, Buffer.from(c.buffer, c.byteOffset, c.byteLength));
    }
    return Buffer.concat(parts);
  }

  async restore(image: Uint8Array): Promise<void> {
    const meta = await this.store.importSnapshot(splitChunks(image));
    this.checkpointed = meta.appliedIndex;
  }
}

function* splitChunks(image: Uint8Array): Generator<Uint8Array> {
  const b = Buffer.from(image.buffer, image.byteOffset, image.byteLength);
  let pos = 0;
  while (pos < b.length) {
    const len = pos + 4 <= b.length ? b.readUInt32BE(pos) : -1;
    if (len < 0 || pos + 4 + len > b.length) throw new KodiakError(SqlState.dataCorrupted, `snapshot image truncated at byte ${pos}`);
    yield b.subarray(pos + 4, pos + 4 + len);
    pos += 4 + len;
  }
}
