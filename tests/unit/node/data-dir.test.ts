import assert from "node:assert/strict";
import { test } from "node:test";
import { checkIdentity, clusterIdFromPeers, readIdentity, SnapshotStore, writeIdentity } from "../../../node/runtime/index.js";
import { SeededRandom, SimFileSystem } from "../../../util/index.js";

test("every node bootstrapping from the same peer list derives the same cluster id; another list differs", () => {
  const a = clusterIdFromPeers(
    new Map([
      [2, "127.0.0.1:2"],
      [1, "127.0.0.1:1"],
    ]),
  );
  const b = clusterIdFromPeers(
    new Map([
      [1, "127.0.0.1:1"],
      [2, "127.0.0.1:2"],
    ]),
  );
  assert.equal(a, b);
  assert.notEqual(a, clusterIdFromPeers(new Map([[1, "127.0.0.1:1"]])));
});

test("the identity survives a crash once written, and a mismatch is refused with a clear error", async () => {
  const fs = new SimFileSystem(new SeededRandom(3));
  fs.mkdirp("/d");
  await writeIdentity(fs, "/d", { clusterId: "kodiak-a", nodeId: 2 });
  fs.crash();
  const found = readIdentity(fs, "/d");
  assert.deepEqual(found, { clusterId: "kodiak-a", nodeId: 2 });
  assert.ok(found !== undefined);
  checkIdentity(found, { nodeId: 2 }, "/d");
  assert.throws(
    () => checkIdentity(found, { clusterId: "kodiak-b", nodeId: 2 }, "/d"),
    /belongs to cluster 'kodiak-a', not cluster 'kodiak-b'; refusing to start/,
  );
  assert.throws(() => checkIdentity(found, { nodeId: 3 }, "/d"), /belongs to node 2, not node 3/);
  assert.equal(readIdentity(fs, "/nowhere"), undefined);
});

test("the snapshot file round-trips, survives a crash, and a corrupt file is an error naming it", async () => {
  const fs = new SimFileSystem(new SeededRandom(4));
  fs.mkdirp("/d");
  const store = new SnapshotStore(fs, "/d");
  assert.equal(store.load(), undefined);
  await store.save({ metadata: { index: 9, term: 3, conf: { voters: [1, 2, 3], learners: [4] } }, data: Uint8Array.from([1, 2, 3]) });
  fs.crash();
  const s = new SnapshotStore(fs, "/d").load();
  assert.equal(s?.metadata.index, 9);
  assert.deepEqual(s?.metadata.conf.learners, [4]);
  assert.deepEqual([...(s?.data ?? [])], [1, 2, 3]);
  const f = fs.open("/d/snapshot.bin");
  f.write(Uint8Array.from([0xee]), 0, 1, f.size() - 1);
  f.close();
  assert.throws(() => new SnapshotStore(fs, "/d").load(), /snapshot file \/d\/snapshot\.bin fails its CRC32C/);
});
