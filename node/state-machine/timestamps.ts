// Timestamps of the transactional state machine, derived only from log positions (never a clock):
// the commit timestamp of a command and the snapshot timestamp that sees an applied index.

/**
 * Commit timestamps per log entry: command k of the entry at index i commits at i * this + k.
 * Must exceed the runtime's commands per entry (512). Timestamps stay below 2^53 for 8.8e12
 * entries (280 years at 1000 entries per second).
 */
export const COMMIT_TS_PER_ENTRY = 1024;

export function commitTimestampOf(index: number, position: number): number {
  return index * COMMIT_TS_PER_ENTRY + position;
}

/** The snapshot timestamp that sees every command of every entry up to appliedIndex. */
export function snapshotTimestampAt(appliedIndex: number): number {
  return appliedIndex * COMMIT_TS_PER_ENTRY + (COMMIT_TS_PER_ENTRY - 1);
}

/** The log index of the entry a commit timestamp belongs to. */
export function entryIndexOf(commitTs: number): number {
  return Math.floor(commitTs / COMMIT_TS_PER_ENTRY);
}
