// The staleness gate of bounded-stale reads, driven by a manual clock: a replica serves only
// while it has applied an index the leader confirmed within the bound; a partitioned or lagging
// replica refuses (57P03) instead of serving older data.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { StalenessGate } from "../../../coordinator/sql-host/staleness-gate.js";
import { isStaleReadCandidate } from "../../../coordinator/sql-host/stale-read-routing.js";
import { KodiakError, ManualClock } from "../../../util/index.js";

const flush = () => new Promise<void>((r) => setImmediate(r));

/** Advances the manual clock in small steps until the promise settles (bounded). */
async function drive<T>(clock: ManualClock, p: Promise<T>, stepMs = 5, maxMs = 10_000): Promise<T> {
  let settled = false;
  p.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let t = 0; t <= maxMs && !settled; t += stepMs) {
    await flush();
    if (!settled) clock.advance(stepMs);
  }
  return p;
}

function fixture(opts: { leaderIndex: () => Promise<number> }) {
  const clock = new ManualClock(1000);
  let applied = 10;
  let rpcs = 0;
  const gate = new StalenessGate({
    nodeId: 2,
    appliedIndex: () => applied,
    leaderReadIndex: () => {
      rpcs++;
      return opts.leaderIndex();
    },
    clock,
  });
  return {
    clock,
    gate,
    setApplied: (n: number) => {
      applied = n;
    },
    rpcs: () => rpcs,
  };
}

const is57P03 = (e: unknown) => e instanceof KodiakError && e.code === "57P03";

describe("staleness gate", () => {
  it("serves once the leader's read index is applied, and reuses the proof within the bound", async () => {
    const f = fixture({ leaderIndex: async () => 10 });
    const first = await drive(f.clock, f.gate.check(1000));
    assert.deepEqual(first, { nodeId: 2, appliedIndex: 10, stalenessMs: 0 });
    assert.equal(f.rpcs(), 1);
    f.clock.advance(300);
    const second = await drive(f.clock, f.gate.check(1000));
    assert.equal(second.stalenessMs, 300);
    assert.equal(f.rpcs(), 1, "no leader round trip while the proof is young");
  });

  it("refuses once the proof is older than the bound and the leader is unreachable", async () => {
    let reachable = true;
    const f = fixture({ leaderIndex: async () => (reachable ? 10 : Promise.reject(new Error("unreachable"))) });
    await drive(f.clock, f.gate.check(500));
    reachable = false;
    f.clock.advance(400);
    // Still within the bound: serves (a background refresh fails quietly).
    assert.equal((await drive(f.clock, f.gate.check(500))).stalenessMs, 400);
    f.clock.advance(200);
    await assert.rejects(drive(f.clock, f.gate.check(500)), is57P03);
  });

  it("waits for a lagging replica to apply the leader's index, and refuses if it does not in time", async () => {
    const f = fixture({ leaderIndex: async () => 20 });
    const pending = f.gate.check(5000);
    await flush();
    f.clock.advance(50);
    f.setApplied(20);
    const p = await drive(f.clock, pending);
    assert.equal(p.appliedIndex, 20);

    const g = fixture({ leaderIndex: async () => 30 });
    await assert.rejects(drive(g.clock, g.gate.check(5000)), is57P03, "index 30 is never applied");
  });

  it("refuses when the leader's answer arrives later than the bound", async () => {
    const clock = new ManualClock(0);
    const gate = new StalenessGate({
      nodeId: 3,
      appliedIndex: () => 50,
      leaderReadIndex: () => new Promise((resolve) => clock.setTimeout(() => resolve(50), 800)),
      clock,
    });
    await assert.rejects(drive(clock, gate.check(500)), is57P03);
  });
});

describe("which statements a stale session sends to a follower", () => {
  it("single read-only statements only", () => {
    for (const sql of [
      "SELECT 1",
      "  select * from t where id = $1;",
      "/* c */ (SELECT 1)",
      "WITH x AS (SELECT 1) SELECT * FROM x",
      "SHOW kodiak.node_id",
      "TABLE t",
      "VALUES (1)",
    ]) {
      assert.equal(isStaleReadCandidate(sql), true, sql);
    }
    for (const sql of [
      "INSERT INTO t VALUES (1)",
      "SELECT 1; SELECT 2",
      "SELECT * FROM t FOR UPDATE",
      "SELECT * FROM t FOR SHARE",
      "SELECT nextval('s')",
      "SELECT set_config('a.b', 'x', false)",
      "SELECT * INTO t2 FROM t",
      "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d",
      "BEGIN",
      "SET read_consistency = 'linearizable'",
      "-- only a comment",
    ]) {
      assert.equal(isStaleReadCandidate(sql), false, sql);
    }
  });
});
