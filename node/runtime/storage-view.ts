// The RaftStorage handed to the core: the log's view, except that snapshot() returns the image
// from the node's snapshot file (the log keeps only snapshot metadata). Read-only.

import type { RaftStorage, Snapshot } from "../raft/types.js";
import type { SnapshotStore } from "./snapshot-store.js";

/**
 * live: for a durable state machine, builds the snapshot to send a lagging follower (the file
 * then holds only metadata and peers). Cached per index: exporting the store is not free.
 */
export interface LiveSnapshots {
  appliedIndex(): number;
  build(): Snapshot;
}

export function storageWithSnapshots(inner: RaftStorage, snapshots: SnapshotStore, live?: LiveSnapshots): RaftStorage {
  let cached: Snapshot | undefined;
  return {
    initialState: () => inner.initialState(),
    entries: (lo, hi, maxBytes) => inner.entries(lo, hi, maxBytes),
    term: (i) => inner.term(i),
    firstIndex: () => inner.firstIndex(),
    lastIndex: () => inner.lastIndex(),
    snapshot(): Snapshot {
      if (live !== undefined) {
        if (cached === undefined || cached.metadata.index !== live.appliedIndex()) cached = live.build();
        return cached;
      }
      const ours = snapshots.latest();
      const theirs = inner.snapshot();
      return ours !== undefined && ours.metadata.index >= theirs.metadata.index ? ours : theirs;
    },
  };
}
