// The chaos workload's view of the node KV API: one gRPC client per node (dialled directly, never
// through the faulty mesh), every call bounded by a deadline, and the leader hint that a follower's
// NotLeader error carries.
import * as grpc from "@grpc/grpc-js";
import { type GetResponse, type KvResult, NodeKvClient, type ScanResponse, type StatusResponse } from "../proto/gen/raft.js";

const LEADER_TRAILER = "kodiak-leader-id";

export class KvCallError extends Error {
  constructor(
    message: string,
    readonly leaderHint: number | undefined,
  ) {
    super(message);
  }
}

export class ChaosKv {
  private readonly clients = new Map<number, NodeKvClient>();

  constructor(private readonly addresses: ReadonlyMap<number, string>) {}

  private client(id: number): NodeKvClient {
    let c = this.clients.get(id);
    if (c === undefined) {
      const address = this.addresses.get(id);
      if (address === undefined) throw new Error(`no node ${id}`);
      c = new NodeKvClient(address, grpc.credentials.createInsecure());
      this.clients.set(id, c);
    }
    return c;
  }

  private call<T>(
    id: number,
    timeoutMs: number,
    fn: (c: NodeKvClient, md: grpc.Metadata, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null, r: T) => void) => void,
  ): Promise<T> {
    return new Promise((resolve, reject) =>
      fn(this.client(id), new grpc.Metadata(), { deadline: new Date(Date.now() + timeoutMs) }, (e, r) => {
        if (e === null) return resolve(r);
        const hint = e.metadata?.get(LEADER_TRAILER)[0];
        reject(new KvCallError(`${grpc.status[e.code] ?? e.code}: ${e.details}`, hint === undefined ? undefined : Number(hint)));
      }),
    );
  }

  put(id: number, key: string, value: string, timeoutMs: number): Promise<KvResult> {
    return this.call(id, timeoutMs, (c, md, o, cb) => c.put({ key: Buffer.from(key), value: Buffer.from(value) }, md, o, cb));
  }

  get(id: number, key: string, stale: boolean, timeoutMs: number): Promise<GetResponse> {
    return this.call(id, timeoutMs, (c, md, o, cb) => c.get({ key: Buffer.from(key), stale }, md, o, cb));
  }

  cas(id: number, key: string, expected: string | undefined, value: string, timeoutMs: number): Promise<KvResult> {
    return this.call(id, timeoutMs, (c, md, o, cb) =>
      c.cas(
        {
          key: Buffer.from(key),
          expected: Buffer.from(expected ?? ""),
          expectAbsent: expected === undefined,
          value: Buffer.from(value),
        },
        md,
        o,
        cb,
      ),
    );
  }

  scan(id: number, start: string, end: string, limit: number, timeoutMs: number): Promise<ScanResponse> {
    return this.call(id, timeoutMs, (c, md, o, cb) =>
      c.scan({ start: Buffer.from(start), end: Buffer.from(end), limit, stale: true }, md, o, cb),
    );
  }

  status(id: number, timeoutMs: number): Promise<StatusResponse> {
    return this.call(id, timeoutMs, (c, md, o, cb) => c.status({}, md, o, cb));
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}
