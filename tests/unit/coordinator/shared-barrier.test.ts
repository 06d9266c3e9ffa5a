// Concurrent ReadIndex barriers are shared only with barriers that start after the caller arrived.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sharedBarrier } from "../../../coordinator/sql-host/shared-barrier.js";

function controlled() {
  const started: { resolve: () => void; reject: (e: Error) => void }[] = [];
  const barrier = () =>
    new Promise<void>((resolve, reject) => {
      started.push({ resolve, reject });
    });
  return { started, barrier };
}

const tick = () => new Promise<void>((r) => setImmediate(r));

describe("shared ReadIndex barrier", () => {
  it("callers arriving while one runs share the next barrier, which starts after the running one", async () => {
    const c = controlled();
    const shared = sharedBarrier(c.barrier);
    const done: string[] = [];
    const a = shared().then(() => done.push("a"));
    await tick();
    assert.equal(c.started.length, 1);
    const b = shared().then(() => done.push("b"));
    const d = shared().then(() => done.push("d"));
    await tick();
    assert.equal(c.started.length, 1, "b and d do not join the barrier that started before them");
    c.started[0]?.resolve();
    await a;
    await tick();
    assert.deepEqual(done, ["a"]);
    assert.equal(c.started.length, 2, "one barrier for b and d");
    c.started[1]?.resolve();
    await Promise.all([b, d]);
    assert.deepEqual(done.sort(), ["a", "b", "d"]);
    // Idle again: the next caller starts a barrier at once.
    const e = shared();
    await tick();
    assert.equal(c.started.length, 3);
    c.started[2]?.resolve();
    await e;
  });

  it("a failed barrier fails its callers; the queued ones still get a barrier of their own", async () => {
    const c = controlled();
    const shared = sharedBarrier(c.barrier);
    const a = shared();
    const b = shared();
    await tick();
    c.started[0]?.reject(new Error("not the leader"));
    await assert.rejects(a, /not the leader/);
    await tick();
    assert.equal(c.started.length, 2);
    c.started[1]?.resolve();
    await b;
  });
});
