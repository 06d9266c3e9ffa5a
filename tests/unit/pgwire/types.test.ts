import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { decodeBinary, encodeBinary, formatFloat, formatTextValue, parseTextValue } from "../../../coordinator/pgwire/index.js";
import { sqlTypeOf } from "../../../coordinator/pgwire/type-info.js";
import { PgOid, type SqlValue } from "../../../sql/api.js";

const t = (oid: number) => sqlTypeOf(oid);
const hex = (b: Buffer): string => b.toString("hex");

/** Known PostgreSQL binary encodings (as produced by the type's send function; checked against PostgreSQL 15.18). */
const KNOWN_BINARY: [string, number, SqlValue, string][] = [
  ["bool true", PgOid.bool, true, "01"],
  ["int2 -2", PgOid.int2, -2, "fffe"],
  ["int4 42", PgOid.int4, 42, "0000002a"],
  ["int8 2^40", PgOid.int8, 1n << 40n, "0000010000000000"],
  ["float4 1.5", PgOid.float4, 1.5, "3fc00000"],
  ["float8 -0.25", PgOid.float8, -0.25, "bfd0000000000000"],
  ["numeric 12345.678", PgOid.numeric, "12345.678", "0003000100000003000109291a7c"],
  ["numeric -0.0001", PgOid.numeric, "-0.0001", "0001ffff400000040001"],
  ["numeric 0", PgOid.numeric, "0", "0000000000000000"],
  ["numeric 0.00", PgOid.numeric, "0.00", "0000000000000002"],
  ["numeric 10000", PgOid.numeric, "10000", "00010001000000000001"],
  ["numeric NaN", PgOid.numeric, "NaN", "00000000c0000000"],
  ["numeric 123456789.000000001", PgOid.numeric, "123456789.000000001", "0006000200000009000109291a850000000003e8"],
  ["numeric -99999999999999999999.5", PgOid.numeric, "-99999999999999999999.5", "0006000440000001270f270f270f270f270f1388"],
  ["numeric 0.000001", PgOid.numeric, "0.000001", "0001fffe000000060064"],
  ["text", PgOid.text, "héllo", "68c3a96c6c6f"],
  ["bytea", PgOid.bytea, new Uint8Array([0, 255]), "00ff"],
  ["uuid", PgOid.uuid, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "a0eebc999c0b4ef8bb6d6bb9bd380a11"],
  ["jsonb", PgOid.jsonb, '{"a":1}', "017b2261223a317d"],
  ["date 2000-01-02", PgOid.date, "2000-01-02", "00000001"],
  ["date 1999-12-31", PgOid.date, "1999-12-31", "ffffffff"],
  ["date 0044-03-15 BC", PgOid.date, "0044-03-15 BC", "fff49d7b"],
  ["date infinity", PgOid.date, "infinity", "7fffffff"],
  ["time 23:59:59.999999", PgOid.time, "23:59:59.999999", "000000141dd75fff"],
  ["timestamp 1970-01-01", PgOid.timestamp, "1970-01-01 00:00:00", "fffca2fec4c82000"],
  ["timestamp 2262-04-11 23:47:16.854775", PgOid.timestamp, "2262-04-11 23:47:16.854775", "001d679a6aab73f7"],
  ["time 00:00:01.5", PgOid.time, "00:00:01.5", "000000000016e360"],
  ["timestamp 2000-01-01 00:00:01", PgOid.timestamp, "2000-01-01 00:00:01", "00000000000f4240"],
  ["timestamptz 2000-01-01 01:00:00+01", PgOid.timestamptz, "2000-01-01 01:00:00+01", "0000000000000000"],
  ["timestamp infinity", PgOid.timestamp, "infinity", "7fffffffffffffff"],
  ["int4[] {1,2}", PgOid._int4, [1, 2], "00000001 00000000 00000017 00000002 00000001 00000004 00000001 00000004 00000002"],
  ["interval 1 year 2 mons 3 days 04:05:06.5", PgOid.interval, "1 year 2 mons 3 days 04:05:06.5", "000000036c9361a0000000030000000e"],
  ["interval -1 days +02:00:00", PgOid.interval, "-1 days +02:00:00", "00000001ad274800ffffffff00000000"],
  ["interval -00:00:01.25", PgOid.interval, "-00:00:01.25", "ffffffffffeced300000000000000000"],
  ["interval -1 years -2 mons", PgOid.interval, "-1 years -2 mons", "000000000000000000000000fffffff2"],
  ["interval 1 day -00:00:01", PgOid.interval, "1 day -00:00:01", "fffffffffff0bdc00000000100000000"],
  ["int8[] {}", PgOid._int8, [], "000000000000000000000014"],
  [
    "int4[] {{1,2},{3,4}}",
    PgOid._int4,
    [
      [1, 2],
      [3, 4],
    ],
    "00000002 00000000 00000017 00000002 00000001 00000002 00000001 00000004 00000001 00000004 00000002 00000004 00000003 00000004 00000004",
  ],
  ["float8[] {1.5,NULL}", PgOid._float8, [1.5, null], "00000001 00000001 000002bd 00000002 00000001 00000008 3ff8000000000000 ffffffff"],
  ["text[] {a,NULL}", PgOid._text, ["a", null], "000000010000000100000019000000020000000100000001 61ffffffff"],
];

