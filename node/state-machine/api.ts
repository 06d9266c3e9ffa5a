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
  restore(image: Uint8Array): void;
}
