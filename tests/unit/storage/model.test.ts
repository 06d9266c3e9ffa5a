// Model-based property tests: random sequences of writes, reads at snapshots, checkpoints,
// reopen with log replay, GC and snapshot export/import behave exactly like MvccModel, in both
// tree modes. fast-check prints the seed and the shrunk command list on failure.

import { describe, it } from "node:test";
import fc from "fast-check";
import { type Cmd, cmdArb, run } from "../../support/storage-model-run.js";

/**
 * Found by the property: one key's versions span two leaves, a range delete tombstones it, GC
 * runs. The tombstone (followed by older versions in its leaf) was dropped while the older
 * version in the next leaf was kept, so the key came back.
 */
const deletedKeySpanningLeaves: Cmd[] = [
  { t: "hot", key: Buffer.from([0]), n: 22, size: 166 },
  { t: "batch", ops: [{ type: "deleteRange", start: Buffer.from([]), end: undefined }] },
  { t: "batch", ops: [{ type: "put", key: Buffer.from([]), value: Buffer.alloc(1200) }] },
  { t: "gc", back: 0 },
  { t: "get", key: Buffer.from([0]), back: 0 },
  { t: "checkpoint" },
];

for (const mode of ["betree", "btree"] as const) {
  describe(`storage model (${mode})`, () => {
    it("random command sequences match the sorted-map model", async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(cmdArb, { minLength: 5, maxLength: 80 }), (cmds) => run(mode, cmds)),
        { numRuns: Number(process.env.KODIAK_MODEL_RUNS ?? 200) },
      );
    });

    it("regression: a deleted key whose versions span two leaves stays deleted after GC", async () => {
      await run(mode, deletedKeySpanningLeaves);
    });
  });
}
