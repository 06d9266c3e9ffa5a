// What the node KV API (`kodiak kv`) needs from the state machine, with one implementation per
// engine: the in-memory fixture speaks KvCommand, the storage engine TxnCommit. Writes go through
// Raft (runtime.propose); reads are local and the caller adds the read barrier.

import { KvCommand, KvResult } from "../../proto/gen/raft.js";
import { TxnCommit, TxnResult } from "../../proto/gen/txn.js";
import type { NodeRuntime } from "../runtime/index.js";
import { entryIndexOf, MAX_SCAN_ROWS, type MemoryKvStateMachine } from "../state-machine/index.js";
import type { Store } from "../../storage/index.js";
import { KodiakError, SqlState } from "../../util/index.js";

export interface KvBackend {
  /** Proposes a put, delete or cas; resolves with its result once applied. */
  write(cmd: KvCommand): Promise<KvResult>;
  /** The newest applied value of key (undefined if absent). */
  get(key: Uint8Array): Uint8Array | undefined;
  /** Newest applied keys in [start, end) in byte order, at most limit (<= MAX_SCAN_ROWS). */
  scan(start: Uint8Array, end: Uint8Array | undefined, limit: number): Array<{ key: Uint8Array; value: Uint8Array }>;
}

export function memoryKvBackend(runtime: NodeRuntime, kv: MemoryKvStateMachine): KvBackend {
  return {
    write: async (cmd) => KvResult.decode(await runtime.propose(KvCommand.encode(cmd).finish())),
    get: (key) => kv.get(key),
    scan: (start, end, limit) => kv.scan(start, end, limit),
  };
}

const EMPTY = Buffer.alloc(0);

/** put/delete/cas as one-key transactions; cas and delete use apply-time conditions. */
export function storeKvBackend(runtime: NodeRuntime, store: Store): KvBackend {
  const run = async (txn: Partial<TxnCommit>): Promise<TxnResult> =>
    TxnResult.decode(
      await runtime.propose(TxnCommit.encode({ readTs: 0, reads: [], ranges: [], writes: [], conditions: [], ...txn }).finish()),
    );
  const fail = (r: TxnResult): never => {
    throw new KodiakError(r.code, r.message);
  };
  return {
    async write(cmd) {
      if (cmd.put !== undefined) {
        const r = await run({ writes: [{ key: cmd.put.key, value: cmd.put.value, delete: false }] });
        if (!r.committed) fail(r);
        return { ok: true, found: true, value: EMPTY, current: EMPTY, index: entryIndexOf(r.commitTs) };
      }
      if (cmd.delete !== undefined) {
        const key = cmd.delete.key;
        const r = await run({
          conditions: [{ key, expected: EMPTY, expectAbsent: false, expectPresent: true }],
          writes: [{ key, value: EMPTY, delete: true }],
        });
        if (!r.committed && r.failedCondition < 0) fail(r);
        return { ok: true, found: r.committed, value: EMPTY, current: EMPTY, index: entryIndexOf(r.commitTs) };
      }
      if (cmd.cas !== undefined) {
        const { key, expected, expectAbsent, value } = cmd.cas;
        const r = await run({
          conditions: [{ key, expected, expectAbsent, expectPresent: false }],
          writes: [{ key, value, delete: false }],
        });
        if (!r.committed && r.failedCondition < 0) fail(r);
        return {
          ok: r.committed,
          found: r.committed || r.currentFound,
          value: EMPTY,
          current: r.committed ? EMPTY : Buffer.from(r.current),
          index: entryIndexOf(r.commitTs),
        };
      }
      throw new KodiakError("22023", "empty KV command");
    },
    get: (key) => store.get(key),
    scan: (start, end, limit) => {
      if (limit > MAX_SCAN_ROWS) throw new KodiakError(SqlState.programLimitExceeded, `scan limit ${limit} exceeds ${MAX_SCAN_ROWS}`);
      return store.scan({ start, ...(end === undefined ? {} : { end }), limit }).toArray();
    },
  };
}
