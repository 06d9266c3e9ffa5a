// Test harness for the Raft core: a few RawNodes over MemoryRaftStorage, a synchronous network
// that can cut links, and stabilize() that runs Ready/advance until nothing moves. Transcript
// helpers render what happened as short lines so tests read like etcd's testdata files.

import { SeededRandom } from "../../../util/index.js";
import {
  type ConfChange,
  decodeConfChange,
  type Entry,
  type Message,
  MemoryRaftStorage,
  type NodeId,
  type RaftCoreConfig,
  RawNode,
  type ReadState,
} from "../../../node/raft/index.js";

export interface TestNode {
  id: NodeId;
  node: RawNode;
  storage: MemoryRaftStorage;
  applied: Entry[];
  readStates: ReadState[];
}

export type ConfigOverrides = Partial<Omit<RaftCoreConfig, "id" | "storage">>;

export function config(id: NodeId, storage: MemoryRaftStorage, overrides: ConfigOverrides = {}): RaftCoreConfig {
  return {
    id,
    electionTicks: 10,
    heartbeatTicks: 1,
    storage,
    applied: 0,
    maxSizePerMsg: 1024 * 1024,
    maxInflightMsgs: 256,
    maxInflightBytes: 0,
    preVote: false,
    checkQuorum: false,
    leaseReads: false,
    random: new SeededRandom(id),
    ...overrides,
  };
}

const enc = new TextEncoder();
const dec = new TextDecoder();

export function bytes(s: string): Uint8Array {
  return enc.encode(s);
}

export function text(b: Uint8Array): string {
  return dec.decode(b);
}

export class Cluster {
  readonly nodes = new Map<NodeId, TestNode>();
  /** Messages sent and not yet delivered. */
  inbox: Message[] = [];
  /** Links cut in both directions: "a-b" with a < b. */
  private readonly cut = new Set<string>();
  /** Every message delivered, for assertions on traffic. */
  readonly delivered: Message[] = [];
  /** Optional per-message filter: return false to drop. */
  filter: ((m: Message) => boolean) | undefined;

  constructor(
    voters: NodeId[],
    readonly overrides: ConfigOverrides = {},
  ) {
    for (const id of voters) this.addNode(id, MemoryRaftStorage.bootstrap(voters));
    this.stabilize();
  }

  addNode(id: NodeId, storage: MemoryRaftStorage = new MemoryRaftStorage(), overrides: ConfigOverrides = {}): TestNode {
    const applied = storage.snapshot().metadata.index;
    const n: TestNode = {
      id,
      storage,
      node: new RawNode(config(id, storage, { ...this.overrides, ...overrides, applied })),
      applied: [],
      readStates: [],
    };
    this.nodes.set(id, n);
    return n;
  }

  get(id: NodeId): TestNode {
    const n = this.nodes.get(id);
    if (n === undefined) throw new Error(`no node ${id}`);
    return n;
  }

  leader(): NodeId {
    for (const [id, n] of this.nodes) if (n.node.status().role === "leader") return id;
    return 0;
  }

  isolate(id: NodeId): void {
    for (const other of this.nodes.keys()) if (other !== id) this.cutLink(id, other);
  }

  cutLink(a: NodeId, b: NodeId): void {
    this.cut.add(a < b ? `${a}-${b}` : `${b}-${a}`);
  }

  heal(): void {
    this.cut.clear();
  }

  private linked(a: NodeId, b: NodeId): boolean {
    return !this.cut.has(a < b ? `${a}-${b}` : `${b}-${a}`);
  }

  /** Processes one Ready of a node: persist, queue messages, apply, advance. */
  handleReady(n: TestNode): void {
    const rd = n.node.ready();
    if (rd.snapshot !== undefined) n.storage.applySnapshot(rd.snapshot);
    n.storage.append(rd.entries);
    if (rd.hardState !== undefined) n.storage.setHardState(rd.hardState);
    this.inbox.push(...rd.messages);
    for (const e of rd.committedEntries) {
      if (e.type === "confChange") n.node.applyConfChange(decodeConfChange(e.data));
      n.applied.push(e);
    }
    n.readStates.push(...rd.readStates);
    n.node.advance();
  }

  /** Runs Readys and delivers messages until quiet (bounded). Returns messages delivered. */
  stabilize(maxRounds = 1000): number {
    let count = 0;
    for (let round = 0; round < maxRounds; round++) {
      let progress = false;
      for (const n of this.nodes.values()) {
        if (n.node.hasReady()) {
          this.handleReady(n);
          progress = true;
        }
      }
      const batch = this.inbox;
      this.inbox = [];
      for (const m of batch) {
        progress = true;
        if (!this.deliverable(m)) continue;
        const to = this.nodes.get(m.to);
        if (to === undefined) continue;
        this.delivered.push(m);
        count++;
        to.node.step(m);
      }
      if (!progress) return count;
    }
    throw new Error("cluster did not stabilize");
  }

  private deliverable(m: Message): boolean {
    if (!this.linked(m.from, m.to)) return false;
    return this.filter === undefined || this.filter(m);
  }

  tick(id: NodeId, times = 1): void {
    for (let i = 0; i < times; i++) this.get(id).node.tick();
  }

  tickAll(times = 1): void {
    for (let i = 0; i < times; i++) {
      for (const n of this.nodes.values()) n.node.tick();
      this.stabilize();
    }
  }

  campaign(id: NodeId): void {
    this.get(id).node.campaign();
    this.stabilize();
  }

  propose(id: NodeId, data: string): void {
    this.get(id).node.propose(bytes(data));
    this.stabilize();
  }

  confChange(id: NodeId, cc: ConfChange): void {
    this.get(id).node.proposeConfChange(cc);
    this.stabilize();
  }

  /** The normal, non-empty entries a node has applied, as strings. */
  appliedData(id: NodeId): string[] {
    return this.get(id)
      .applied.filter((e) => e.type === "normal" && e.data.length > 0)
      .map((e) => text(e.data));
  }

  /** Short transcript lines for delivered messages of the given types. */
  trace(types: Message["type"][]): string[] {
    return this.delivered.filter((m) => types.includes(m.type)).map(describe);
  }
}

/** A message with defaults for every field not given. */
export function msg(m: Partial<Message> & Pick<Message, "type" | "from" | "to" | "term">): Message {
  return { logTerm: 0, index: 0, entries: [], commit: 0, reject: false, rejectHint: 0, ...m };
}

export function describe(m: Message): string {
  const parts = [`${m.from}->${m.to} ${m.type} term=${m.term}`];
  if (m.type === "MsgApp") parts.push(`prev=${m.index}/${m.logTerm} ents=${m.entries.length} commit=${m.commit}`);
  if (m.type === "MsgAppResp") parts.push(m.reject ? `reject index=${m.index} hint=${m.rejectHint}/${m.logTerm}` : `index=${m.index}`);
  if ((m.type === "MsgVoteResp" || m.type === "MsgPreVoteResp") && m.reject) parts.push("reject");
  return parts.join(" ");
}
