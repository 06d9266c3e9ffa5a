import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  applyToConfState,
  CompactedError,
  decodeConfChange,
  encodeConfChange,
  type Entry,
  MemoryRaftStorage,
} from "../../../node/raft/index.js";
import { RaftLog } from "../../../node/raft/log.js";
import { Inflights, Progress } from "../../../node/raft/progress.js";
import { isQuorum, majorityValue, voteResult } from "../../../node/raft/quorum.js";
import { ReadOnly } from "../../../node/raft/read-only.js";
import { bytes } from "./harness.js";

function ents(from: number, terms: number[]): Entry[] {
  return terms.map((term, i) => ({ term, index: from + i, type: "normal" as const, data: bytes(`e${from + i}`) }));
}

describe("raft parts: quorum", () => {
  it("the majority value is the highest index a majority has reached", () => {
    const match = new Map([
      [1, 9],
      [2, 5],
      [3, 7],
    ]);
    assert.equal(
      majorityValue([1, 2, 3], (id) => match.get(id) ?? 0),
      7,
    );
    assert.equal(
      majorityValue([1, 2, 3, 4], (id) => match.get(id) ?? 0),
      5,
    );
  });

  it("an election is won, lost or pending depending on the answers so far", () => {
    assert.equal(voteResult([1, 2, 3], new Map([[1, true]])), "pending");
    assert.equal(
      voteResult(
        [1, 2, 3],
        new Map([
          [1, true],
          [2, true],
        ]),
      ),
      "won",
    );
    assert.equal(
      voteResult(
        [1, 2, 3],
        new Map([
          [1, true],
          [2, false],
          [3, false],
        ]),
      ),
      "lost",
    );
    assert.equal(voteResult([1, 2, 3], new Map([[4, true]])), "pending", "non-voters do not count");
    assert.ok(isQuorum([1, 2, 3, 4, 5], (id) => id <= 3));
    assert.ok(!isQuorum([1, 2, 3, 4], (id) => id <= 2));
  });
});

describe("raft parts: progress and inflights", () => {
  it("the in-flight window fills by count and by bytes and frees on acknowledgement", () => {
    const w = new Inflights(3, 0);
    w.add(5, 10);
    w.add(7, 10);
    w.add(9, 10);
    assert.ok(w.full());
    w.freeLE(7);
    assert.equal(w.count, 1);
    assert.ok(!w.full());
    const b = new Inflights(100, 25);
    b.add(1, 10);
    b.add(2, 10);
    assert.ok(!b.full());
    b.add(3, 10);
    assert.ok(b.full());
    b.freeFirstOne();
    assert.equal(b.inflightBytes, 20);
    assert.throws(() => new Inflights(0, 0), /maxInflightMsgs/);
  });

  it("a probing follower is paused after one MsgApp; a replicating one after a full window", () => {
    const p = new Progress(5, 2, 0, false);
    p.sentEntries(1, 5, 10);
    assert.ok(p.isPaused());
    assert.ok(p.maybeUpdate(5));
    p.becomeReplicate();
    p.sentEntries(2, 7, 10);
    p.sentEntries(1, 8, 10);
    assert.equal(p.next, 9);
    assert.ok(p.isPaused());
    p.becomeSnapshot(20);
    assert.ok(p.isPaused());
    p.becomeProbe();
    assert.equal(p.next, 21, "after a snapshot, probe right after it");
  });

  it("stale rejections are ignored; a fresh one moves next back to the hint", () => {
    const p = new Progress(11, 4, 0, false);
    assert.ok(!p.maybeDecrTo(5, 3), "rejection of an index we did not just probe");
    assert.ok(p.maybeDecrTo(10, 3));
    assert.equal(p.next, 4);
    p.maybeUpdate(6);
    p.becomeReplicate();
    assert.ok(!p.maybeDecrTo(6, 0), "rejection at or below match is stale in replicate");
  });
});

