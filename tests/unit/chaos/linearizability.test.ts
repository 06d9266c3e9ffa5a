// The register linearizability checker: accepts histories some real-time-respecting order explains,
// rejects stale reads and double CAS successes, treats unknown outcomes as "maybe, any time later".
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkRegister, type TimedOp } from "../../../chaos/linearizability.js";

const read = (value: string | undefined, invoked: number, returned: number | undefined): TimedOp => ({
  op: { kind: "read", value },
  invoked,
  returned,
});
const cas = (expected: string | undefined, next: string, ok: boolean, invoked: number, returned: number | undefined): TimedOp => ({
  op: { kind: "cas", expected, next, ok },
  invoked,
  returned,
});

test("a sequential history is linearizable", () => {
  const h = [
    read(undefined, 0, 1),
    cas(undefined, "1", true, 2, 3),
    read("1", 4, 5),
    cas("1", "2", true, 6, 7),
    cas("1", "9", false, 8, 9),
  ];
  assert.deepEqual(checkRegister(h, undefined), { linearizable: true });
});

test("concurrent operations may be ordered either way", () => {
  // The read overlaps the CAS, so it may see the old or the new value.
  assert.equal(checkRegister([cas(undefined, "1", true, 0, 10), read("1", 1, 2)], undefined).linearizable, true);
  assert.equal(checkRegister([cas(undefined, "1", true, 0, 10), read(undefined, 1, 2)], undefined).linearizable, true);
  // Two overlapping CAS from the same value: only one may succeed.
  assert.equal(checkRegister([cas("0", "1", true, 0, 10), cas("0", "1", false, 1, 9)], "0").linearizable, true);
});

test("a read after an acknowledged write that misses it is a violation", () => {
  const v = checkRegister([cas(undefined, "1", true, 0, 1), read(undefined, 2, 3)], undefined);
  assert.equal(v.linearizable, false);
});

test("two acknowledged CAS from the same value is a violation, overlapping or not", () => {
  assert.equal(checkRegister([cas("0", "1", true, 0, 1), cas("0", "1", true, 2, 3)], "0").linearizable, false);
  assert.equal(checkRegister([cas("0", "1", true, 0, 5), cas("0", "1", true, 1, 4)], "0").linearizable, false);
});

test("an operation with an unknown outcome may take effect later, or never", () => {
  const pending = cas(undefined, "1", true, 0, undefined);
  assert.equal(checkRegister([pending, read("1", 5, 6)], undefined).linearizable, true);
  assert.equal(checkRegister([pending, read(undefined, 5, 6)], undefined).linearizable, true);
  assert.equal(checkRegister([pending, read(undefined, 5, 6), read("1", 7, 8), read(undefined, 9, 10)], undefined).linearizable, false);
  // A read whose call failed says nothing and is ignored.
  assert.equal(checkRegister([read("42", 0, undefined)], undefined).linearizable, true);
});

test("a history too large for the step budget is unknown, not a violation", () => {
  const h: TimedOp[] = [];
  for (let i = 0; i < 30; i++) h.push(cas(String(i), String(i + 1), true, 0, 100));
  const v = checkRegister(h, "0", 10);
  assert.equal(v.linearizable, "unknown");
  assert.equal(checkRegister(h, "0").linearizable, true);
});
