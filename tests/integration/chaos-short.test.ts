// A short chaos run inside `npm test` (the long ones are `npm run test:chaos`): real node processes,
// a faulty mesh between them, kill -9 and SIGSTOP, and the safety and liveness checks of chaos/run.ts.
import assert from "node:assert/strict";
import { test } from "node:test";
import { runChaos } from "../../chaos/run.js";

test("chaos: 20 s of faults on 3 nodes lose no acknowledged write, serve no stale read and keep the bank total", {
  timeout: 240_000,
}, async () => {
  const r = await runChaos({ seed: 11, seconds: 20, nodes: 3, clients: 3, bankClients: 3, leaderBoundMs: 20_000, convergeBoundMs: 60_000 });
  assert.deepEqual(r.violations, []);
  assert.ok(r.faults.length >= 3, `faults injected: ${r.faults.join("; ")}`);
  assert.ok(r.acked > 0, "some writes were acknowledged");
  assert.ok(r.readsChecked > 0, "some reads were checked");
  assert.notEqual(r.linearizable, false, "the counter's history is linearizable");
  assert.ok(r.bank.transfersCommitted > 0, "some bank transfers committed");
  assert.ok(r.bank.readsChecked > 0, "some bank totals were checked");
});
