// Real crash: a child process writing to a store with NodeFileSystem is killed with SIGKILL at a
// random moment (often mid-checkpoint). The parent then reopens the directory: the state must equal
// the workload at the recovered applied index (>= the last checkpoint the child reported), and
// replaying the following batches must give the model's state.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { openStore, type TreeMode } from "../../../storage/index.js";
import { KodiakError, nodeFileSystem, SeededRandom, SqlState } from "../../../util/index.js";
import { MvccModel } from "../../support/storage-model.js";
import { workloadBatch } from "../../support/storage-workload.js";

const CHILD = join(import.meta.dirname, "../../support/storage-crash-child.js");
const WAIT_MS_MAX = 20_000;

async function runChildAndKill(dir: string, seed: number, mode: TreeMode, killAfterCheckpoints: number, extraMs: number): Promise<number> {
  const child = spawn(process.execPath, [CHILD, dir, String(seed), mode], { stdio: ["ignore", "pipe", "inherit"] });
  let last = 0;
  let seen = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("child made no progress")), WAIT_MS_MAX);
      let buf = "";
      child.stdout.on("data", (d: Buffer) => {
        buf += d.toString();
        const lines = buf.split("\n");
        buf = lines.pop() ?? "";
        for (const l of lines) {
          if (!l.startsWith("ckpt ")) continue;
          last = Number(l.slice(5));
          if (++seen === killAfterCheckpoints) {
            clearTimeout(timer);
            resolve();
          }
        }
      });
      child.on("exit", () => reject(new Error("child exited early")));
    });
    // While the child lives, its lock keeps a second opener out.
    await assert.rejects(
      openStore(nodeFileSystem, dir, {}),
      (e: unknown) => e instanceof KodiakError && e.code === SqlState.lockNotAvailable,
    );
    await new Promise((r) => setTimeout(r, extraMs));
  } finally {
    child.kill("SIGKILL");
    await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(undefined) : child.once("exit", r)));
  }
  return last;
}

describe("kill -9", () => {
  for (const mode of ["betree", "btree"] as const) {
    it(`a SIGKILLed writer recovers to a checkpoint at or after the last one it reported (${mode})`, async () => {
      const dir = mkdtempSync(join(tmpdir(), "kodiak-kill9-"));
      try {
        const r = new SeededRandom(mode === "btree" ? 2 : 1);
        const seed = 17;
        const reported = await runChildAndKill(dir, seed, mode, 2 + r.int(3), r.int(150));
        const store = await openStore(nodeFileSystem, dir, {});
        try {
          const at = store.appliedIndex;
          assert.ok(at >= reported, `recovered ${at} >= reported ${reported}`);
          assert.equal(at % 10, 0, "recovered index is a checkpoint");
          const model = new MvccModel();
          for (let i = 1; i <= at; i++) model.apply(workloadBatch(seed, i), i);
          const scan = () => [...store.scan({})].map((e) => [e.key.toString("hex"), e.value.toString("hex")]);
          assert.deepEqual(scan(), model.scan({}, at), "state at the recovered index");
          for (let i = at + 1; i <= at + 15; i++) {
            store.writeBatch(workloadBatch(seed, i), i, i);
            model.apply(workloadBatch(seed, i), i);
          }
          assert.deepEqual(scan(), model.scan({}, at + 15), "state after replay");
        } finally {
          store.close();
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
