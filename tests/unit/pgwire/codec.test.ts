import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { backend } from "../../../coordinator/pgwire/backend.js";
import { ByteReader } from "../../../coordinator/pgwire/byte-reader.js";
import { ByteWriter } from "../../../coordinator/pgwire/byte-writer.js";
import { MAX_STARTUP_FRAME_BYTES } from "../../../coordinator/pgwire/constants.js";
import { FrameDecoder, type Frame } from "../../../coordinator/pgwire/frame-decoder.js";
import { isEmptyQuery } from "../../../coordinator/pgwire/extended-query.js";
import { parseFrontend, parseStartup } from "../../../coordinator/pgwire/frontend.js";
import { KodiakError } from "../../../util/index.js";
import { dataRowValues, errorFieldsOf, fe, typed } from "./wire-client.js";

const isProtocolViolation = (e: unknown): boolean => e instanceof KodiakError && e.code === "08P01";

/** A valid conversation: startup packet, then typed messages. */
const conversation = [
  fe.startup({ user: "alice", database: "db", application_name: "t" }),
  fe.query("SELECT 1; SELECT 'two'"),
  fe.parse("s1", "SELECT $1::int4", [23]),
  fe.bind("p1", "s1", [Buffer.from("42"), null], [0], [1]),
  fe.describe("P", "p1"),
  fe.execute("p1", 10),
  fe.sync(),
  fe.copyData("1\tx\n"),
  fe.terminate(),
];

function decodeAll(chunks: Buffer[]): Frame[] {
  const d = new FrameDecoder();
  const frames: Frame[] = [];
  for (const c of chunks) {
    d.push(c);
    for (let f = d.next(); f !== undefined; f = d.next()) {
      frames.push({ code: f.code, body: Buffer.from(f.body) });
      if (f.code === -1) d.startup = false;
    }
  }
  return frames;
}

describe("ByteWriter and ByteReader", () => {
  it("round-trip integers and strings, and frame lengths count themselves but not the type byte", () => {
    const w = new ByteWriter(4);
    w.begin(0x51)
      .int16(-2)
      .int32(123456789)
      .cstring("héllo")
      .bytes(Buffer.from([1, 2]))
      .end();
    const b = w.take();
    assert.equal(b[0], 0x51);
    assert.equal(b.readInt32BE(1), b.length - 1);
    const r = new ByteReader(b.subarray(5));
    assert.equal(r.int16(), -2);
    assert.equal(r.int32(), 123456789);
    assert.equal(r.cstring(), "héllo");
    assert.deepEqual([...r.bytes(2)], [1, 2]);
    r.done();
  });
  it("reading past the end or an unterminated string is a protocol violation, not a RangeError", () => {
    assert.throws(() => new ByteReader(Buffer.from([0, 1])).int32(), isProtocolViolation);
    assert.throws(() => new ByteReader(Buffer.from("abc")).cstring(), isProtocolViolation);
    assert.throws(() => new ByteReader(Buffer.from([1])).done(), isProtocolViolation);
  });
});

describe("FrameDecoder", () => {
  const whole = Buffer.concat(conversation);
  const expected = decodeAll([whole]);

  it("decodes a whole conversation into one frame per message", () => {
    assert.equal(expected.length, conversation.length);
    assert.equal(expected[0]!.code, -1);
    assert.deepEqual(
      expected.slice(1).map((f) => String.fromCharCode(f.code)),
      ["Q", "P", "B", "D", "E", "S", "d", "X"],
    );
  });

  it("gives the same frames when the stream is split at every byte boundary", () => {
    for (let cut = 1; cut < whole.length; cut++) {
      assert.deepEqual(decodeAll([whole.subarray(0, cut), whole.subarray(cut)]), expected, `split at ${cut}`);
    }
  });

  it("gives the same frames when fed one byte at a time", () => {
    const bytes = [...whole].map((b) => Buffer.from([b]));
    assert.deepEqual(decodeAll(bytes), expected);
  });

  it("gives the same frames for random chunkings (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: whole.length }), { maxLength: 20 }), (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const chunks: Buffer[] = [];
        let at = 0;
        for (const p of points) {
          chunks.push(whole.subarray(at, p));
          at = p;
        }
        chunks.push(whole.subarray(at));
        assert.deepEqual(decodeAll(chunks), expected);
      }),
      { numRuns: 200 },
    );
  });

  it("rejects an oversized frame from its header, before the body arrives", () => {
    const d = new FrameDecoder(1024);
    d.startup = false;
    const header = Buffer.alloc(5);
    header[0] = 0x51;
    header.writeInt32BE(2048, 1);
    d.push(header);
    assert.throws(
      () => d.next(),
      (e: unknown) => isProtocolViolation(e) && /invalid message length 2048/.test((e as Error).message),
    );
  });

  it("rejects a startup packet longer than the startup limit and lengths below 4", () => {
    const d = new FrameDecoder();
    const b = Buffer.alloc(4);
    b.writeInt32BE(MAX_STARTUP_FRAME_BYTES + 1);
    d.push(b);
    assert.throws(() => d.next(), isProtocolViolation);
    const d2 = new FrameDecoder();
    d2.startup = false;
    d2.push(Buffer.from([0x51, 0, 0, 0, 3]));
    assert.throws(() => d2.next(), isProtocolViolation);
  });
});

