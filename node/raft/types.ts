// Public types of the pure Raft core (etcd-raft shape). No I/O anywhere in node/raft/: the node
// runtime and the simulator both drive it through step()/tick()/propose() and drain Ready.
//
// Terms and indexes are JS numbers. They are asserted to stay below 2^53 (Number.MAX_SAFE_INTEGER):
// at a million entries per second that is 285 years of log, so bigint is not worth its cost.

export type NodeId = number; // a positive integer, unique within a cluster; 0 means "none"

export const NONE: NodeId = 0;

export type EntryType = "normal" | "confChange";

export interface Entry {
  term: number;
  index: number;
  type: EntryType;
  /** For "normal": the state machine command (empty = leader's no-op). For "confChange": an encoded ConfChange. */
  data: Uint8Array;
}

export type ConfChangeType = "addVoter" | "addLearner" | "removeNode";

/** One membership change (one-at-a-time rule from the Raft thesis §4.1; learners never vote). */
export interface ConfChange {
  type: ConfChangeType;
  nodeId: NodeId;
  /** Opaque to the core: e.g. the node's address, for the runtime. */
  context?: Uint8Array;
}

export interface ConfState {
  voters: NodeId[];
  learners: NodeId[];
}

export interface HardState {
  term: number;
  vote: NodeId;
  commit: number;
}

export interface SnapshotMetadata {
  index: number;
  term: number;
  conf: ConfState;
}

export interface Snapshot {
  metadata: SnapshotMetadata;
  /** State machine image at metadata.index (the transport streams it in checksummed chunks). */
  data: Uint8Array;
}

export type MessageType =
  | "MsgHup" // local: start an election
  | "MsgBeat" // local: leader sends heartbeats
  | "MsgProp" // proposal (local, or forwarded by a follower)
  | "MsgApp"
  | "MsgAppResp"
  | "MsgVote"
  | "MsgVoteResp"
  | "MsgPreVote"
  | "MsgPreVoteResp"
  | "MsgSnap"
  | "MsgHeartbeat"
  | "MsgHeartbeatResp"
  | "MsgUnreachable" // local: transport could not deliver to `from`
  | "MsgSnapStatus" // local: snapshot delivery finished (reject = failed)
  | "MsgCheckQuorum" // local
  | "MsgTransferLeader"
  | "MsgTimeoutNow"
  | "MsgReadIndex"
  | "MsgReadIndexResp";

export interface Message {
  type: MessageType;
  from: NodeId;
  to: NodeId;
  term: number;
  /** MsgApp: term of the entry at `index`; vote requests: term of the candidate's last entry. */
  logTerm: number;
  /** MsgApp: index preceding `entries`; vote requests: candidate's last index; responses: see raft.ts. */
  index: number;
  entries: Entry[];
  commit: number;
  reject: boolean;
  /** On rejection: the follower's hint for fast back-off. */
  rejectHint: number;
  snapshot?: Snapshot;
  /** ReadIndex request context, echoed back; heartbeat context. */
  context?: Uint8Array;
}

export type StateRole = "follower" | "candidate" | "preCandidate" | "leader";

export interface SoftState {
  leader: NodeId;
  role: StateRole;
}

/** A linearizable read may be served once the state machine has applied `index`. */
export interface ReadState {
  index: number;
  context: Uint8Array;
}

/**
 * Output of the core. The caller must, in order: persist hardState, entries and snapshot
 * (fsync), then send messages, then apply committedEntries, then call advance(). Messages are
 * only ever in a Ready together with the state they depend on, so "persist before send" holds.
 */
export interface Ready {
  softState?: SoftState;
  hardState?: HardState;
  entries: Entry[];
  snapshot?: Snapshot;
  committedEntries: Entry[];
  messages: Message[];
  readStates: ReadState[];
  /** True when hardState or entries must be fsynced before messages are sent. */
  mustSync: boolean;
  /**
   * True when messages may be sent BEFORE this Ready is persisted, in parallel with the fsync
   * (Raft thesis §10.2.1; etcd does the same): only for a leader whose term and vote are unchanged
   * and with no snapshot to install. It is safe only if the caller also keeps this rule: no later
   * Ready is taken (so nothing is committed, applied or acknowledged on the strength of these
   * entries) until this one is persisted. Then the leader's own, not yet durable, copy can never
   * complete a majority anyone acts on: followers learn a commit index, and clients get answers,
   * only from later Readies, and every entry a follower can have acknowledged by then was in an
   * earlier, already persisted, Ready. Followers never send early: their acks promise durability.
   */
  sendBeforePersist: boolean;
}

