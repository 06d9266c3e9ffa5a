// The etcd peer: installs Debian's etcd-server/etcd-client if missing, runs a 3-member cluster on
// 127.0.0.1 (fsync on, default settings) and offers a KvClient over etcd's own gRPC API (KV.Put).
// Must never leave an etcd process behind: the caller's Processes owns them.

import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { commandExists, freePorts, type Processes, waitFor } from "./processes.js";
import type { KvClient } from "./workload.js";

/** Bound on one put: a stuck cluster fails the benchmark instead of hanging it. */
const PUT_DEADLINE_MS = 10_000;

export function ensureEtcdInstalled(log: (line: string) => void): string {
  if (!commandExists("etcd") || !commandExists("etcdctl")) {
    log("installing etcd-server and etcd-client with apt-get");
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    for (const args of [["update"], ["install", "-y", "--no-install-recommends", "etcd-server", "etcd-client"]]) {
      const r = spawnSync("apt-get", args, { stdio: ["ignore", "ignore", "inherit"], env });
      if (r.status !== 0)
        throw new Error(`apt-get ${args.join(" ")} failed (exit ${r.status}); install etcd-server and etcd-client by hand`);
    }
  }
  const v = spawnSync("etcd", ["--version"], { encoding: "utf8" });
  const m = /Version:\s*(\S+)/.exec(v.stdout);
  return `etcd ${m?.[1] ?? "(unknown version)"}`;
}

export interface EtcdCluster {
  clientUrls: string[];
  /** Index into clientUrls of the current leader. */
  leader: number;
}

export async function startEtcdCluster(procs: Processes, dir: string, members: number): Promise<EtcdCluster> {
  const ports = await freePorts(members * 2);
  const peerUrl = (i: number) => `http://127.0.0.1:${ports[2 * i + 1]}`;
  const clientUrls = Array.from({ length: members }, (_, i) => `http://127.0.0.1:${ports[2 * i]}`);
  const initialCluster = clientUrls.map((_, i) => `e${i}=${peerUrl(i)}`).join(",");
  for (let i = 0; i < members; i++) {
    const data = join(dir, `etcd-${i}`);
    mkdirSync(data, { recursive: true });
    procs.start(
      "etcd",
      [
        `--name=e${i}`,
        `--data-dir=${data}`,
        `--listen-client-urls=${clientUrls[i]}`,
        `--advertise-client-urls=${clientUrls[i]}`,
        `--listen-peer-urls=${peerUrl(i)}`,
        `--initial-advertise-peer-urls=${peerUrl(i)}`,
        `--initial-cluster=${initialCluster}`,
        "--initial-cluster-token=kodiak-bench",
        "--initial-cluster-state=new",
        "--logger=zap",
        "--log-level=warn",
      ],
      join(dir, `etcd-${i}.log`),
    );
  }
  const statuses = clientUrls.map((url) => new EtcdClient(url));
  try {
    const leader = await waitFor("an etcd leader", 30_000, async () => {
      for (const [i, c] of statuses.entries()) {
        const s = await c.status();
        if (s.leader !== "0" && s.leader === s.memberId) return i;
      }
      throw new Error("no member reports itself leader yet");
    });
    return { clientUrls, leader };
  } finally {
    for (const c of statuses) c.close();
  }
}

interface EtcdServices {
  KV: grpc.ServiceClientConstructor;
  Maintenance: grpc.ServiceClientConstructor;
}

let services: EtcdServices | undefined;

function loadServices(): EtcdServices {
  if (services === undefined) {
    const protoPath = join(import.meta.dirname, "..", "..", "..", "bench", "proto", "etcd-rpc.proto");
    const def = protoLoader.loadSync(protoPath, { keepCase: true, longs: String, defaults: true });
    const pkg = (grpc.loadPackageDefinition(def) as unknown as { etcdserverpb: EtcdServices }).etcdserverpb;
    services = pkg;
  }
  return services;
}

type Callback<T> = (err: grpc.ServiceError | null, res: T) => void;
interface KvStub extends grpc.Client {
  Put(req: { key: Uint8Array; value: Uint8Array }, options: grpc.CallOptions, cb: Callback<unknown>): void;
}
interface MaintenanceStub extends grpc.Client {
  Status(req: object, options: grpc.CallOptions, cb: Callback<{ header: { member_id: string }; leader: string }>): void;
}

/** One gRPC channel to one etcd member. */
export class EtcdClient implements KvClient {
  private readonly kv: KvStub;
  private readonly maintenance: MaintenanceStub;

  constructor(url: string) {
    const s = loadServices();
    const target = url.replace(/^http:\/\//, "");
    // A distinct channel per client object (grpc-js would otherwise share one connection).
    const options = { "grpc.use_local_subchannel_pool": 1, "grpc.enable_channelz": 0 };
    this.kv = new s.KV(target, grpc.credentials.createInsecure(), options) as unknown as KvStub;
    this.maintenance = new s.Maintenance(target, grpc.credentials.createInsecure(), options) as unknown as MaintenanceStub;
  }

  put(key: Uint8Array, value: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      this.kv.Put({ key, value }, { deadline: Date.now() + PUT_DEADLINE_MS }, (err) => (err ? reject(err) : resolve()));
    });
  }

  status(): Promise<{ memberId: string; leader: string }> {
    return new Promise((resolve, reject) => {
      this.maintenance.Status({}, { deadline: Date.now() + 2000 }, (err, res) =>
        err ? reject(err) : resolve({ memberId: res.header.member_id, leader: res.leader }),
      );
    });
  }

  close(): void {
    this.kv.close();
    this.maintenance.close();
  }
}