describe("binary format of the core types", () => {
  for (const [name, oid, value, expected] of KNOWN_BINARY) {
    it(`encodes ${name} as PostgreSQL does`, () => {
      assert.equal(hex(encodeBinary(value, t(oid))), expected.replace(/\s/g, ""));
    });
  }

  it("decodes what it encodes for each core type", () => {
    for (const [name, oid, value] of KNOWN_BINARY) {
      const back = decodeBinary(encodeBinary(value, t(oid)), t(oid));
      const expected = oid === PgOid.timestamptz ? "2000-01-01 00:00:00+00" : value;
      assert.deepEqual(back, expected, name);
    }
  });

  it("round-trips random numerics exactly (property)", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.integer({ min: 0, max: 12 }), (digits, scale) => {
        const s = digits
          .toString()
          .replace("-", "")
          .padStart(scale + 1, "0");
        const text = `${digits < 0n ? "-" : ""}${scale === 0 ? s : `${s.slice(0, s.length - scale)}.${s.slice(s.length - scale)}`}`;
        const isZero = digits === 0n;
        assert.equal(decodeBinary(encodeBinary(text, t(PgOid.numeric)), t(PgOid.numeric)), isZero ? text.replace("-", "") : text);
      }),
      { numRuns: 300 },
    );
  });

  it("round-trips random timestamps to the microsecond (property)", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 17n), max: 10n ** 17n }), (us) => {
        const b = Buffer.alloc(8);
        b.writeBigInt64BE(us);
        const text = decodeBinary(b, t(PgOid.timestamp));
        assert.equal(hex(encodeBinary(text, t(PgOid.timestamp))), hex(b));
      }),
      { numRuns: 300 },
    );
  });

  it("reads interval input forms PostgreSQL normalizes (weeks, fractional hours, mixed signs)", () => {
    const iv = t(PgOid.interval);
    assert.equal(decodeBinary(encodeBinary("2 weeks", iv), iv), "14 days");
    assert.equal(decodeBinary(encodeBinary("1.5 hours", iv), iv), "01:30:00");
    assert.equal(decodeBinary(encodeBinary("1 year -1 mons", iv), iv), "11 mons");
    assert.equal(decodeBinary(encodeBinary("00:00:00", iv), iv), "00:00:00");
    assert.throws(
      () => encodeBinary("soon", iv),
      (e: unknown) => (e as { code?: string }).code === "22007",
    );
  });

  it("reports values that do not fit as 22003 and wrong lengths as errors", () => {
    assert.throws(() => encodeBinary(70000, t(PgOid.int2)), /out of range/);
    assert.throws(() => decodeBinary(Buffer.from([0, 1]), t(PgOid.int4)), /incorrect binary data format/);
  });
});

describe("text format of the core types", () => {
  it("prints floats as PostgreSQL 15 does (shortest exact, exponent outside 1e-4..1e15)", () => {
    assert.equal(formatFloat(0.1, false), "0.1");
    assert.equal(formatFloat(1e15, false), "1e+15");
    assert.equal(formatFloat(123456789012345, false), "123456789012345");
    assert.equal(formatFloat(1e-5, false), "1e-05");
    assert.equal(formatFloat(0.0001, false), "0.0001");
    assert.equal(formatFloat(-2.5, false), "-2.5");
    assert.equal(formatFloat(Math.fround(1.1), true), "1.1");
    assert.equal(formatFloat(1234567, true), "1.234567e+06");
    assert.equal(formatFloat(1e100, false), "1e+100");
    assert.equal(formatFloat(-1.5e-10, false), "-1.5e-10");
    assert.equal(formatFloat(Math.fround(3.4028235e38), true), "3.4028235e+38");
    assert.equal(formatFloat(Number.NaN, false), "NaN");
    assert.equal(formatFloat(Number.NEGATIVE_INFINITY, false), "-Infinity");
  });

  it("prints bool, bytea, arrays with quoting, and NULL", () => {
    assert.equal(formatTextValue(true, t(PgOid.bool)), "t");
    assert.equal(formatTextValue(new Uint8Array([0xde, 0xad]), t(PgOid.bytea)), "\\xdead");
    assert.equal(formatTextValue(["a b", null, "", 'q"', "NULL"], t(PgOid._text)), '{"a b",NULL,"","q\\"","NULL"}');
    assert.equal(
      formatTextValue(
        [
          [1, 2],
          [3, 4],
        ],
        t(PgOid._int4),
      ),
      "{{1,2},{3,4}}",
    );
    assert.equal(formatTextValue(12n, t(PgOid.int8)), "12");
    assert.equal(formatTextValue(null, t(PgOid.text)), null);
  });

  it("parses text input and rejects bad input with PostgreSQL's codes", () => {
    assert.equal(parseTextValue("yes", t(PgOid.bool)), true);
    assert.equal(parseTextValue("1e10", t(PgOid.numeric)), "10000000000");
    assert.equal(parseTextValue(" -1.50 ", t(PgOid.numeric)), "-1.50");
    assert.equal(parseTextValue(" -12 ", t(PgOid.int4)), -12);
    assert.equal(parseTextValue("9223372036854775807", t(PgOid.int8)), 9223372036854775807n);
    assert.deepEqual(parseTextValue('{1,NULL,"3"}', t(PgOid._int4)), [1, null, 3]);
    assert.deepEqual(parseTextValue("\\x00ff", t(PgOid.bytea)), new Uint8Array([0, 255]));
    assert.equal(parseTextValue("2024-02-29 12:00:00.250", t(PgOid.timestamp)), "2024-02-29 12:00:00.25");
    assert.throws(
      () => parseTextValue("abc", t(PgOid.int4)),
      (e: unknown) => (e as { code?: string }).code === "22P02",
    );
    assert.throws(
      () => parseTextValue("99999", t(PgOid.int2)),
      (e: unknown) => (e as { code?: string }).code === "22003",
    );
    assert.throws(
      () => parseTextValue("{1,2", t(PgOid._int4)),
      (e: unknown) => (e as { code?: string }).code === "22P02",
    );
  });
});
