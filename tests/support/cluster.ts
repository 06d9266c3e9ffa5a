// Shared helper for integration tests: runs real `kodiak node` processes on 127.0.0.1 with
// ports picked at run time, waits for readiness with a bound, talks to them over gRPC, and
// always kills the children and removes the temp dirs (close(), plus an exit hook).

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { type GetResponse, type KvResult, NodeKvClient, type StatusResponse } from "../../proto/gen/raft.js";

const ROOT = resolve(import.meta.dirname, "..", "..", "..");
const BIN = join(ROOT, "bin", "kodiak.js");
/** Bounds on waiting for processes. */
const READY_TIMEOUT_MS = 30_000;
const EXIT_TIMEOUT_MS = 8_000;
const RPC_TIMEOUT_MS = 3_000;

const live = new Set<ChildProcess>();
process.on("exit", () => {
  for (const p of live) p.kill("SIGKILL");
});

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const addr = s.address();
      const port = typeof addr === "object" && addr !== null ? addr.port : 0;
      s.close(() => res(port));
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `fn` until it returns a value other than undefined, or throws after `ms`. */
export async function waitFor<T>(what: string, ms: number, fn: () => Promise<T | undefined> | T | undefined, everyMs = 50): Promise<T> {
  const end = Date.now() + ms;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      lastErr = e;
    }
    if (Date.now() > end)
      throw new Error(`timed out after ${ms} ms waiting for ${what}${lastErr ? ` (last error: ${String(lastErr)})` : ""}`);
    await sleep(everyMs);
  }
}

export interface NodeHandle {
  id: number;
  address: string;
  dataDir: string;
  logFile: string;
  proc: ChildProcess | undefined;
  exited: Promise<number | null> | undefined;
  output: string;
}

export interface ClusterOptions {
  /** Extra flags for every node (e.g. snapshot thresholds). */
  nodeArgs?: string[];
}

export class TestCluster {
  readonly root: string;
  readonly nodes = new Map<number, NodeHandle>();
  private readonly clients = new Map<string, NodeKvClient>();

  private constructor(
    readonly name: string,
    private readonly opts: ClusterOptions,
  ) {
    this.root = mkdtempSync(join(tmpdir(), `kodiak-it-${name}-`));
  }

  /** Defines n nodes (ids 1..n, addresses chosen) without starting them, for custom --peers per node. */
  static async define(name: string, n: number, opts: ClusterOptions = {}): Promise<TestCluster> {
    const c = new TestCluster(name, opts);
    for (let id = 1; id <= n; id++) await c.define(id);
    return c;
  }

  /** Starts an n-node cluster and waits until every node is ready. */
  static async start(name: string, n: number, opts: ClusterOptions = {}): Promise<TestCluster> {
    const c = new TestCluster(name, opts);
    try {
      for (let id = 1; id <= n; id++) await c.define(id);
      await Promise.all([...c.nodes.keys()].map((id) => c.startNode(id)));
      return c;
    } catch (e) {
      await c.close();
      throw e;
    }
  }

  async define(id: number): Promise<NodeHandle> {
    const h: NodeHandle = {
      id,
      address: `127.0.0.1:${await freePort()}`,
      dataDir: join(this.root, `node${id}`),
      logFile: join(this.root, `node${id}.log`),
      proc: undefined,
      exited: undefined,
      output: "",
    };
    this.nodes.set(id, h);
    return h;
  }

  peersFlag(ids: number[] = [...this.nodes.keys()]): string {
    return ids.map((id) => `${id}=${this.node(id).address}`).join(",");
  }

  node(id: number): NodeHandle {
    const h = this.nodes.get(id);
    if (h === undefined) throw new Error(`no node ${id}`);
    return h;
  }

  /** Spawns a node process (without waiting). */
  spawnNode(id: number, extra: string[] = [], peers = this.peersFlag()): NodeHandle {
    const h = this.node(id);
    const args = [
      BIN,
      "node",
      "--id",
      String(id),
      "--data",
      h.dataDir,
      "--listen",
      h.address,
      "--peers",
      peers,
      ...(this.opts.nodeArgs ?? []),
      ...extra,
    ];
    const log = openSync(h.logFile, "a");
    const proc = spawn(process.execPath, args, { stdio: ["ignore", "pipe", log], env: { ...process.env, KODIAK_LOG_LEVEL: "info" } });
    closeSync(log);
    live.add(proc);
    h.proc = proc;
    h.output = "";
    proc.stdout?.on("data", (d: Buffer) => {
      h.output += d.toString();
    });
    h.exited = new Promise((res) => {
      proc.once("exit", (code) => {
        live.delete(proc);
        if (h.proc === proc) h.proc = undefined;
        res(code);
      });
    });
    return h;
  }

