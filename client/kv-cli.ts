// `kodiak kv`: an etcdctl-like command-line client of the node KV API. Finds the leader by
// following redirects (the leader's address travels in gRPC trailers), retries only when the
// request surely was not applied, and maps failures to clear messages and exit codes.

import * as grpc from "@grpc/grpc-js";
import { type GetResponse, type KvResult, NodeKvClient, type ScanResponse, type StatusResponse } from "../proto/gen/raft.js";

const USAGE = `usage: kodiak kv --peers 1=HOST:PORT,2=HOST:PORT,... [--timeout-ms MS] COMMAND

commands:
  put KEY VALUE                 write KEY (answers after the write is applied)
  get KEY [--stale]             read KEY (linearizable; --stale reads any replica's state)
  scan START [END] [--limit N] [--stale]   keys in [START, END) in byte order, "KEY VALUE" lines
  cas KEY OLD NEW               set KEY to NEW if its value is OLD
  cas KEY --absent NEW          set KEY to NEW if it does not exist
  del KEY                       delete KEY (prints 1 if it existed, else 0)
  status                        role, term, leader, commit/applied index of each peer; members
  member add-learner ID=HOST:PORT   add a non-voting member
  member add-voter ID=HOST:PORT     add a voting member
  member promote ID             make a learner a voter
  member remove ID              remove a member
  transfer ID                   move leadership to node ID

exit codes: 0 ok; 1 failed (not found, cas mismatch, error); 2 usage error
`;

/** Whole-command bound (all retries and redirects included). */
const DEFAULT_TIMEOUT_MS = 10_000;
/** Pause between rounds when no leader is known (an election is running). */
const RETRY_PAUSE_MS = 100;
const GRPC_OPTIONS = { "grpc.max_receive_message_length": 16 * 1024 * 1024, "grpc.max_send_message_length": 16 * 1024 * 1024 };

class UsageError extends Error {}

interface CliError {
  code: grpc.status;
  details: string;
  sqlState: string | undefined;
  leaderAddress: string | undefined;
}

function toCliError(e: grpc.ServiceError): CliError {
  const md = e.metadata;
  const first = (k: string): string | undefined => {
    const v = md?.get(k)[0];
    return v === undefined ? undefined : String(v);
  };
  return { code: e.code, details: e.details || e.message, sqlState: first("kodiak-code"), leaderAddress: first("kodiak-leader-address") };
}

type Call<T> = (c: NodeKvClient, deadline: Date, cb: (err: grpc.ServiceError | null, res: T) => void) => void;

class Kv {
  private readonly clients = new Map<string, NodeKvClient>();
  private readonly deadlineMs: number;

  constructor(
    private readonly peers: string[],
    timeoutMs: number,
  ) {
    this.deadlineMs = Date.now() + timeoutMs;
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
  }

  private client(addr: string): NodeKvClient {
    let c = this.clients.get(addr);
    if (c === undefined) {
      c = new NodeKvClient(addr, grpc.credentials.createInsecure(), GRPC_OPTIONS);
      this.clients.set(addr, c);
    }
    return c;
  }

  once<T>(addr: string, call: Call<T>): Promise<T> {
    return new Promise((resolve, reject) => {
      call(this.client(addr), new Date(this.deadlineMs), (err, res) => (err ? reject(err) : resolve(res)));
    });
  }

  /**
   * Sends to the leader: starts at the given peers, follows redirects, and retries only when
   * the request was certainly not applied (connection refused, "not the leader").
   */
  async leader<T>(call: Call<T>): Promise<T> {
    let next: string | undefined;
    let lastError: CliError | undefined;
    while (Date.now() < this.deadlineMs) {
      const candidates = next !== undefined ? [next, ...this.peers] : this.peers;
      next = undefined;
      for (const addr of candidates) {
        try {
          return await this.once(addr, call);
        } catch (e) {
          const err = toCliError(e as grpc.ServiceError);
          lastError = err;
          const notLeader = err.sqlState === "57P03";
          const unreachable = err.code === grpc.status.UNAVAILABLE && err.sqlState === undefined;
          if (!notLeader && !unreachable) throw e;
          if (notLeader && err.leaderAddress !== undefined && err.leaderAddress !== addr) {
            next = err.leaderAddress;
            break;
          }
        }
      }
      if (next === undefined) await new Promise((r) => setTimeout(r, RETRY_PAUSE_MS));
    }
    throw Object.assign(new Error("timeout"), {
      code: grpc.status.DEADLINE_EXCEEDED,
      details: `no leader answered before the deadline${lastError ? ` (last error: ${lastError.details})` : ""}`,
      metadata: new grpc.Metadata(),
    });
  }

