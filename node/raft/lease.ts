// Leader-lease arithmetic (Raft thesis §6.4.1), kept apart so the clock assumption is in one place.
//
// Clock assumption: every node's tick rate stays within maxClockDriftPercent (ρ) of nominal. A
// follower that acknowledged a heartbeat ignores vote requests for electionTicks of its own ticks
// after receiving it (and a restarted node does so for electionTicks after boot), i.e. for at
// least (electionTicks-1)/(1+ρ) nominal periods: the first of its ticks may come right after the
// heartbeat. The leader trusts that promise for L of its own ticks counted from when it *sent*
// the heartbeat, which may take up to L/(1-ρ) periods, so L/(1-ρ) <= (e-1)/(1+ρ).
// Forced votes (leadership transfer) bypass the promise, so a leader that sent MsgTimeoutNow
// serves no lease reads for the rest of its term.

import { assert } from "../../util/index.js";

/** Assumed bound on how far any node's tick rate differs from nominal, in percent. */
export const DEFAULT_MAX_CLOCK_DRIFT_PERCENT = 10;

/** Ticks of the leader's clock a quorum's heartbeat acknowledgement keeps its lease valid. */
export function leaseTicks(electionTicks: number, maxClockDriftPercent: number): number {
  assert(maxClockDriftPercent >= 0 && maxClockDriftPercent < 100, "clock drift bound within [0, 100)");
  const rho = maxClockDriftPercent / 100;
  return Math.floor(((electionTicks - 1) * (1 - rho)) / (1 + rho));
}
