// Parses client messages (startup packets and typed frames) into tagged values. Pure: bytes in,
// FrontendMessage out, 08P01 KodiakError on anything malformed. No session or socket here.

import { ByteReader, protocolViolation } from "./byte-reader.js";
import { FrontendCode, MAX_BIND_PARAMETERS, StartupCode } from "./constants.js";

export type StartupPacket =
  /** minor > 0 (3.x) is accepted and answered with NegotiateProtocolVersion. */
  | { kind: "startup"; minor: number; parameters: Record<string, string> }
  | { kind: "sslRequest" }
  | { kind: "gssEncRequest" }
  | { kind: "cancelRequest"; processId: number; secretKey: number }
  | { kind: "unsupportedVersion"; major: number; minor: number };

export type FrontendMessage =
  | { kind: "query"; sql: string }
  | { kind: "parse"; name: string; sql: string; paramTypeOids: number[] }
  | { kind: "bind"; portal: string; statement: string; paramFormats: number[]; params: (Buffer | null)[]; resultFormats: number[] }
  | { kind: "describe"; target: "statement" | "portal"; name: string }
  | { kind: "execute"; portal: string; maxRows: number }
  | { kind: "close"; target: "statement" | "portal"; name: string }
  | { kind: "sync" }
  | { kind: "flush" }
  | { kind: "terminate" }
  | { kind: "copyData"; data: Buffer }
  | { kind: "copyDone" }
  | { kind: "copyFail"; message: string }
  /** Raw 'p' body; meaning depends on the authentication step (password, SASL initial, SASL response). */
  | { kind: "password"; body: Buffer }
  | { kind: "functionCall" };

export function parseStartup(body: Buffer): StartupPacket {
  const r = new ByteReader(body, "startup packet");
  const version = r.int32();
  switch (version) {
    case StartupCode.sslRequest:
      r.done();
      return { kind: "sslRequest" };
    case StartupCode.gssEncRequest:
      r.done();
      return { kind: "gssEncRequest" };
    case StartupCode.cancelRequest: {
      const processId = r.int32();
      const secretKey = r.int32();
      r.done();
      return { kind: "cancelRequest", processId, secretKey };
    }
    default:
      if (version >>> 16 === StartupCode.protocol3 >>> 16)
        return { kind: "startup", minor: version & 0xffff, parameters: parseStartupParameters(r) };
      return { kind: "unsupportedVersion", major: version >>> 16, minor: version & 0xffff };
  }
}

function parseStartupParameters(r: ByteReader): Record<string, string> {
  const parameters: Record<string, string> = {};
  for (;;) {
    const name = r.cstring();
    if (name === "") break;
    parameters[name] = r.cstring();
  }
  r.done();
  if (parameters.user === undefined || parameters.user === "")
    throw protocolViolation("no PostgreSQL user name specified in startup packet");
  return parameters;
}

function target(byte: number): "statement" | "portal" {
  if (byte === 0x53) return "statement"; // 'S'
  if (byte === 0x50) return "portal"; // 'P'
  throw protocolViolation(`invalid DESCRIBE/CLOSE message subtype ${byte}`);
}

function int16List(r: ByteReader, what: string): number[] {
  const n = r.int16();
  if (n < 0) throw protocolViolation(`invalid ${what} count ${n}`);
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(r.int16());
  return out;
}

function formatCodes(r: ByteReader, what: string): number[] {
  const codes = int16List(r, what);
  for (const c of codes) if (c !== 0 && c !== 1) throw protocolViolation(`unsupported format code: ${c}`);
  return codes;
}

function parseBind(r: ByteReader): FrontendMessage {
  const portal = r.cstring();
  const statement = r.cstring();
  const paramFormats = formatCodes(r, "parameter format");
  const count = r.int16() & 0xffff;
  if (count > MAX_BIND_PARAMETERS) throw protocolViolation(`too many parameters: ${count}`);
  const params: (Buffer | null)[] = [];
  for (let i = 0; i < count; i++) {
    const len = r.int32();
    if (len < -1) throw protocolViolation(`invalid parameter length ${len}`);
    params.push(len === -1 ? null : Buffer.from(r.bytes(len)));
  }
  const resultFormats = formatCodes(r, "result format");
  return { kind: "bind", portal, statement, paramFormats, params, resultFormats };
}

/** Parses one typed frame; validates that the body is consumed exactly. */
export function parseFrontend(code: number, body: Buffer): FrontendMessage {
  const r = new ByteReader(body, `message '${String.fromCharCode(code)}'`);
  let msg: FrontendMessage;
  switch (code) {
    case FrontendCode.query:
      msg = { kind: "query", sql: r.cstring() };
      break;
    case FrontendCode.parse: {
      const name = r.cstring();
      const sql = r.cstring();
      const n = r.int16() & 0xffff;
      const paramTypeOids: number[] = [];
      for (let i = 0; i < n; i++) paramTypeOids.push(r.int32() >>> 0);
      msg = { kind: "parse", name, sql, paramTypeOids };
      break;
    }
    case FrontendCode.bind:
      msg = parseBind(r);
      break;
    case FrontendCode.describe:
      msg = { kind: "describe", target: target(r.uint8()), name: r.cstring() };
      break;
    case FrontendCode.execute:
      msg = { kind: "execute", portal: r.cstring(), maxRows: r.int32() };
      break;
    case FrontendCode.close:
      msg = { kind: "close", target: target(r.uint8()), name: r.cstring() };
      break;
    case FrontendCode.sync:
      msg = { kind: "sync" };
      break;
    case FrontendCode.flush:
      msg = { kind: "flush" };
      break;
    case FrontendCode.terminate:
      msg = { kind: "terminate" };
      break;
    case FrontendCode.copyData:
      return { kind: "copyData", data: r.rest() };
    case FrontendCode.copyDone:
      msg = { kind: "copyDone" };
      break;
    case FrontendCode.copyFail:
      msg = { kind: "copyFail", message: r.cstring() };
      break;
    case FrontendCode.password:
      return { kind: "password", body: r.rest() };
    case FrontendCode.functionCall:
      return { kind: "functionCall" };
    default:
      throw protocolViolation(`invalid frontend message type ${code}`);
  }
  r.done();
  return msg;
}
