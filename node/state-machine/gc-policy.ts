// The MVCC garbage-collection horizon as a pure function of the log index being applied. Every
// replica applies the same entries, so every replica raises the store's retention timestamp to the
// same value at the same index, and apply-time validation (72000 for reads below the horizon,
// 40001 conflicts above it) answers identically everywhere. Never a clock: a local clock or local
// timing would move the horizon at different indexes on different replicas and split them.
//
// Only the horizon is replicated state. How far each replica's incremental sweep has physically
// pruned is local (it depends on page layout and cache), and it is invisible: pruning removes only
// versions no read at or above the horizon can see (see storage/tree.ts pruneVersions), and
// snapshot export applies the same rule to what is still on the pages.

import { snapshotTimestampAt } from "./timestamps.js";

/**
 * Default: versions stay readable for this many log entries after they were superseded. Part of
 * the replicated protocol: every replica of a group must use the same value (a transaction whose
 * read timestamp is older fails with 72000 "snapshot too old" and is retried by the client).
 */
export const DEFAULT_GC_RETENTION_ENTRIES = 100_000;
/** The horizon moves in steps of this many entries, so a sweep has time to finish between moves. */
export const DEFAULT_GC_STEP_ENTRIES = 1024;
/** Leaves the sweep visits per applied command: bounds the work GC adds to one apply. */
export const DEFAULT_GC_LEAVES_PER_COMMAND = 2;

export interface GcPolicy {
  retentionEntries: number;
  stepEntries: number;
  leavesPerCommand: number;
}

export function gcPolicy(p: Partial<GcPolicy> = {}): GcPolicy {
  const policy = {
    retentionEntries: p.retentionEntries ?? DEFAULT_GC_RETENTION_ENTRIES,
    stepEntries: p.stepEntries ?? DEFAULT_GC_STEP_ENTRIES,
    leavesPerCommand: p.leavesPerCommand ?? DEFAULT_GC_LEAVES_PER_COMMAND,
  };
  for (const [name, v] of Object.entries(policy)) {
    if (!Number.isSafeInteger(v) || v < 1) throw new RangeError(`GC policy ${name} must be a positive integer: got ${v}`);
  }
  return policy;
}

/**
 * The retention timestamp in force while applying the entry at index: the snapshot timestamp of
 * the entry retentionEntries back, rounded down to a multiple of stepEntries; 0 = nothing is
 * collected yet. Monotone in index, so replaying the log after a restart or a snapshot install
 * reaches the same value at the same index.
 */
export function gcHorizonAt(index: number, policy: GcPolicy): number {
  const back = index - policy.retentionEntries;
  if (back < policy.stepEntries) return 0;
  return snapshotTimestampAt(back - (back % policy.stepEntries));
}
