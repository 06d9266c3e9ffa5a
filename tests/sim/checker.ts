// Safety invariants the simulator checks after every step. Each check is incremental (it looks
// only at what the step changed), so checking after every event stays cheap. A violation is a
// string describing what broke; the first one ends the run.

import type { Entry, NodeId } from "../../node/raft/index.js";

export function entryKey(e: Entry): string {
  return `${e.term}:${e.type}:${Buffer.from(e.data).toString("latin1")}`;
}

export class Violation extends Error {
  constructor(message: string) {
    super(message);
    this.name = "Violation";
  }
}

function fail(what: string): never {
  throw new Violation(what);
}

export class SafetyChecker {
  /** Election safety: term -> the one leader of that term. */
  private readonly leaders = new Map<number, NodeId>();
  /** Log matching: "index/term" -> key of the entry and the term before it, as first persisted anywhere. */
  private readonly persisted = new Map<string, { key: string; prevTerm: number | undefined }>();
  /** Committed entries: index -> term, as first learned committed by any node. */
  readonly committedTerm = new Map<number, number>();
  maxCommitted = 0;
  /** State machine safety: index -> key of the entry applied there, and the state hash after it. */
  private readonly applied = new Map<number, { key: string; hash: number }>();

  leaderOf(term: number, id: NodeId): void {
    const prev = this.leaders.get(term);
    if (prev !== undefined && prev !== id) fail(`election safety: nodes ${prev} and ${id} both lead term ${term}`);
    this.leaders.set(term, id);
  }

  persistedEntry(node: NodeId, e: Entry, prevTerm: number | undefined): void {
    const k = `${e.index}/${e.term}`;
    const key = entryKey(e);
    const seen = this.persisted.get(k);
    if (seen === undefined) {
      this.persisted.set(k, { key, prevTerm });
      return;
    }
    if (seen.key !== key) fail(`log matching: node ${node} persisted a different entry at ${k}`);
    if (seen.prevTerm !== undefined && prevTerm !== undefined && seen.prevTerm !== prevTerm) {
      fail(`log matching: node ${node} has term ${prevTerm} before ${k}, another node has ${seen.prevTerm}`);
    }
  }

  committed(node: NodeId, index: number, term: number): void {
    const seen = this.committedTerm.get(index);
    if (seen !== undefined && seen !== term)
      fail(`commit safety: node ${node} committed term ${term} at ${index}, another committed term ${seen}`);
    this.committedTerm.set(index, term);
    if (index > this.maxCommitted) this.maxCommitted = index;
  }

  /** Leader completeness: a new leader's log holds every entry committed so far. */
  newLeader(node: NodeId, term: number, firstIndex: number, termAt: (i: number) => number | undefined): void {
    for (let i = Math.max(1, firstIndex); i <= this.maxCommitted; i++) {
      const want = this.committedTerm.get(i);
      if (want === undefined) continue;
      const have = termAt(i);
      if (have !== want)
        fail(`leader completeness: leader ${node} of term ${term} has term ${have} at committed index ${i} (want ${want})`);
    }
  }

  appliedEntry(node: NodeId, index: number, key: string, hash: number): void {
    const seen = this.applied.get(index);
    if (seen === undefined) {
      this.applied.set(index, { key, hash });
      return;
    }
    if (seen.key !== key) fail(`state machine safety: node ${node} applied a different entry at index ${index}`);
    if (seen.hash !== hash) fail(`state machine safety: node ${node} has a different state after index ${index}`);
  }

  restoredSnapshot(node: NodeId, index: number, hash: number): void {
    const seen = this.applied.get(index);
    if (seen !== undefined && seen.hash !== hash) fail(`snapshot safety: node ${node} restored a state at ${index} nobody applied`);
  }

  appliedKeyAt(index: number): string | undefined {
    return this.applied.get(index)?.key;
  }
}