describe("raft parts: RaftLog", () => {
  function log(terms: number[]): RaftLog {
    const s = new MemoryRaftStorage();
    s.append(ents(1, terms));
    return new RaftLog(s);
  }

  it("maybeAppend truncates a conflicting uncommitted suffix and reports the last new index", () => {
    const l = log([1, 1, 2, 2]);
    assert.equal(l.maybeAppend(2, 1, 0, ents(3, [3, 3, 3])), 5);
    assert.equal(l.term(3), 3);
    assert.equal(l.lastIndex(), 5);
    assert.equal(l.maybeAppend(2, 9, 0, []), undefined, "mismatched previous term");
  });

  it("a conflict at or below the commit index is an invariant violation", () => {
    const l = log([1, 1, 2, 2]);
    l.commitTo(3);
    assert.throws(() => l.maybeAppend(2, 1, 3, ents(3, [3])), /conflicts with committed/);
  });

  it("findConflictByTerm skips every entry with a larger term", () => {
    const l = log([1, 1, 2, 2, 4, 4, 4]);
    assert.equal(l.findConflictByTerm(7, 3), 4);
    assert.equal(l.findConflictByTerm(7, 1), 2);
    assert.equal(l.findConflictByTerm(3, 4), 3);
  });

  it("a log is at least as up to date if its last term is larger, or equal with an index as long", () => {
    const l = log([1, 2, 2]);
    assert.ok(l.isUpToDate(3, 2));
    assert.ok(l.isUpToDate(1, 3));
    assert.ok(!l.isUpToDate(2, 2));
    assert.ok(!l.isUpToDate(10, 1));
  });

  it("commit requires the entry at the majority index to be from the current term", () => {
    const l = log([1, 2]);
    assert.ok(!l.maybeCommit(2, 3));
    assert.ok(l.maybeCommit(2, 2));
    assert.equal(l.committed, 2);
  });

  it("slice spans storage and unstable entries and honours the byte limit", () => {
    const l = log([1, 1]);
    l.append(ents(3, [2, 2]));
    assert.deepEqual(
      l.slice(1, 5, 1_000_000)?.map((e) => e.index),
      [1, 2, 3, 4],
    );
    assert.equal(l.slice(1, 5, 1)?.length, 1);
    assert.deepEqual(
      l.unstableEntries().map((e) => e.index),
      [3, 4],
    );
    l.stableTo(4, 2);
    assert.deepEqual(l.unstableEntries(), []);
  });

  it("terms of compacted entries are unknown; entries below the first index cannot be sliced", () => {
    const s = new MemoryRaftStorage();
    s.append(ents(1, [1, 1, 1, 1]));
    s.createSnapshot(3, { voters: [1], learners: [] }, bytes("img"));
    s.compact(3);
    assert.throws(() => s.term(2), CompactedError);
    const l = new RaftLog(s);
    assert.equal(l.term(2), undefined);
    assert.equal(l.term(3), 1);
    assert.equal(l.slice(2, 4, 100), undefined);
    assert.equal(l.firstIndex(), 4);
  });

  it("restoring a snapshot replaces the log and moves the commit index to it", () => {
    const l = log([1, 1]);
    l.restore({ metadata: { index: 10, term: 3, conf: { voters: [1], learners: [] } }, data: bytes("s") });
    assert.equal(l.committed, 10);
    assert.equal(l.lastIndex(), 10);
    assert.equal(l.term(10), 3);
    assert.ok(l.hasPendingSnapshot());
    assert.deepEqual(l.nextCommittedEntries(1000), [], "nothing to apply until the snapshot is installed");
  });
});

describe("raft parts: conf changes, storage, read-only queue", () => {
  it("a conf change survives encoding; corrupt bytes are a KodiakError", () => {
    const cc = { type: "addLearner" as const, nodeId: 7, context: bytes("10.0.0.7:7000") };
    assert.deepEqual(decodeConfChange(encodeConfChange(cc)), cc);
    assert.throws(() => decodeConfChange(new Uint8Array(3)), /too short/);
    const bad = encodeConfChange(cc);
    bad[1] = 99;
    assert.throws(() => decodeConfChange(bad), /malformed/);
  });

  it("applying conf changes moves nodes between voters and learners", () => {
    let conf = { voters: [1, 2, 3], learners: [] as number[] };
    conf = applyToConfState(conf, { type: "addLearner", nodeId: 4 });
    assert.deepEqual(conf, { voters: [1, 2, 3], learners: [4] });
    conf = applyToConfState(conf, { type: "addVoter", nodeId: 4 });
    assert.deepEqual(conf, { voters: [1, 2, 3, 4], learners: [] });
    conf = applyToConfState(conf, { type: "removeNode", nodeId: 2 });
    assert.deepEqual(conf, { voters: [1, 3, 4], learners: [] });
  });

  it("memory storage truncates a conflicting suffix on append and refuses gaps", () => {
    const s = new MemoryRaftStorage();
    s.append(ents(1, [1, 1, 1]));
    s.append(ents(2, [2]));
    assert.equal(s.lastIndex(), 2);
    assert.equal(s.term(2), 2);
    assert.throws(() => s.append(ents(5, [2])), /gap/);
    assert.deepEqual(
      s.entries(1, 3, 1000).map((e) => e.term),
      [1, 2],
    );
  });

  it("read requests are released in order once a later one is confirmed", () => {
    const ro = new ReadOnly();
    ro.add(5, 1, bytes("a"));
    ro.add(6, 2, bytes("b"));
    assert.ok(!ro.add(6, 2, bytes("b")), "duplicate context");
    ro.recvAck(2, bytes("b"));
    assert.deepEqual(
      ro.advance(bytes("b")).map((r) => r.index),
      [5, 6],
    );
    assert.equal(ro.size, 0);
  });
});