  /** First peer that answers (stale reads and status need no leader). */
  async any<T>(call: Call<T>): Promise<T> {
    let last: unknown;
    for (const addr of this.peers) {
      try {
        return await this.once(addr, call);
      } catch (e) {
        last = e;
        if ((e as grpc.ServiceError).code !== grpc.status.UNAVAILABLE) throw e;
      }
    }
    throw last;
  }
}

function parseGlobal(argv: string[]): { peers: string[]; timeoutMs: number; rest: string[] } {
  const rest: string[] = [];
  let peers: string[] | undefined;
  let timeoutMs = DEFAULT_TIMEOUT_MS;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === "--peers" || a.startsWith("--peers=")) {
      const v = a === "--peers" ? argv[++i] : a.slice(8);
      if (v === undefined || v === "") throw new UsageError("--peers needs a value");
      peers = v.split(",").map((p) => {
        const addr = p.includes("=") ? p.slice(p.indexOf("=") + 1) : p;
        if (!/^[^\s:]+:\d{1,5}$/.test(addr)) throw new UsageError(`--peers: '${p}' is not [ID=]HOST:PORT`);
        return addr;
      });
    } else if (a === "--timeout-ms" || a.startsWith("--timeout-ms=")) {
      const v = a === "--timeout-ms" ? argv[++i] : a.slice(13);
      if (v === undefined || !/^\d+$/.test(v) || Number(v) < 1) throw new UsageError("--timeout-ms needs a positive integer");
      timeoutMs = Number(v);
    } else rest.push(a);
  }
  if (peers === undefined) throw new UsageError("missing --peers");
  return { peers, timeoutMs, rest };
}

function parseId(s: string | undefined, what: string): number {
  if (s === undefined || !/^\d+$/.test(s) || Number(s) < 1) throw new UsageError(`${what} needs a positive node id, got '${s ?? ""}'`);
  return Number(s);
}

function arity(args: string[], n: number, form: string): void {
  if (args.length !== n) throw new UsageError(`expected: ${form}`);
}

function formatStatus(addr: string, s: StatusResponse): string {
  return `node ${s.id} ${addr}: role=${s.role} term=${s.term} leader=${s.leader} commit=${s.commit} applied=${s.applied} log=${s.firstIndex}..${s.lastIndex} cluster=${s.clusterId}\n`;
}

function formatMembers(s: StatusResponse): string {
  const parts = s.members.map((m) => `${m.id}=${m.address} (${m.role}${s.role === "leader" ? `, match ${m.match}` : ""})`);
  return `members: ${parts.join(", ")}\n`;
}

