// Membership requests as the runtime accepts them: validation of `member add-learner/add-voter/
// promote/remove` against the current configuration (pure), and the bounded set of callers
// waiting for a leadership transfer to land.

import type { ConfChange, ConfState } from "../raft/index.js";
import { type Clock, KodiakError, SqlState } from "../../util/index.js";

const ACTIONS: Record<string, ConfChange["type"]> = {
  "add-learner": "addLearner",
  "add-voter": "addVoter",
  promote: "addVoter",
  remove: "removeNode",
};

/** Checks a membership request; returns the change type and the member's address. */
export function planConfChange(
  action: string,
  nodeId: number,
  address: string,
  conf: ConfState,
  knownAddress: string | undefined,
): { type: ConfChange["type"]; address: string } {
  const type = ACTIONS[action];
  if (type === undefined) throw new KodiakError(SqlState.invalidParameterValue, `unknown membership action '${action}'`);
  if (!Number.isSafeInteger(nodeId) || nodeId <= 0) throw new KodiakError(SqlState.invalidParameterValue, `invalid node id ${nodeId}`);
  if (action === "promote" && !conf.learners.includes(nodeId)) {
    throw new KodiakError(SqlState.objectNotInPrerequisiteState, `node ${nodeId} is not a learner`);
  }
  if (action === "remove" && !conf.learners.includes(nodeId) && !conf.voters.includes(nodeId)) {
    throw new KodiakError(SqlState.undefinedObject, `node ${nodeId} is not a member`);
  }
  if (action.startsWith("add-") && (conf.voters.includes(nodeId) || conf.learners.includes(nodeId))) {
    throw new KodiakError(SqlState.duplicateObject, `node ${nodeId} is already a member`);
  }
  const addr = address !== "" ? address : (knownAddress ?? "");
  if (type !== "removeNode" && addr === "")
    throw new KodiakError(SqlState.invalidParameterValue, `an address is needed to add node ${nodeId}`);
  return { type, address: addr };
}

/** Bound on concurrent leadership-transfer requests waiting for the new leader. */
export const MAX_TRANSFER_WAITERS = 16;
/** Bound on waiting for a leadership transfer to complete. */
export const TRANSFER_TIMEOUT_MS = 5000;

export class LeaderWaiters {
  private readonly waiters = new Set<{ to: number; done: () => void }>();

  constructor(private readonly clock: Clock) {}

  /** Resolves when leaderChanged(to) is reported, or fails after TRANSFER_TIMEOUT_MS. */
  wait(to: number): Promise<void> {
    if (this.waiters.size >= MAX_TRANSFER_WAITERS) {
      throw new KodiakError(SqlState.tooManyConnections, `too many leadership transfers in progress (limit ${MAX_TRANSFER_WAITERS})`);
    }
    return new Promise<void>((resolve, reject) => {
      const w = {
        to,
        done: () => {
          timer.cancel();
          resolve();
        },
      };
      const timer = this.clock.setTimeout(() => {
        this.waiters.delete(w);
        reject(new KodiakError(SqlState.queryCanceled, `leadership did not move to node ${to} within ${TRANSFER_TIMEOUT_MS} ms`));
      }, TRANSFER_TIMEOUT_MS);
      this.waiters.add(w);
    });
  }

  leaderChanged(leader: number): void {
    for (const w of this.waiters) {
      if (w.to === leader) {
        this.waiters.delete(w);
        w.done();
      }
    }
  }
}
