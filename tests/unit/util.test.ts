import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { crc32c, KodiakError, ManualClock, SeededRandom, SimFileSystem, SqlState } from "../../util/index.js";

describe("crc32c", () => {
  it("matches the standard check value for '123456789'", () => {
    assert.equal(crc32c(new TextEncoder().encode("123456789")), 0xe3069283);
  });
  it("chains: crc of a whole equals crc of parts continued", () => {
    const bytes = new Uint8Array(1000).map((_, i) => (i * 31) & 0xff);
    assert.equal(crc32c(bytes.subarray(0, 999 - 200), crc32c(bytes.subarray(0, 0))), crc32c(bytes.subarray(0, 799)));
    assert.equal(crc32c(bytes, crc32c(bytes, 0, 0, 333), 333), crc32c(bytes));
  });
});

describe("SeededRandom", () => {
  it("the same seed gives the same sequence, a different seed a different one", () => {
    const a = new SeededRandom(42);
    const b = new SeededRandom(42);
    const c = new SeededRandom(43);
    const sa = Array.from({ length: 10 }, () => a.int(1000));
    assert.deepEqual(
      sa,
      Array.from({ length: 10 }, () => b.int(1000)),
    );
    assert.notDeepEqual(
      sa,
      Array.from({ length: 10 }, () => c.int(1000)),
    );
    for (const v of sa) assert.ok(v >= 0 && v < 1000);
  });
});

describe("ManualClock", () => {
  it("fires timers in time order only when advanced", () => {
    const clock = new ManualClock(0);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push("b"), 20);
    clock.setTimeout(() => fired.push("a"), 10);
    const cancelled = clock.setTimeout(() => fired.push("x"), 15);
    cancelled.cancel();
    clock.advance(5);
    assert.deepEqual(fired, []);
    clock.advance(20);
    assert.deepEqual(fired, ["a", "b"]);
    assert.equal(clock.nowMs(), 25);
  });
});

describe("SimFileSystem", () => {
  it("a crash keeps only fsynced bytes and fsynced directory entries", () => {
    const fs = new SimFileSystem();
    fs.mkdirp("/d");
    const f = fs.open("/d/a", { create: true });
    f.write(new Uint8Array([1, 2, 3]), 0, 3, 0);
    f.fsyncSync();
    fs.fsyncDirSync("/d");
    f.write(new Uint8Array([4, 5]), 0, 2, 3);
    const g = fs.open("/d/b", { create: true });
    g.write(new Uint8Array([9]), 0, 1, 0);
    g.fsyncSync(); // contents synced, but the directory entry is not
    fs.crash();
    assert.deepEqual([...fs.readFile("/d/a")], [1, 2, 3]);
    assert.equal(fs.exists("/d/b"), false);
  });
  it("rename is durable only after fsyncDir", () => {
    const fs = new SimFileSystem();
    fs.mkdirp("/d");
    const f = fs.open("/d/tmp", { create: true });
    f.write(new Uint8Array([7]), 0, 1, 0);
    f.fsyncSync();
    fs.fsyncDirSync("/d");
    fs.rename("/d/tmp", "/d/final");
    fs.crash();
    assert.equal(fs.exists("/d/final"), false);
    assert.equal(fs.exists("/d/tmp"), true);
  });
  it("an injected full disk fails the write with 53100 and writes nothing", () => {
    const fs = new SimFileSystem(new SeededRandom(1), { diskFullProbability: 1 });
    fs.mkdirp("/d");
    const f = fs.open("/d/a", { create: true });
    assert.throws(
      () => f.write(new Uint8Array([1]), 0, 1, 0),
      (e: unknown) => e instanceof KodiakError && e.code === SqlState.diskFull,
    );
    assert.equal(f.size(), 0);
  });
});
