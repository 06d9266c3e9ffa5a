// The RaftStorage handed to the core: the log's view, except that snapshot() returns the image
// from the node's snapshot file (the log keeps only snapshot metadata). Read-only.

import type { RaftStorage, Snapshot } from "../raft/index.js";
import type { SnapshotStore } from "./snapshot-store.js";

export function storageWithSnapshots(inner: RaftStorage, snapshots: SnapshotStore): RaftStorage {
  return {
    initialState: () => inner.initialState(),
    entries: (lo, hi, maxBytes) => inner.entries(lo, hi, maxBytes),
    term: (i) => inner.term(i),
    firstIndex: () => inner.firstIndex(),
    lastIndex: () => inner.lastIndex(),
    snapshot(): Snapshot {
      const ours = snapshots.latest();
      const theirs = inner.snapshot();
      return ours !== undefined && ours.metadata.index >= theirs.metadata.index ? ours : theirs;
    },
  };
}
