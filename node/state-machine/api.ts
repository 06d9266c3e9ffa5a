// The seam between the replicated log and whatever it drives: committed commands go in, in log
// order, exactly once per replica. Implementations must be deterministic (no clock, no random,
// no I/O that can differ between replicas): every replica must reach the same state.

/**
 * A committed command, unwrapped from its Raft entry by the runtime. Several commands may share
 * one entry (they are applied in order, with the same index and term).
 */
export interface AppliedCommand {
  index: number;
  term: number;
  command: Uint8Array;
}

export interface StateMachine {
  /** Applies one committed command; the result is handed back to the proposing client. */
  apply(cmd: AppliedCommand): Uint8Array;
  /** A full image of the state (the runtime records at which index it was taken). */
  snapshot(): Uint8Array;
  /** Replaces the whole state with an image produced by snapshot(). */
  restore(image: Uint8Array): void | Promise<void>;
}

/**
 * A state machine that keeps its own durable image (the storage engine). For it the runtime
 * checkpoints instead of writing full images, replays the log from durableIndex() + 1 after a
 * restart, and exports a full image (snapshot()) only when a lagging follower needs one.
 */
export interface DurableStateMachine extends StateMachine {
  /** Log index of the last completed checkpoint (at open: the one recovered from disk). */
  durableIndex(): number;
  /** Makes everything applied up to `index` durable. */
  checkpoint(index: number): Promise<void>;
}

export function isDurable(sm: StateMachine): sm is DurableStateMachine {
  const d = sm as Partial<DurableStateMachine>;
  return typeof d.durableIndex === "function" && typeof d.checkpoint === "function";
}
