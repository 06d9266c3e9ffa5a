// Test helper: a raw PostgreSQL wire client. Builds frontend messages byte by byte (independent
// of the server's own writer) and reads backend messages from a socket with bounded waits.

import { connect, type Socket } from "node:net";

function int16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
}
function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}
const cstr = (s: string): Buffer => Buffer.concat([Buffer.from(s, "utf8"), Buffer.from([0])]);

export function typed(code: string, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from(code), int32(body.length + 4), body]);
}

export const fe = {
  startup(params: Record<string, string>, version = 196608): Buffer {
    const body = Buffer.concat([int32(version), ...Object.entries(params).flatMap(([k, v]) => [cstr(k), cstr(v)]), Buffer.from([0])]);
    return Buffer.concat([int32(body.length + 4), body]);
  },
  sslRequest: (): Buffer => Buffer.concat([int32(8), int32(80877103)]),
  gssEncRequest: (): Buffer => Buffer.concat([int32(8), int32(80877104)]),
  cancel: (pid: number, key: number): Buffer => Buffer.concat([int32(16), int32(80877102), int32(pid), int32(key)]),
  query: (sql: string): Buffer => typed("Q", cstr(sql)),
  parse: (name: string, sql: string, oids: number[] = []): Buffer =>
    typed("P", cstr(name), cstr(sql), int16(oids.length), ...oids.map(int32)),
  bind(portal: string, statement: string, params: (Buffer | null)[], paramFormats: number[] = [], resultFormats: number[] = []): Buffer {
    return typed(
      "B",
      cstr(portal),
      cstr(statement),
      int16(paramFormats.length),
      ...paramFormats.map(int16),
      int16(params.length),
      ...params.flatMap((p) => (p === null ? [int32(-1)] : [int32(p.length), p])),
      int16(resultFormats.length),
      ...resultFormats.map(int16),
    );
  },
  describe: (kind: "S" | "P", name: string): Buffer => typed("D", Buffer.from(kind), cstr(name)),
  execute: (portal: string, maxRows = 0): Buffer => typed("E", cstr(portal), int32(maxRows)),
  close: (kind: "S" | "P", name: string): Buffer => typed("C", Buffer.from(kind), cstr(name)),
  sync: (): Buffer => typed("S"),
  flush: (): Buffer => typed("H"),
  terminate: (): Buffer => typed("X"),
  copyData: (data: string): Buffer => typed("d", Buffer.from(data)),
  copyDone: (): Buffer => typed("c"),
  copyFail: (msg: string): Buffer => typed("f", cstr(msg)),
  password: (pw: string): Buffer => typed("p", cstr(pw)),
};

export interface BackendMessage {
  code: string;
  body: Buffer;
}

/** Error/notice fields by their one-letter codes. */
export function errorFieldsOf(m: BackendMessage): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < m.body.length && m.body[i] !== 0) {
    const code = String.fromCharCode(m.body[i]!);
    const end = m.body.indexOf(0, i + 1);
    out[code] = m.body.toString("utf8", i + 1, end);
    i = end + 1;
  }
  return out;
}

/** DataRow values (null for SQL NULL), as raw buffers. */
export function dataRowValues(m: BackendMessage): (Buffer | null)[] {
  const n = m.body.readInt16BE(0);
  const out: (Buffer | null)[] = [];
  let at = 2;
  for (let i = 0; i < n; i++) {
    const len = m.body.readInt32BE(at);
    at += 4;
    if (len < 0) out.push(null);
    else {
      out.push(m.body.subarray(at, at + len));
      at += len;
    }
  }
  return out;
}

export function commandTag(m: BackendMessage): string {
  return m.body.toString("utf8", 0, m.body.length - 1);
}

/** Parses a backend byte stream into messages (optionally after a single-byte SSL answer). */
export class WireClient {
  readonly socket: Socket;
  private buf = Buffer.alloc(0);
  private readonly messages: BackendMessage[] = [];
  private waiter: (() => void) | undefined;
  closed = false;
  /** Expect a bare one-byte answer (SSLRequest/GSSENCRequest) before the next message. */
  private rawBytesWanted = 0;
  readonly rawBytes: string[] = [];

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on("data", (chunk: Buffer) => {
      this.buf = Buffer.concat([this.buf, chunk]);
      this.parse();
      this.waiter?.();
    });
    socket.on("close", () => {
      this.closed = true;
      this.waiter?.();
    });
    socket.on("error", () => {});
  }

  static connect(port: number): Promise<WireClient> {
    return new Promise((resolve, reject) => {
      const s = connect(port, "127.0.0.1", () => resolve(new WireClient(s)));
      s.once("error", reject);
    });
  }

  expectRawByte(): void {
    this.rawBytesWanted++;
  }

  private parse(): void {
    for (;;) {
      if (this.rawBytesWanted > 0 && this.buf.length >= 1) {
        this.rawBytes.push(String.fromCharCode(this.buf[0]!));
        this.buf = this.buf.subarray(1);
        this.rawBytesWanted--;
        continue;
      }
      if (this.buf.length < 5) return;
      const len = this.buf.readInt32BE(1);
      if (this.buf.length < len + 1) return;
      this.messages.push({ code: String.fromCharCode(this.buf[0]!), body: this.buf.subarray(5, len + 1) });
      this.buf = this.buf.subarray(len + 1);
    }
  }

  write(b: Buffer): void {
    this.socket.write(b);
  }

  /** Waits (bounded) until a message with this code arrives; returns all messages up to and including it. */
  async until(code: string, timeoutMs = 10_000): Promise<BackendMessage[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.messages.findIndex((m) => m.code === code);
      if (i >= 0) return this.messages.splice(0, i + 1);
      if (this.closed) throw new Error(`connection closed before '${code}'; got ${this.messages.map((m) => m.code).join("")}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timeout waiting for '${code}'; got ${this.messages.map((m) => m.code).join("")}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }

  /** Waits (bounded) for the server to close the connection; returns what arrived before. */
  async closedAfter(timeoutMs = 10_000): Promise<BackendMessage[]> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("timeout waiting for the server to close the connection");
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
    return this.messages.splice(0);
  }

  /** Startup with trust auth; returns the messages up to the first ReadyForQuery. */
  async start(params: Record<string, string> = { user: "test", database: "test" }): Promise<BackendMessage[]> {
    this.write(fe.startup(params));
    return this.until("Z");
  }

  end(): void {
    this.socket.destroy();
  }
}
