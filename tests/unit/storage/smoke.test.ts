import assert from "node:assert/strict";
import { it } from "node:test";
import { openStore } from "../../../storage/index.js";
import { SeededRandom, SimFileSystem } from "../../../util/index.js";
import { MvccModel } from "../../support/storage-model.js";

for (const mode of ["betree", "btree"] as const) {
  it(`smoke ${mode}`, async () => {
    const fs = new SimFileSystem();
    const s = await openStore(fs, "/d", { pageSize: 4096, mode, fanout: 4 });
    const m = new MvccModel();
    const r = new SeededRandom(1);
    let ts = 0;
    for (let b = 0; b < 300; b++) {
      ts++;
      const ops = [];
      for (let i = 0; i < 20; i++) {
        const key = Buffer.from(String(r.int(2000)).padStart(5, "0"));
        const x = r.int(100);
        if (x < 80) ops.push({ type: "put" as const, key, value: Buffer.alloc(r.int(100), x) });
        else if (x < 97) ops.push({ type: "delete" as const, key });
        else ops.push({ type: "deleteRange" as const, start: key, end: Buffer.from(String(r.int(2000)).padStart(5, "0")) });
      }
      s.writeBatch(ops, ts, ts);
      m.apply(ops, ts);
    }
    for (let i = 0; i < 2000; i++) {
      const key = Buffer.from(String(i).padStart(5, "0"));
      const t = 1 + r.int(ts);
      assert.deepEqual(s.get(key, t)?.toString("hex"), m.get(key, t)?.toString("hex"), `key ${key} at ${t}`);
      assert.equal(s.latestCommitTs(key), m.latestCommitTs(key), `latest ${key}`);
    }
    const got = s
      .scan({}, ts)
      .toArray()
      .map((e) => [e.key.toString("hex"), e.value.toString("hex")]);
    assert.deepEqual(got, m.scan({}, ts));
    const rev = s
      .scan({ reverse: true }, 150)
      .toArray()
      .map((e) => [e.key.toString("hex"), e.value.toString("hex")]);
    assert.deepEqual(rev, m.scan({ reverse: true }, 150));
    await s.checkpoint();
    s.close();
    const s2 = await openStore(fs, "/d", {});
    const got2 = s2
      .scan({}, ts)
      .toArray()
      .map((e) => [e.key.toString("hex"), e.value.toString("hex")]);
    assert.deepEqual(got2, m.scan({}, ts));
    s2.close();
  });
}
