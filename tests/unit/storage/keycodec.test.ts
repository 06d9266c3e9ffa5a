import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  compareBytes,
  type DecodedPart,
  decodeKey,
  encodeKey,
  type KeyPart,
  KeyWriter,
  parseDecimal,
  prefixEnd,
} from "../../../storage/keycodec.js";
import { KodiakError } from "../../../util/index.js";

type Kind = KeyPart["kind"];
const KINDS: Kind[] = ["null", "bool", "int", "float", "decimal", "text", "bytes"];

const decimalArb = fc
  .tuple(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 3 }))
  .map(([mantissa, scale, extraZeros]) => {
    const neg = mantissa < 0n;
    let digits = (neg ? -mantissa : mantissa).toString().padStart(scale + 1, "0");
    digits = `${digits.slice(0, digits.length - scale)}${scale > 0 ? `.${digits.slice(digits.length - scale)}` : ""}`;
    return `${neg ? "-" : ""}${digits}${extraZeros > 0 && scale > 0 ? "0".repeat(extraZeros) : ""}`;
  });

function partArb(kind: Kind): fc.Arbitrary<KeyPart> {
  switch (kind) {
    case "null":
      return fc.constant({ kind: "null" });
    case "bool":
      return fc.boolean().map((value) => ({ kind: "bool", value }));
    case "int":
      return fc
        .oneof(
          fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
          fc.integer({ min: -1000, max: 1000 }),
          fc.constantFrom(Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 2 ** 32, -(2 ** 32), -1, 0),
        )
        .map((value) => ({ kind: "int", value }));
    case "float":
      return fc
        .oneof(
          fc.double(),
          fc.constantFrom(0, -0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.MIN_VALUE, -Number.MIN_VALUE),
        )
        .map((value) => ({ kind: "float", value }));
    case "decimal":
      return decimalArb.map((value) => ({ kind: "decimal", value }));
    case "text":
      return fc
        .oneof(fc.string(), fc.string({ unit: "grapheme" }), fc.constantFrom("", "\u0000", "a\u0000b", "\u{1F600}"))
        .map((value) => ({ kind: "text", value }));
    case "bytes":
      return fc.uint8Array({ maxLength: 20 }).map((value) => ({ kind: "bytes", value }));
  }
}

const utf8 = new TextEncoder();

