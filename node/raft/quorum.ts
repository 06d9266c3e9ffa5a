// Majority arithmetic over a set of voters: the commit index a quorum has reached, the outcome of a
// vote, the latest time a quorum has vouched for. Pure functions; learners are never passed in.

import { assert } from "../../util/index.js";
import type { NodeId } from "./types.js";

export type VoteResult = "won" | "lost" | "pending";

/** The largest value v such that a majority of voters report a value >= v (0 for no voters). */
export function majorityValue(voters: readonly NodeId[], valueFor: (id: NodeId) => number): number {
  if (voters.length === 0) return 0;
  const values = voters.map(valueFor).sort((a, b) => b - a);
  const q = Math.floor(voters.length / 2);
  const v = values[q];
  assert(v !== undefined, "quorum index within voters");
  return v;
}

/** Outcome of an election given the granted (true) / rejected (false) answers received so far. */
export function voteResult(voters: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  const quorum = Math.floor(voters.length / 2) + 1;
  let granted = 0;
  let missing = 0;
  for (const id of voters) {
    const v = votes.get(id);
    if (v === undefined) missing++;
    else if (v) granted++;
  }
  if (granted >= quorum) return "won";
  if (granted + missing >= quorum) return "pending";
  return "lost";
}

/** True when the voters for which `active` holds form a majority. */
export function isQuorum(voters: readonly NodeId[], active: (id: NodeId) => boolean): boolean {
  let n = 0;
  for (const id of voters) if (active(id)) n++;
  return n >= Math.floor(voters.length / 2) + 1;
}