  /** Spawns a node and waits for its "ready" line. */
  async startNode(id: number, extra: string[] = [], peers?: string): Promise<void> {
    const h = this.spawnNode(id, extra, peers);
    let exitCode: number | null | undefined;
    void h.exited?.then((c) => {
      exitCode = c;
    });
    await waitFor(`node ${id} to be ready`, READY_TIMEOUT_MS, () => {
      if (exitCode !== undefined) throw new Error(`node ${id} exited with ${exitCode}: ${this.logTail(id)}`);
      return h.output.includes("ready on") ? true : undefined;
    });
  }

  logTail(id: number, chars = 1500): string {
    try {
      return readFileSync(this.node(id).logFile, "utf8").slice(-chars);
    } catch {
      return "";
    }
  }

  /** kill -9 (default) or SIGTERM; waits for the exit (bounded) and returns the exit code. */
  async kill(id: number, signal: NodeJS.Signals = "SIGKILL"): Promise<number | null> {
    const h = this.node(id);
    if (h.proc === undefined || h.exited === undefined) return null;
    const proc = h.proc;
    proc.kill(signal);
    const code = await Promise.race([h.exited, sleep(EXIT_TIMEOUT_MS).then(() => "timeout" as const)]);
    if (code === "timeout") {
      proc.kill("SIGKILL");
      throw new Error(`node ${id} did not exit within ${EXIT_TIMEOUT_MS} ms of ${signal}`);
    }
    h.proc = undefined;
    return code;
  }

  client(address: string): NodeKvClient {
    let c = this.clients.get(address);
    if (c === undefined) {
      c = new NodeKvClient(address, grpc.credentials.createInsecure());
      this.clients.set(address, c);
    }
    return c;
  }

  private rpc<T>(
    fn: (c: NodeKvClient, opts: { deadline: Date }, cb: (err: grpc.ServiceError | null, res: T) => void) => void,
    address: string,
    timeoutMs = RPC_TIMEOUT_MS,
  ): Promise<T> {
    return new Promise((res, rej) =>
      fn(this.client(address), { deadline: new Date(Date.now() + timeoutMs) }, (e, r) => (e ? rej(e) : res(r))),
    );
  }

  status(id: number): Promise<StatusResponse> {
    return this.rpc((c, o, cb) => c.status({}, new grpc.Metadata(), o, cb), this.node(id).address);
  }

  running(): number[] {
    return [...this.nodes.values()].filter((h) => h.proc !== undefined).map((h) => h.id);
  }

  /** Waits until the running nodes agree on one leader; returns its id. */
  async leader(ms = 10_000, among = this.running()): Promise<number> {
    return waitFor("a leader", ms, async () => {
      const ss = await Promise.all(among.map((id) => this.status(id).catch(() => undefined)));
      const leaders = ss.filter((s) => s?.role === "leader");
      if (leaders.length !== 1) return undefined;
      const lead = leaders[0]?.id;
      const agree = ss.filter((s) => s?.leader === lead).length;
      return agree * 2 > among.length ? lead : undefined;
    });
  }

  put(id: number, key: string, value: string, timeoutMs = RPC_TIMEOUT_MS): Promise<KvResult> {
    return this.rpc(
      (c, o, cb) => c.put({ key: Buffer.from(key), value: Buffer.from(value) }, new grpc.Metadata(), o, cb),
      this.node(id).address,
      timeoutMs,
    );
  }

  get(id: number, key: string, stale = false): Promise<GetResponse> {
    return this.rpc((c, o, cb) => c.get({ key: Buffer.from(key), stale }, new grpc.Metadata(), o, cb), this.node(id).address);
  }

  async valueAt(id: number, key: string, stale = false): Promise<string | undefined> {
    const r = await this.get(id, key, stale);
    return r.found ? Buffer.from(r.value).toString() : undefined;
  }

  /** Runs `kodiak kv --peers <all> ...args` and returns its exit code and output. */
  async cli(args: string[], peers = this.peersFlag(this.running())): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return runCli(["kv", "--peers", peers, ...args]);
  }

  /** Kills every child, closes clients, removes the temp dir. Safe to call twice. */
  async close(): Promise<void> {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
    await Promise.all(
      [...this.nodes.values()].map(async (h) => {
        if (h.proc === undefined) return;
        h.proc.kill("SIGKILL");
        await Promise.race([h.exited, sleep(EXIT_TIMEOUT_MS)]);
        h.proc = undefined;
      }),
    );
    if (process.env.KODIAK_KEEP_TEST_DIRS === undefined) rmSync(this.root, { recursive: true, force: true });
  }
}

/** Runs the kodiak CLI with a bound; returns exit code and output. */
export function runCli(args: string[], timeoutMs = 20_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const p = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    live.add(p);
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    p.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => p.kill("SIGKILL"), timeoutMs);
    // "close" (not "exit") so all of stdout/stderr has been read.
    p.once("close", (code) => {
      clearTimeout(timer);
      live.delete(p);
      res({ code, stdout, stderr });
    });
  });
}
