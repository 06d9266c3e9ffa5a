// Known Raft bugs the simulator must catch, by name (CLI --bug NAME and the bug-injection tests).
// Each is a test-only knob in the core, the simulated disk or the simulated runtime; none is ever
// set in production.

import type { SimOptions } from "./simulation.js";

export const INJECTED_BUGS = {
  /** The disk drops the vote from the hard state: a restarted node votes twice in a term. */
  "forget-vote": { diskBugs: { forgetVote: true } },
  /** The leader commits a previous-term entry once a majority stores it (Raft paper Figure 8). */
  figure8: { knobs: { commitPreviousTermByCounting: true } },
  /** Voters skip the "candidate's log is at least as up to date" check (§5.4.1). */
  "vote-ignores-log": { knobs: { voteIgnoresLog: true } },
  /** Followers acknowledge appended entries before fsyncing them; a crash then loses acked entries. */
  "ack-before-persist": { runtimeBugs: { ackBeforePersist: true } },
} as const satisfies Record<string, Pick<SimOptions, "knobs" | "diskBugs" | "runtimeBugs">>;

export type InjectedBug = keyof typeof INJECTED_BUGS;

export function isInjectedBug(name: string): name is InjectedBug {
  return Object.hasOwn(INJECTED_BUGS, name);
}