/**
 * Read-only view of the durable log the core consults (like etcd's raft.Storage). The runtime
 * implements it over node/log; the simulator over its simulated disk. Indexes below firstIndex()
 * are compacted (covered by the snapshot).
 */
export interface RaftStorage {
  initialState(): { hardState: HardState; confState: ConfState };
  /** Entries in [lo, hi), at most maxBytes of data (at least one entry if any). */
  entries(lo: number, hi: number, maxBytes: number): Entry[];
  /** Term of the entry at index i; for firstIndex()-1 the snapshot's term. Throws CompactedError / UnavailableError. */
  term(i: number): number;
  firstIndex(): number;
  lastIndex(): number;
  snapshot(): Snapshot;
}

export interface RaftConfig {
  id: NodeId;
  /** Ticks a follower waits without hearing from a leader before campaigning; randomized in [e, 2e). */
  electionTicks: number;
  heartbeatTicks: number;
  storage: RaftStorage;
  /** Index of the last entry applied to the state machine (on restart). */
  applied: number;
  /** Bound on bytes of entries in one MsgApp. */
  maxSizePerMsg: number;
  /** Bound on in-flight MsgApp per follower (flow control). */
  maxInflightMsgs: number;
  /** Bound on in-flight bytes per follower (flow control); 0 = unlimited. */
  maxInflightBytes: number;
  preVote: boolean;
  checkQuorum: boolean;
  /** Serve reads from the leader lease (requires checkQuorum and bounded clock drift). */
  leaseReads: boolean;
  /** Seeded randomness for election timeouts. */
  random: { int(n: number): number };
}

export interface ProgressStatus {
  match: number;
  next: number;
  state: "probe" | "replicate" | "snapshot";
  recentActive: boolean;
  /** Flow control window in use (metrics kodiak_raft_inflight_messages / _bytes). */
  inflightMessages?: number;
  inflightBytes?: number;
}

export interface RaftStatus {
  id: NodeId;
  term: number;
  vote: NodeId;
  commit: number;
  applied: number;
  lead: NodeId;
  role: StateRole;
  conf: ConfState;
  /** Only on the leader. */
  progress?: Map<NodeId, ProgressStatus>;
  leadTransferee: NodeId;
}

/**
 * The core's driving API (implemented by RawNode in node/raft/). Calls never block and never do
 * I/O; results come out through ready(). Proposals to a non-leader are forwarded to the known
 * leader or dropped (ErrProposalDropped as a thrown KodiakError 57P03 when there is no leader).
 */
export interface RawNodeApi {
  tick(): void;
  /** Starts an election now (tests, and the runtime on boot of a single-node cluster). */
  campaign(): void;
  step(m: Message): void;
  propose(data: Uint8Array): void;
  /**
   * Proposes several commands as consecutive entries in one step: one append, and one MsgApp per
   * follower instead of one per command. All or none are accepted.
   */
  proposeEntries(data: readonly Uint8Array[]): void;
  proposeConfChange(cc: ConfChange): void;
  /** After a confChange entry is committed and applied by the runtime, it reports it here. */
  applyConfChange(cc: ConfChange): ConfState;
  /** Requests a linearizable read point; a ReadState with this context comes out in a Ready. */
  readIndex(context: Uint8Array): void;
  transferLeader(to: NodeId): void;
  reportUnreachable(id: NodeId): void;
  reportSnapshot(id: NodeId, ok: boolean): void;
  hasReady(): boolean;
  ready(): Ready;
  /** Acknowledges the last Ready: everything in it was persisted/sent/applied. */
  advance(): void;
  status(): RaftStatus;
}
