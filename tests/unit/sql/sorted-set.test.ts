// The chunked sorted string set keeps keys ordered and unique and answers ranges like a sorted array.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { SortedStringSet } from "../../../sql/kv/index.js";

test("inserts in any order give the same ranges as a sorted, deduplicated array", () => {
  fc.assert(
    fc.property(
      fc.array(fc.string({ maxLength: 4 }), { maxLength: 3000 }),
      fc.string({ maxLength: 3 }),
      fc.string({ maxLength: 3 }),
      (keys, a, b) => {
        const s = new SortedStringSet();
        for (const k of keys) s.add(k);
        const ref = [...new Set(keys)].sort();
        assert.equal(s.size, ref.length);
        const [lo, hi] = a < b ? [a, b] : [b, a];
        const want = ref.filter((k) => k >= lo && k < hi);
        assert.deepEqual(s.slice(lo, hi), want);
        assert.deepEqual([...s.range(lo, hi)], want);
        assert.deepEqual(SortedStringSet.from(keys).slice(lo, hi), want);
      },
    ),
    { numRuns: 60, seed: 3 },
  );
});
