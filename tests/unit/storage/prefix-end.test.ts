// Regression: prefixEnd must not modify its argument, also when it is a Buffer (whose slice()
// is a view, not a copy). Prefix scans built on it depend on that.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { prefixEnd } from "../../../storage/index.js";

describe("prefixEnd", () => {
  it("returns the next prefix and leaves a Buffer argument unchanged", () => {
    const p = Buffer.from([1, 2, 0xff]);
    assert.deepEqual(Buffer.from(prefixEnd(p) as Uint8Array), Buffer.from([1, 3]));
    assert.deepEqual(p, Buffer.from([1, 2, 0xff]));
    assert.equal(prefixEnd(Buffer.from([0xff, 0xff])), undefined);
  });
});