describe("frontend message parsing", () => {
  const body = (b: Buffer): Buffer => b.subarray(5);

  it("parses startup variants: v3 parameters, SSL, GSSENC, cancel and unsupported versions", () => {
    const start = parseStartup(fe.startup({ user: "u", database: "d" }).subarray(4));
    assert.deepEqual(start, { kind: "startup", minor: 0, parameters: { user: "u", database: "d" } });
    assert.deepEqual(parseStartup(fe.sslRequest().subarray(4)), { kind: "sslRequest" });
    assert.deepEqual(parseStartup(fe.gssEncRequest().subarray(4)), { kind: "gssEncRequest" });
    assert.deepEqual(parseStartup(fe.cancel(7, -5).subarray(4)), { kind: "cancelRequest", processId: 7, secretKey: -5 });
    assert.deepEqual(parseStartup(fe.startup({ user: "u" }, 2 << 16).subarray(4)), { kind: "unsupportedVersion", major: 2, minor: 0 });
    assert.throws(() => parseStartup(fe.startup({ database: "d" }).subarray(4)), isProtocolViolation);
  });

  it("parses every extended-protocol message", () => {
    assert.deepEqual(parseFrontend(0x50, body(fe.parse("s", "SELECT $1", [23]))), {
      kind: "parse",
      name: "s",
      sql: "SELECT $1",
      paramTypeOids: [23],
    });
    const bind = parseFrontend(0x42, body(fe.bind("p", "s", [Buffer.from("1"), null], [1], [0, 1])));
    assert.deepEqual(bind, {
      kind: "bind",
      portal: "p",
      statement: "s",
      paramFormats: [1],
      params: [Buffer.from("1"), null],
      resultFormats: [0, 1],
    });
    assert.deepEqual(parseFrontend(0x44, body(fe.describe("S", "s"))), { kind: "describe", target: "statement", name: "s" });
    assert.deepEqual(parseFrontend(0x45, body(fe.execute("p", 5))), { kind: "execute", portal: "p", maxRows: 5 });
    assert.deepEqual(parseFrontend(0x43, body(fe.close("P", "p"))), { kind: "close", target: "portal", name: "p" });
    assert.deepEqual(parseFrontend(0x66, body(fe.copyFail("why"))), { kind: "copyFail", message: "why" });
  });

  it("rejects unknown types, bad subtypes, bad format codes and trailing bytes", () => {
    assert.throws(() => parseFrontend(0x7a, Buffer.alloc(0)), isProtocolViolation);
    assert.throws(() => parseFrontend(0x44, Buffer.from("Xname\0")), isProtocolViolation);
    assert.throws(() => parseFrontend(0x42, body(fe.bind("", "", [], [2]))), isProtocolViolation);
    assert.throws(() => parseFrontend(0x53, Buffer.from([1])), isProtocolViolation);
    assert.throws(() => parseFrontend(0x51, Buffer.from("no terminator")), isProtocolViolation);
  });
});

describe("backend message encoding", () => {
  it("writes ErrorResponse fields S, V, C, M, P and a terminator", () => {
    const w = new ByteWriter();
    backend.errorResponse(w, { severity: "ERROR", code: "42P01", message: 'relation "x" does not exist', position: 15 });
    const b = w.take();
    assert.equal(String.fromCharCode(b[0]!), "E");
    assert.equal(b[b.length - 1], 0);
    assert.deepEqual(errorFieldsOf({ code: "E", body: b.subarray(5) }), {
      S: "ERROR",
      V: "ERROR",
      C: "42P01",
      M: 'relation "x" does not exist',
      P: "15",
    });
  });
  it("writes DataRow with -1 for NULL", () => {
    const w = new ByteWriter();
    backend.dataRow(w, [Buffer.from("a"), null, Buffer.alloc(0)]);
    const b = w.take();
    assert.deepEqual(dataRowValues({ code: "D", body: b.subarray(5) }), [Buffer.from("a"), null, Buffer.alloc(0)]);
  });
  it("writes ReadyForQuery exactly as PostgreSQL does", () => {
    const w = new ByteWriter();
    backend.readyForQuery(w, "T");
    assert.deepEqual(w.take(), typed("Z", Buffer.from("T")));
  });
});

describe("empty query detection", () => {
  it("treats blanks, semicolons and complete comments as empty, anything else as a statement", () => {
    assert.equal(isEmptyQuery(""), true);
    assert.equal(isEmptyQuery(" ;\n\t; -- only a comment\n/* and a block */ ;"), true);
    assert.equal(isEmptyQuery("SELECT 1"), false);
    assert.equal(isEmptyQuery("-- c\nSELECT 1"), false);
    assert.equal(isEmptyQuery("/* unterminated"), false);
  });
});
