// The RaftStorage view of the log handed to the Raft core: reads only, from the entry cache or
// the segment files. Must never return bytes that failed their checksum or an entry at the wrong
// index (every disk read is checked again: the pair of the checks made when writing).

import { type FileHandle, KodiakError, SqlState } from "../../util/index.js";
import type { ConfState, Entry, HardState, RaftStorage, Snapshot } from "../raft/types.js";
import type { EntryCache } from "./entry-cache.js";
import type { EntryIndex } from "./entry-index.js";
import { CompactedError, corruptSegment, UnavailableError } from "./errors.js";
import { decodeEntry, parseRecord, RecordType, segmentSeed } from "./record.js";
import type { LogMeta } from "./state-file.js";

/** What the view reads; owned and mutated by the Wal, never by the view. */
export interface LogReadState {
  readonly index: EntryIndex;
  readonly cache: EntryCache;
  meta(): LogMeta;
  hardState(): HardState;
  segmentHandle(seq: number): FileHandle | undefined;
  snapshotData(): Uint8Array;
}

export class LogStorageView implements RaftStorage {
  constructor(private readonly log: LogReadState) {}

  initialState(): { hardState: HardState; confState: ConfState } {
    const conf = this.log.meta().snapshot.conf;
    return { hardState: { ...this.log.hardState() }, confState: { voters: [...conf.voters], learners: [...conf.learners] } };
  }

  entries(lo: number, hi: number, maxBytes: number): Entry[] {
    const first = this.firstIndex();
    if (lo < first) throw new CompactedError(lo, first);
    if (hi > this.lastIndex() + 1) throw new UnavailableError(hi - 1, this.lastIndex());
    const out: Entry[] = [];
    let bytes = 0;
    for (let i = lo; i < hi; i++) {
      const e = this.entry(i);
      bytes += e.data.length;
      if (out.length > 0 && bytes > maxBytes) break;
      out.push(e);
    }
    return out;
  }

  term(i: number): number {
    const meta = this.log.meta();
    if (i < meta.compactIndex) throw new CompactedError(i, meta.compactIndex + 1);
    if (i === meta.compactIndex) return meta.compactTerm;
    if (i > this.lastIndex()) throw new UnavailableError(i, this.lastIndex());
    return this.log.index.term(i);
  }

  firstIndex(): number {
    return this.log.meta().compactIndex + 1;
  }

  lastIndex(): number {
    return this.log.index.last;
  }

  snapshot(): Snapshot {
    return { metadata: this.log.meta().snapshot, data: this.log.snapshotData() };
  }

  private entry(i: number): Entry {
    return this.log.cache.get(i) ?? this.readFromDisk(i);
  }

  private readFromDisk(i: number): Entry {
    const loc = this.log.index.get(i);
    const handle = this.log.segmentHandle(loc.segmentSeq);
    if (handle === undefined) throw new KodiakError(SqlState.internalError, `log segment ${loc.segmentSeq} of entry ${i} is not open`);
    const buf = new Uint8Array(loc.recordBytes);
    const n = handle.read(buf, 0, buf.length, loc.offset);
    const r = parseRecord(buf, 0, n, segmentSeed(loc.segmentSeq));
    if (!r.ok) throw corruptSegment(handle.path, loc.offset, `${r.reason} (re-reading entry ${i})`);
    if (r.type !== RecordType.entry) throw corruptSegment(handle.path, loc.offset, `expected entry ${i}, found a record of type ${r.type}`);
    const e = decodeEntry(buf, r.payloadStart, r.end);
    if (e.index !== i || e.term !== loc.term) {
      throw corruptSegment(handle.path, loc.offset, `expected entry ${i} term ${loc.term}, found entry ${e.index} term ${e.term}`);
    }
    return e;
  }
}
