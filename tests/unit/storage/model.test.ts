// Model-based property tests: random sequences of writes, reads at snapshots, checkpoints,
// reopen with log replay, GC and snapshot export/import behave exactly like MvccModel, in both
// tree modes. fast-check prints the seed and the shrunk command list on failure.

import { describe, it } from "node:test";
import fc from "fast-check";
import { cmdArb, run } from "../../support/storage-model-run.js";

for (const mode of ["betree", "btree"] as const) {
  describe(`storage model (${mode})`, () => {
    it("random command sequences match the sorted-map model", async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(cmdArb, { minLength: 5, maxLength: 80 }), (cmds) => run(mode, cmds)),
        { numRuns: Number(process.env.KODIAK_MODEL_RUNS ?? 300) },
      );
    });
  });
}
