// Child process for the kill -9 test: applies workload batches to a store in a real directory,
// checkpointing every CHECKPOINT_EVERY batches and printing "ckpt N" once checkpoint N is durable.
// Runs until killed. Usage: node storage-crash-child.js DIR SEED MODE

import { openStore, type TreeMode } from "../../storage/index.js";
import { nodeFileSystem } from "../../util/index.js";
import { workloadBatch } from "./storage-workload.js";

const CHECKPOINT_EVERY = 10;
const [dir, seedText, mode] = process.argv.slice(2) as [string, string, TreeMode];
const seed = Number(seedText);
const store = await openStore(nodeFileSystem, dir, { pageSize: 4096, mode, cacheBytes: 64 * 4096 });
process.stdout.write("open\n");
for (let index = store.appliedIndex + 1; ; index++) {
  store.writeBatch(workloadBatch(seed, index), index, index);
  if (index % CHECKPOINT_EVERY === 0) {
    await store.checkpoint(index);
    process.stdout.write(`ckpt ${index}\n`);
  }
}
