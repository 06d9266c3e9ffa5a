import assert from "node:assert/strict";
import { connect } from "node:net";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { eventually, startServer, type TestServer } from "./fixture.js";
import { type BackendMessage, dataRowValues, errorFieldsOf, fe, typed, WireClient } from "./wire-client.js";

const errorOf = (ms: BackendMessage[]): Record<string, string> => errorFieldsOf(ms.find((m) => m.code === "E")!);

/** Sends raw bytes, then waits (bounded) for the server to close or for a short quiet period. */
function sendRaw(port: number, bytes: Buffer, waitMs = 300): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const s = connect(port, "127.0.0.1", () => s.write(bytes));
    const done = (): void => {
      clearTimeout(t);
      s.destroy();
      resolve(Buffer.concat(chunks));
    };
    const t = setTimeout(done, waitMs);
    s.on("data", (c: Buffer) => chunks.push(c));
    s.on("close", done);
    s.on("error", done);
  });
}

async function stillServes(port: number): Promise<void> {
  const c = await WireClient.connect(port);
  try {
    await c.start();
    c.write(fe.query("SELECT 42"));
    const ms = await c.until("Z");
    const row = ms.find((m) => m.code === "D");
    assert.ok(row !== undefined, "a valid client still gets rows");
    assert.equal(dataRowValues(row)[0]!.toString(), "42");
  } finally {
    c.end();
  }
}

describe("pgwire under bad input", () => {
  let s: TestServer;
  let bystander: WireClient;
  before(async () => {
    s = await startServer({ maxFrameBytes: 1024 * 1024, startupTimeoutMs: 1500 });
    bystander = await WireClient.connect(s.port);
    await bystander.start();
  });
  after(async () => {
    bystander.end();
    await s.server.close();
  });

  const bystanderOk = async (): Promise<void> => {
    bystander.write(fe.query("SELECT 1"));
    assert.equal((await bystander.until("Z")).at(-1)!.code, "Z");
  };

  it("garbage instead of a startup packet gets a FATAL 08P01 and the connection closes", async () => {
    const c = await WireClient.connect(s.port);
    c.write(Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    const err = errorOf(await c.closedAfter());
    assert.equal(err.S, "FATAL");
    assert.equal(err.C, "08P01");
    await bystanderOk();
  });

  it("an unsupported protocol version gets FATAL 0A000", async () => {
    const c = await WireClient.connect(s.port);
    c.write(fe.startup({ user: "u" }, 2 << 16));
    const err = errorOf(await c.closedAfter());
    assert.equal(err.C, "0A000");
    assert.match(err.M!, /unsupported frontend protocol 2\.0/);
  });

  it("an oversized message is refused from its header (08P01) without waiting for the body", async () => {
    const c = await WireClient.connect(s.port);
    await c.start();
    const header = Buffer.alloc(5);
    header[0] = "Q".charCodeAt(0);
    header.writeInt32BE(2 * 1024 * 1024, 1);
    c.write(header);
    const err = errorOf(await c.closedAfter());
    assert.equal(err.C, "08P01");
    assert.match(err.M!, /invalid message length/);
    await bystanderOk();
  });

  it("an unknown message type after startup is a FATAL protocol violation", async () => {
    const c = await WireClient.connect(s.port);
    await c.start();
    const before = s.server.stats().protocolErrorsTotal;
    c.write(typed("z", Buffer.from("junk")));
    assert.equal(errorOf(await c.closedAfter()).C, "08P01");
    assert.equal(s.server.stats().protocolErrorsTotal, before + 1, "counted for metrics");
  });

  it("a malformed message body (missing terminator) is a FATAL protocol violation", async () => {
    const c = await WireClient.connect(s.port);
    await c.start();
    c.write(typed("Q", Buffer.from("SELECT 1")));
    assert.equal(errorOf(await c.closedAfter()).C, "08P01");
  });

  it("a truncated message followed by a disconnect leaves the server serving", async () => {
    const c = await WireClient.connect(s.port);
    await c.start();
    c.write(fe.query("SELECT 1").subarray(0, 7));
    c.end();
    await stillServes(s.port);
    await bystanderOk();
  });

  it("a client that never finishes startup is dropped after the startup timeout", async () => {
    const c = await WireClient.connect(s.port);
    c.write(fe.startup({ user: "u" }).subarray(0, 6));
    await c.closedAfter(10_000);
    assert.ok(c.closed);
  });

  it("random bytes at the port never stop a valid client from getting answers (fuzz)", async () => {
    const seed = Number(process.env.PGWIRE_FUZZ_SEED ?? Date.now() % 100000);
    const validStart = Buffer.concat([fe.startup({ user: "fuzz" })]);
    try {
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 200 }), fc.boolean(), async (junk, afterStartup) => {
          await sendRaw(s.port, afterStartup ? Buffer.concat([validStart, junk]) : Buffer.from(junk), 60);
        }),
        { numRuns: 60, seed },
      );
    } catch (e) {
      throw new Error(`fuzz failed with seed ${seed}: ${(e as Error).message}`);
    }
    await stillServes(s.port);
    await bystanderOk();
    await eventually(() => s.server.connectionCount === 1, 10_000, "fuzz connections to be cleaned up");
  });

  it("well-framed messages with random bodies after startup never take the server down (fuzz)", async () => {
    const seed = Number(process.env.PGWIRE_FUZZ_SEED ?? Date.now() % 100000);
    const codes = "QPBDESCHdcfFp";
    const frame = fc.record({
      code: fc.constantFrom(...codes.split("")),
      body: fc.uint8Array({ maxLength: 40 }),
      terminated: fc.boolean(),
    });
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 8 }), async (frames) => {
          const bytes = frames.map((f) => typed(f.code, Buffer.from(f.body), f.terminated ? Buffer.from([0]) : Buffer.alloc(0)));
          await sendRaw(s.port, Buffer.concat([fe.startup({ user: "fuzz" }), ...bytes]), 60);
        }),
        { numRuns: 80, seed },
      );
    } catch (e) {
      throw new Error(`fuzz failed with seed ${seed}: ${(e as Error).message}`);
    }
    await stillServes(s.port);
    await bystanderOk();
    await eventually(() => s.server.connectionCount === 1, 10_000, "fuzz connections to be cleaned up");
  });
});
