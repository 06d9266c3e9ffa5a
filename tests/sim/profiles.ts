// Fault and workload profiles for the simulator. A seed picks one; each stresses one area
// (crashes, partitions, membership, snapshots, transfers, lease reads under skew) while the
// others stay possible at a low rate.

import type { Random } from "../../util/index.js";

export interface Profile {
  name: string;
  voters: number;
  /** Per nominal tick probabilities of client/fault actions. */
  proposeP: number;
  readP: number;
  crashP: number;
  restartP: number;
  /** Crash and restart within a tick (a process bounce, e.g. in the middle of an election). */
  bounceP: number;
  /** A random voter's election timer fires early (spurious campaign): competing candidates. */
  campaignP: number;
  partitionP: number;
  healP: number;
  confChangeP: number;
  transferP: number;
  /** Network: per-message drop and duplicate probability, max delay in ticks. */
  dropRate: number;
  dupRate: number;
  maxDelayTicks: number;
  /** Applied entries between local snapshots (then compaction keeps a few entries). */
  snapshotEvery: number;
  preVote: boolean;
  checkQuorum: boolean;
  leaseReads: boolean;
  /** Max deviation of each node's tick rate from nominal, in percent. */
  skewPercent: number;
  maxInflightMsgs: number;
  maxSizePerMsg: number;
}

const BASE: Omit<Profile, "name" | "voters" | "preVote" | "checkQuorum"> = {
  proposeP: 0.4,
  readP: 0.15,
  crashP: 0.004,
  restartP: 0.05,
  bounceP: 0.005,
  campaignP: 0.005,
  partitionP: 0.004,
  healP: 0.03,
  confChangeP: 0.004,
  transferP: 0.003,
  dropRate: 0.02,
  dupRate: 0.01,
  maxDelayTicks: 2,
  snapshotEvery: 40,
  leaseReads: false,
  skewPercent: 5,
  maxInflightMsgs: 8,
  maxSizePerMsg: 256,
};

const NAMES = ["crash", "partition", "membership", "snapshot", "transfer", "lease-skew", "mixed", "storm"] as const;

export type ProfileName = (typeof NAMES)[number];
export const PROFILE_NAMES: readonly ProfileName[] = NAMES;

/** Picks a profile from the seed's random stream (or the one forced by `force`). */
export function pickProfile(r: Random, force?: ProfileName): Profile {
  const drawn = NAMES[r.int(NAMES.length)] as ProfileName;
  const name = force ?? drawn;
  const preVote = r.int(2) === 0;
  const checkQuorum = r.int(2) === 0;
  const p: Profile = { ...BASE, name, voters: r.int(2) === 0 ? 3 : 5, preVote, checkQuorum };
  switch (name) {
    case "crash":
      p.crashP = 0.03;
      p.restartP = 0.1;
      break;
    case "partition":
      p.partitionP = 0.03;
      p.healP = 0.04;
      p.dropRate = 0.05;
      break;
    case "membership":
      p.confChangeP = 0.08;
      p.partitionP = 0.01;
      p.crashP = 0.008;
      break;
    case "snapshot":
      p.snapshotEvery = 8;
      p.crashP = 0.015;
      p.partitionP = 0.01;
      break;
    case "transfer":
      p.transferP = 0.05;
      p.crashP = 0.008;
      break;
    case "lease-skew":
      p.checkQuorum = true;
      p.leaseReads = true;
      p.skewPercent = 10;
      p.readP = 0.6;
      p.partitionP = 0.015;
      p.transferP = 0.01;
      p.crashP = 0.01;
      break;
    case "storm":
      p.voters = 5;
      p.proposeP = 0.8;
      p.bounceP = 0.15;
      p.campaignP = 0.15;
      p.crashP = 0.02;
      p.restartP = 0.2;
      p.partitionP = 0.03;
      p.healP = 0.1;
      p.dropRate = 0.1;
      p.dupRate = 0.05;
      p.maxDelayTicks = 4;
      p.snapshotEvery = 25;
      p.maxSizePerMsg = 64;
      break;
    case "mixed":
      p.crashP = 0.015;
      p.partitionP = 0.015;
      p.confChangeP = 0.03;
      p.transferP = 0.01;
      p.snapshotEvery = 15;
      p.leaseReads = p.checkQuorum;
      break;
  }
  return p;
}
