// The Kodiak side of the raft benchmark: a 3-node cluster of `kodiak node` processes on 127.0.0.1
// and a KvClient over the node KV gRPC API (kodiak.raft.v1.NodeKv/Put). Reports "unavailable"
// instead of failing when this checkout has no `kodiak node` yet.

import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { freePorts, type Processes, waitFor } from "./processes.js";
import type { KvClient } from "./workload.js";

const PUT_DEADLINE_MS = 10_000;

/** Why Kodiak cannot be measured from this checkout, or undefined when it can. */
export function kodiakUnavailable(root: string): string | undefined {
  const proto = join(root, "proto", "raft.proto");
  if (!existsSync(join(root, "dist", "node", "main.js"))) return "`kodiak node` is not built in this checkout (dist/node/main.js missing)";
  if (!existsSync(proto) || !readFileSync(proto, "utf8").includes("service NodeKv")) return "proto/raft.proto has no NodeKv service";
  return undefined;
}

export interface KodiakCluster {
  addresses: string[];
  leader: number;
}

/** nodeArgs: extra node.js flags for every node process (e.g. --cpu-prof when profiling). */
export async function startKodiakCluster(
  procs: Processes,
  root: string,
  dir: string,
  members: number,
  nodeArgs: readonly string[] = [],
): Promise<KodiakCluster> {
  const ports = await freePorts(members);
  const addresses = ports.map((p) => `127.0.0.1:${p}`);
  const peers = addresses.map((a, i) => `${i + 1}=${a}`).join(",");
  for (let i = 0; i < members; i++) {
    const data = join(dir, `kodiak-${i + 1}`);
    mkdirSync(data, { recursive: true });
    procs.start(
      process.execPath,
      [
        ...nodeArgs,
        join(root, "bin", "kodiak.js"),
        "node",
        "--id",
        String(i + 1),
        "--data",
        data,
        "--listen",
        addresses[i] as string,
        "--peers",
        peers,
      ],
      join(dir, `kodiak-${i + 1}.log`),
      { ...process.env, KODIAK_LOG_LEVEL: "warn" },
    );
  }
  const clients = addresses.map((a) => new KodiakClient(root, a));
  try {
    const leader = await waitFor("a Kodiak leader", 30_000, async () => {
      for (const [i, c] of clients.entries()) {
        const s = await c.status();
        if (s.role === "leader") return i;
      }
      throw new Error("no node reports itself leader yet");
    });
    return { addresses, leader };
  } finally {
    for (const c of clients) c.close();
  }
}

type Callback<T> = (err: grpc.ServiceError | null, res: T) => void;
interface NodeKvStub extends grpc.Client {
  Put(req: { key: Uint8Array; value: Uint8Array }, options: grpc.CallOptions, cb: Callback<unknown>): void;
  Status(req: object, options: grpc.CallOptions, cb: Callback<{ role: string; leader: string }>): void;
}

let nodeKv: grpc.ServiceClientConstructor | undefined;

function loadNodeKv(root: string): grpc.ServiceClientConstructor {
  if (nodeKv === undefined) {
    const def = protoLoader.loadSync(join(root, "proto", "raft.proto"), { keepCase: true, longs: String, defaults: true });
    const pkg = grpc.loadPackageDefinition(def) as unknown as { kodiak: { raft: { v1: { NodeKv: grpc.ServiceClientConstructor } } } };
    nodeKv = pkg.kodiak.raft.v1.NodeKv;
  }
  return nodeKv;
}

/** One gRPC channel to one Kodiak node. */
export class KodiakClient implements KvClient {
  private readonly stub: NodeKvStub;

  constructor(root: string, address: string) {
    const Ctor = loadNodeKv(root);
    this.stub = new Ctor(address, grpc.credentials.createInsecure(), {
      "grpc.use_local_subchannel_pool": 1,
      "grpc.enable_channelz": 0,
    }) as unknown as NodeKvStub;
  }

  put(key: Uint8Array, value: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      this.stub.Put({ key, value }, { deadline: Date.now() + PUT_DEADLINE_MS }, (err) => (err ? reject(err) : resolve()));
    });
  }

  status(): Promise<{ role: string; leader: string }> {
    return new Promise((resolve, reject) => {
      this.stub.Status({}, { deadline: Date.now() + 2000 }, (err, res) => (err ? reject(err) : resolve(res)));
    });
  }

  close(): void {
    this.stub.close();
  }
}