/** Reference comparison of two values of one kind (SQL order, NaN greatest, -0 = 0). */
function compareModel(a: KeyPart, b: KeyPart): number {
  switch (a.kind) {
    case "null":
      return 0;
    case "bool":
      return Number(a.value) - Number((b as typeof a).value);
    case "int": {
      const x = BigInt(a.value);
      const y = BigInt((b as typeof a).value);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case "float": {
      const x = a.value;
      const y = (b as typeof a).value;
      if (Number.isNaN(x) || Number.isNaN(y)) return Number(Number.isNaN(x)) - Number(Number.isNaN(y));
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case "decimal":
      return compareDecimal(a.value, (b as typeof a).value);
    case "text":
      return Math.sign(compareBytes(utf8.encode(a.value), utf8.encode((b as typeof a).value)));
    case "bytes":
      return Math.sign(compareBytes(a.value, (b as typeof a).value));
  }
}

function compareDecimal(a: string, b: string): number {
  const scale = (s: string) => (s.split(".")[1] ?? "").length;
  const s = Math.max(scale(a), scale(b));
  const toInt = (x: string) => {
    const [i, f = ""] = x.split(".");
    return BigInt((i as string) + f.padEnd(s, "0"));
  };
  const x = toInt(a);
  const y = toInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** What decoding must give back for a value (canonical forms). */
function expectedDecoded(p: KeyPart, desc: boolean): DecodedPart {
  switch (p.kind) {
    case "int":
      return { kind: "int", value: BigInt(p.value), desc };
    case "float":
      return { kind: "float", value: p.value === 0 ? 0 : p.value, desc };
    case "decimal":
      return { kind: "decimal", value: canonicalDecimal(p.value), desc };
    default:
      return { ...p, desc } as DecodedPart;
  }
}

function canonicalDecimal(s: string): string {
  const d = parseDecimal(s);
  if (d.digits === "") return "0";
  const body =
    d.exponent <= 0
      ? `0.${"0".repeat(-d.exponent)}${d.digits}`
      : d.exponent >= d.digits.length
        ? d.digits + "0".repeat(d.exponent - d.digits.length)
        : `${d.digits.slice(0, d.exponent)}.${d.digits.slice(d.exponent)}`;
  return d.negative ? `-${body}` : body;
}

const schemaArb = fc.array(fc.tuple(fc.constantFrom(...KINDS), fc.boolean()), { minLength: 1, maxLength: 4 });

describe("keycodec", () => {
  it("round-trips tuples of every type, ascending and descending", () => {
    fc.assert(
      fc.property(
        schemaArb.chain((schema) => fc.tuple(fc.constant(schema), fc.tuple(...schema.map(([k]) => partArb(k))))),
        ([schema, parts]) => {
          const desc = schema.map(([, d]) => d);
          const decoded = decodeKey(encodeKey(parts, desc));
          assert.deepEqual(
            decoded,
            parts.map((p, i) => expectedDecoded(p, desc[i] === true)),
          );
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("memcmp order of encoded tuples equals column-by-column SQL order (desc columns reversed)", () => {
    fc.assert(
      fc.property(
        schemaArb.chain((schema) =>
          fc.tuple(fc.constant(schema), fc.tuple(...schema.map(([k]) => partArb(k))), fc.tuple(...schema.map(([k]) => partArb(k)))),
        ),
        ([schema, a, b]) => {
          const desc = schema.map(([, d]) => d);
          let expected = 0;
          for (let i = 0; i < a.length && expected === 0; i++) {
            const c = compareModel(a[i] as KeyPart, b[i] as KeyPart);
            expected = desc[i] ? -c || 0 : c;
          }
          assert.equal(Math.sign(compareBytes(encodeKey(a, desc), encodeKey(b, desc))), expected);
        },
      ),
      { numRuns: 5000 },
    );
  });

  it("sorts NULL before every other value and NaN above +Infinity, -0 equal to 0", () => {
    const k = (p: KeyPart) => encodeKey([p]);
    assert.ok(compareBytes(k({ kind: "null" }), k({ kind: "int", value: -(2n ** 63n) })) < 0);
    assert.ok(compareBytes(k({ kind: "float", value: Number.POSITIVE_INFINITY }), k({ kind: "float", value: Number.NaN })) < 0);
    assert.equal(compareBytes(k({ kind: "float", value: -0 }), k({ kind: "float", value: 0 })), 0);
  });

  it("a tuple's encoding is a prefix of any longer tuple with the same leading values, and prefixEnd bounds it", () => {
    const short = encodeKey([{ kind: "int", value: 7 }]);
    const long = encodeKey([
      { kind: "int", value: 7 },
      { kind: "text", value: "zzz" },
    ]);
    assert.deepEqual(long.subarray(0, short.length), short);
    const end = prefixEnd(short);
    assert.ok(end !== undefined && compareBytes(long, end) < 0 && compareBytes(short, end) < 0);
    assert.ok(compareBytes(encodeKey([{ kind: "int", value: 8 }]), end) >= 0);
    assert.equal(prefixEnd(new Uint8Array([0xff, 0xff])), undefined);
  });

  it("rejects bad input with clear errors", () => {
    assert.throws(
      () => new KeyWriter().decimal("12a"),
      (e: unknown) => e instanceof KodiakError && e.code === "22P02",
    );
    assert.throws(
      () => new KeyWriter().int(2n ** 63n),
      (e: unknown) => e instanceof KodiakError && e.code === "22003",
    );
    assert.throws(
      () => new KeyWriter().text("x".repeat(20000)),
      (e: unknown) => e instanceof KodiakError && e.code === "54000",
    );
    assert.throws(
      () => decodeKey(new Uint8Array([0x20, 1, 2])),
      (e: unknown) => e instanceof KodiakError && e.code === "XX001",
    );
    assert.throws(
      () => decodeKey(new Uint8Array([0x77])),
      (e: unknown) => e instanceof KodiakError && e.code === "XX001",
    );
  });
});
