// SimDisk over the real WAL (node/log) on a SimFileSystem: the simulator then checks Raft and the
// log together. Each process incarnation writes through its own FencedFileSystem, fenced at the
// crash so promises still running in the dead incarnation cannot write again.
//
// The WAL keeps only snapshot metadata; the state machine image lives here, keyed by index, and
// compaction always compacts exactly to the image's index so the WAL's first index names it.

import { openWal, type Wal } from "../../node/log/index.js";
import type { ConfState, Entry, HardState, RaftStorage, Snapshot } from "../../node/raft/index.js";
import { encodeConfChange, NONE } from "../../node/raft/index.js";
import { type Random, type SimFaults, SimFileSystem, silentLogger } from "../../util/index.js";
import type { DiskBugs, SimDisk } from "./disk.js";
import { FencedFileSystem } from "./fenced-fs.js";

const DIR = "/data/raft";
/** Small segments so the simulation crosses segment boundaries and drops whole segments. */
const SIM_SEGMENT_BYTES = 4096;
const EMPTY = new Uint8Array(0);

export class WalDisk implements SimDisk {
  readonly fs: SimFileSystem;
  private fenced: FencedFileSystem | undefined;
  private wal: Wal | undefined;
  private readonly images = new Map<number, Uint8Array>();
  private bootstrapVoters: readonly number[] | undefined;

  constructor(
    random: Random,
    bootstrapVoters: readonly number[] | undefined,
    faults: SimFaults,
    private readonly bugs: DiskBugs = {},
  ) {
    this.fs = new SimFileSystem(random, faults);
    this.bootstrapVoters = bootstrapVoters;
  }

  private get log(): Wal {
    if (this.wal === undefined) throw new Error("WalDisk used while closed");
    return this.wal;
  }

  async open(): Promise<RaftStorage> {
    this.fenced = new FencedFileSystem(this.fs);
    const wal = await openWal(this.fenced, DIR, {
      logger: silentLogger,
      segmentMaxBytes: SIM_SEGMENT_BYTES,
      snapshotData: () => (this.wal === undefined ? EMPTY : (this.images.get(this.wal.storage.firstIndex() - 1) ?? EMPTY)),
    });
    this.wal = wal;
    const voters = this.bootstrapVoters;
    if (voters !== undefined && wal.storage.lastIndex() === 0) {
      const entries: Entry[] = voters.map((id, i) => ({
        term: 1,
        index: i + 1,
        type: "confChange",
        data: encodeConfChange({ type: "addVoter", nodeId: id }),
      }));
      await wal.save({ term: 1, vote: NONE, commit: voters.length }, entries);
    }
    this.bootstrapVoters = undefined;
    return wal.storage;
  }

  async save(
    hardState: HardState | undefined,
    entries: readonly Entry[],
    snapshot: Snapshot | undefined,
    mustSync: boolean,
  ): Promise<void> {
    if (snapshot !== undefined) {
      this.images.set(snapshot.metadata.index, snapshot.data);
      await this.log.applySnapshot(snapshot);
    }
    const hs = hardState !== undefined && this.bugs.forgetVote ? { ...hardState, vote: NONE } : hardState;
    // Like the node runtime: a commit-only Ready need not wait for an fsync.
    if (hs !== undefined || entries.length > 0) await this.log.save(hs, [...entries], { sync: mustSync });
  }

  sync(): void {
    // The WAL fsyncs inside save(); a crash during that write is the simulator's to inject.
  }

  async snapshotAndCompact(index: number, conf: ConfState, data: Uint8Array, _compactIndex: number): Promise<void> {
    const s = this.log.storage;
    if (index <= s.firstIndex() - 1 || index > s.lastIndex()) return;
    this.images.set(index, data);
    await this.log.compact(index, { index, term: s.term(index), conf: { voters: [...conf.voters], learners: [...conf.learners] } });
  }

  heal(): void {
    this.fs.faults = { ...this.fs.faults, diskFullProbability: 0 };
  }

  crash(): void {
    this.fenced?.fence();
    this.wal = undefined;
    this.fs.crash();
  }

  durableLastIndex(): number {
    return this.log.storage.lastIndex(); // the WAL indexes an entry only once it is fsynced
  }

  snapshot(): Snapshot {
    return this.log.storage.snapshot();
  }

  term(index: number): number | undefined {
    const s = this.log.storage;
    if (index < s.firstIndex() - 1 || index > s.lastIndex()) return undefined;
    return s.term(index);
  }
}
