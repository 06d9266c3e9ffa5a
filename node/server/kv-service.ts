// The node KV API over gRPC (used by `kodiak kv`): writes are proposed through Raft and answer
// after apply; reads are linearizable (ReadIndex on the leader) unless stale is asked for. It
// never touches the state machine except through the runtime's ordering guarantees.

import type { GetResponse, NodeKvServer, ScanResponse, StatusResponse } from "../../proto/gen/raft.js";
import { MAX_SCAN_ROWS } from "../state-machine/index.js";
import type { KvBackend } from "./kv-backend.js";
import type { NodeRuntime, NodeStatus } from "../runtime/index.js";
import { KodiakError, SqlState } from "../../util/index.js";
import { unary } from "./grpc-errors.js";

/** Keys and values are bounded so one request cannot hog the log. */
export const MAX_KEY_BYTES = 4096;
export const MAX_VALUE_BYTES = 1024 * 1024;

function checkKey(k: Uint8Array): void {
  if (k.byteLength === 0) throw new KodiakError(SqlState.invalidParameterValue, "key must not be empty");
  if (k.byteLength > MAX_KEY_BYTES)
    throw new KodiakError(SqlState.programLimitExceeded, `key of ${k.byteLength} bytes exceeds ${MAX_KEY_BYTES}`);
}

function checkValue(v: Uint8Array): void {
  if (v.byteLength > MAX_VALUE_BYTES)
    throw new KodiakError(SqlState.programLimitExceeded, `value of ${v.byteLength} bytes exceeds ${MAX_VALUE_BYTES}`);
}

export function statusToProto(s: NodeStatus): StatusResponse {
  return { ...s, members: s.members.map((m) => ({ ...m })) };
}

export function kvServiceImpl(runtime: NodeRuntime, kv: KvBackend): NodeKvServer {
  const write = (cmd: Parameters<KvBackend["write"]>[0]) => kv.write(cmd);
  return {
    put: unary(async (req) => {
      checkKey(req.key);
      checkValue(req.value);
      return write({ put: req });
    }),
    delete: unary(async (req) => {
      checkKey(req.key);
      return write({ delete: req });
    }),
    cas: unary(async (req) => {
      checkKey(req.key);
      checkValue(req.value);
      return write({ cas: req });
    }),
    get: unary(async (req): Promise<GetResponse> => {
      checkKey(req.key);
      if (!req.stale) await runtime.readBarrier();
      const v = kv.get(req.key);
      return { found: v !== undefined, value: Buffer.from(v ?? new Uint8Array(0)), appliedIndex: runtime.appliedIndex() };
    }),
    scan: unary(async (req): Promise<ScanResponse> => {
      const limit = req.limit === 0 ? MAX_SCAN_ROWS : req.limit;
      if (limit > MAX_SCAN_ROWS) throw new KodiakError(SqlState.programLimitExceeded, `scan limit ${limit} exceeds ${MAX_SCAN_ROWS}`);
      if (!req.stale) await runtime.readBarrier();
      // One row more than asked tells whether the result was cut short.
      const rows = kv.scan(req.start, req.end.byteLength > 0 ? req.end : undefined, Math.min(limit + 1, MAX_SCAN_ROWS));
      const more = rows.length > limit;
      return {
        rows: rows.slice(0, limit).map((r) => ({ key: Buffer.from(r.key), value: Buffer.from(r.value) })),
        more,
        appliedIndex: runtime.appliedIndex(),
      };
    }),
    status: unary(async () => statusToProto(runtime.status())),
    changeMember: unary(async (req) => {
      await runtime.changeMember(req.action, req.nodeId, req.address);
      return statusToProto(runtime.status());
    }),
    transferLeader: unary(async (req) => {
      await runtime.transferLeader(req.to);
      return {};
    }),
  };
}
