// The binary row codec round-trips every runtime value exactly (int8 as bigint, NUMERIC digits and
// scale, -0, NaN, non-ASCII text, bytea, nested arrays), and partial decoding returns exactly the
// wanted columns with nulls elsewhere.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { decodeColumns, decodeRow, encodeRow } from "../../../sql/catalog/rowcodec.js";
import { Decimal } from "../../../sql/types/decimal.js";
import type { Value } from "../../../sql/types/values.js";

const scalar: fc.Arbitrary<Value> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.integer({ min: -32768, max: 32767 }),
  fc.double(),
  fc.constantFrom(0, -0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 + 2),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.constantFrom(2n ** 53n, -(2n ** 53n), 2n ** 53n + 1n, 2n ** 100n),
  fc
    .record({ u: fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }), s: fc.integer({ min: 0, max: 1200 }) })
    .map(({ u, s }) => new Decimal(u, s)),
  fc
    .record({ u: fc.bigInt({ min: -(2n ** 53n), max: 2n ** 53n }), s: fc.integer({ min: 0, max: 30 }) })
    .map(({ u, s }) => new Decimal(u, s)),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 20 }),
  fc.string({ minLength: 200, maxLength: 400 }),
  fc.uint8Array({ maxLength: 300 }),
);
const value: fc.Arbitrary<Value> = fc.oneof(
  { weight: 8, arbitrary: scalar },
  { weight: 1, arbitrary: fc.array(fc.oneof(scalar, fc.array(scalar, { maxLength: 3 })), { maxLength: 5 }) },
);

/** Deep equality that tells -0 from 0, bigint from number and compares Decimals by digits and scale. */
function same(a: Value, b: Value): boolean {
  if (a instanceof Decimal || b instanceof Decimal) {
    return a instanceof Decimal && b instanceof Decimal && a.unscaled === b.unscaled && a.scale === b.scale;
  }
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    return a instanceof Uint8Array && b instanceof Uint8Array && Buffer.from(a).equals(Buffer.from(b));
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => same(x, b[i]));
  }
  return Object.is(a, b);
}

test("encode/decode round-trips random typed rows exactly", () => {
  fc.assert(
    fc.property(fc.array(value, { maxLength: 30 }), (row) => {
      const bytes = encodeRow(row);
      const back = decodeRow(bytes);
      assert.equal(back.length, row.length);
      for (let i = 0; i < row.length; i++) assert.ok(same(back[i], row[i]), `column ${i}: ${String(back[i])} vs ${String(row[i])}`);
      // The stored bytes do not alias a scratch buffer: a second encode leaves them unchanged.
      const copy = Buffer.from(bytes);
      encodeRow(row.slice().reverse());
      assert.ok(copy.equals(Buffer.from(bytes)));
    }),
    { numRuns: 400, seed: 11 },
  );
});

test("decodeColumns decodes exactly the wanted columns, in one or two passes", () => {
  fc.assert(
    fc.property(fc.array(value, { minLength: 1, maxLength: 20 }), fc.array(fc.boolean(), { maxLength: 25 }), (row, flags) => {
      const bytes = encodeRow(row);
      const want = Uint8Array.from(flags, (f) => (f ? 1 : 0));
      const part = decodeColumns(bytes, want);
      assert.equal(part.length, row.length);
      for (let i = 0; i < row.length; i++) {
        assert.ok(same(part[i], i < want.length && want[i] === 1 ? row[i] : null), `column ${i}`);
      }
      // Second pass into the same row: the complement mask completes the row.
      const rest = Uint8Array.from({ length: row.length }, (_x, i) => (i < want.length && want[i] === 1 ? 0 : 1));
      const full = decodeColumns(bytes, rest, part);
      for (let i = 0; i < row.length; i++) assert.ok(same(full[i], row[i]), `column ${i} after the second pass`);
    }),
    { numRuns: 300, seed: 12 },
  );
});

test("a value that is not an encoded row is an error, not garbage", () => {
  assert.throws(() => decodeRow(new Uint8Array([0x7b, 0x22])), /corrupt row encoding/);
  assert.throws(() => decodeRow(new Uint8Array([1, 1, 99])), /corrupt row encoding/);
});