async function run(kv: Kv, peers: string[], cmd: string, args: string[]): Promise<number> {
  const out = process.stdout;
  const b = (s: string): Buffer => Buffer.from(s, "utf8");
  switch (cmd) {
    case "put": {
      arity(args, 2, "put KEY VALUE");
      await kv.leader<KvResult>((c, deadline, cb) =>
        c.put({ key: b(args[0] as string), value: b(args[1] as string) }, new grpc.Metadata(), { deadline }, cb),
      );
      out.write("OK\n");
      return 0;
    }
    case "get": {
      const stale = args.includes("--stale");
      const keys = args.filter((a) => a !== "--stale");
      arity(keys, 1, "get KEY [--stale]");
      const req = { key: b(keys[0] as string), stale };
      const call: Call<GetResponse> = (c, deadline, cb) => c.get(req, new grpc.Metadata(), { deadline }, cb);
      const res = stale ? await kv.any(call) : await kv.leader(call);
      if (!res.found) {
        process.stderr.write(`kodiak kv: key '${keys[0]}' not found\n`);
        return 1;
      }
      out.write(`${Buffer.from(res.value).toString("utf8")}\n`);
      return 0;
    }
    case "scan": {
      const stale = args.includes("--stale");
      const rest = args.filter((a) => a !== "--stale");
      let limit = 0;
      const li = rest.indexOf("--limit");
      if (li >= 0) {
        const v = rest[li + 1];
        if (v === undefined || !/^\d+$/.test(v) || Number(v) < 1) throw new UsageError("--limit needs a positive integer");
        limit = Number(v);
        rest.splice(li, 2);
      }
      if (rest.length < 1 || rest.length > 2) throw new UsageError("expected: scan START [END] [--limit N] [--stale]");
      const req = { start: b(rest[0] as string), end: b(rest[1] ?? ""), limit, stale };
      const call: Call<ScanResponse> = (c, deadline, cb) => c.scan(req, new grpc.Metadata(), { deadline }, cb);
      const res = stale ? await kv.any(call) : await kv.leader(call);
      for (const r of res.rows) out.write(`${Buffer.from(r.key).toString("utf8")} ${Buffer.from(r.value).toString("utf8")}\n`);
      if (res.more) process.stderr.write("kodiak kv: (more rows; raise --limit)\n");
      return 0;
    }
    case "cas": {
      arity(args, 3, "cas KEY OLD NEW  |  cas KEY --absent NEW");
      const absent = args[1] === "--absent";
      const req = {
        key: b(args[0] as string),
        expected: b(absent ? "" : (args[1] as string)),
        expectAbsent: absent,
        value: b(args[2] as string),
      };
      // Not retried after an unknown outcome: a cas is not idempotent.
      const res = await kv.leader<KvResult>((c, deadline, cb) => c.cas(req, new grpc.Metadata(), { deadline }, cb));
      if (res.ok) {
        out.write("OK\n");
        return 0;
      }
      process.stderr.write(
        res.found
          ? `kodiak kv: cas failed: current value is '${Buffer.from(res.current).toString("utf8")}'\n`
          : "kodiak kv: cas failed: key does not exist\n",
      );
      return 1;
    }
    case "del": {
      arity(args, 1, "del KEY");
      const res = await kv.leader<KvResult>((c, deadline, cb) =>
        c.delete({ key: b(args[0] as string) }, new grpc.Metadata(), { deadline }, cb),
      );
      out.write(res.found ? "1\n" : "0\n");
      return 0;
    }
    case "status":
      return status(kv, peers, args);
    case "member": {
      const [action, target] = args;
      if (args.length !== 2 || action === undefined || !["add-learner", "add-voter", "promote", "remove"].includes(action)) {
        throw new UsageError("expected: member add-learner|add-voter ID=HOST:PORT  |  member promote|remove ID");
      }
      let nodeId: number;
      let address = "";
      if (action.startsWith("add-")) {
        const eq = (target as string).indexOf("=");
        if (eq < 0) throw new UsageError(`member ${action} needs ID=HOST:PORT`);
        nodeId = parseId((target as string).slice(0, eq), `member ${action}`);
        address = (target as string).slice(eq + 1);
        if (!/^[^\s:]+:\d{1,5}$/.test(address)) throw new UsageError(`member ${action}: '${address}' is not HOST:PORT`);
      } else nodeId = parseId(target, `member ${action}`);
      const s = await kv.leader<StatusResponse>((c, deadline, cb) =>
        c.changeMember({ action, nodeId, address }, new grpc.Metadata(), { deadline }, cb),
      );
      out.write(`OK\n${formatMembers(s)}`);
      return 0;
    }
    case "transfer": {
      arity(args, 1, "transfer ID");
      const to = parseId(args[0], "transfer");
      await kv.leader((c, deadline, cb) => c.transferLeader({ to }, new grpc.Metadata(), { deadline }, cb));
      out.write(`OK: node ${to} is the leader\n`);
      return 0;
    }
    default:
      throw new UsageError(cmd === "" ? "missing command" : `unknown command '${cmd}'`);
  }
}

async function status(kv: Kv, peers: string[], args: string[]): Promise<number> {
  arity(args, 0, "status");
  let members: StatusResponse | undefined;
  let reachable = 0;
  for (const addr of peers) {
    try {
      const s = await kv.once<StatusResponse>(addr, (c, deadline, cb) => c.status({}, new grpc.Metadata(), { deadline }, cb));
      reachable++;
      process.stdout.write(formatStatus(addr, s));
      if (members === undefined || s.role === "leader") members = s;
    } catch (e) {
      process.stdout.write(`${addr}: unreachable (${(e as grpc.ServiceError).details ?? String(e)})\n`);
    }
  }
  if (members !== undefined) process.stdout.write(formatMembers(members));
  return reachable > 0 ? 0 : 1;
}

export async function main(argv: string[]): Promise<number> {
  // `kodiak kv status | head -1` closes the pipe early: that is not an error worth a stack trace.
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code !== "EPIPE") throw e;
  });
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(USAGE);
    return 0;
  }
  let kv: Kv | undefined;
  try {
    const { peers, timeoutMs, rest } = parseGlobal(argv);
    const [cmd = "", ...args] = rest;
    kv = new Kv(peers, timeoutMs);
    return await run(kv, peers, cmd, args);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`kodiak kv: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    const err = e as Partial<grpc.ServiceError>;
    const details = err.details ?? err.message ?? String(e);
    const code = err.metadata?.get("kodiak-code")[0];
    process.stderr.write(`kodiak kv: ${details}${code !== undefined ? ` [${String(code)}]` : ""}\n`);
    return 1;
  } finally {
    kv?.close();
  }
}
