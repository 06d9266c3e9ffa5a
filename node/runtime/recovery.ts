// Startup reconciliation of the two durable pieces the runtime owns: the snapshot file and the
// log. Installing a leader's snapshot writes the file first, then the log; a crash in between
// leaves a file newer than the log's commit, which would start the core with applied > commit.

import type { Wal } from "../log/index.js";
import type { Snapshot } from "../raft/index.js";
import type { Logger } from "../../util/index.js";

/** Brings the log up to the snapshot file when the file is ahead (a snapshot install was cut short). */
export async function reconcileSnapshot(wal: Wal, snap: Snapshot | undefined, logger: Logger): Promise<void> {
  if (snap === undefined) return;
  const commit = wal.storage.initialState().hardState.commit;
  if (snap.metadata.index <= commit) return;
  logger.warn({ snapshotIndex: snap.metadata.index, logCommit: commit }, "snapshot file is ahead of the log; finishing its install");
  await wal.applySnapshot(snap);
}
