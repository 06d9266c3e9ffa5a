// Serializes server messages into a ByteWriter. Pure encoding: callers decide what to send when.
// Error fields follow PostgreSQL: S/V severity, C SQLSTATE, M message, D detail, H hint, P position.

import type { ByteWriter } from "./byte-writer.js";
import { AuthCode, BackendCode, ErrorField } from "./constants.js";

export interface FieldDescription {
  name: string;
  tableOid: number;
  columnAttr: number;
  typeOid: number;
  typeSize: number;
  typeModifier: number;
  format: number;
}

export interface ErrorFields {
  severity: "ERROR" | "FATAL" | "PANIC" | "WARNING" | "NOTICE" | "DEBUG" | "INFO" | "LOG";
  code: string;
  message: string;
  detail?: string | undefined;
  hint?: string | undefined;
  position?: number | undefined;
  where?: string | undefined;
}

export type TransactionStatusByte = "I" | "T" | "E";

export const backend = {
  authenticationOk: (w: ByteWriter) => w.begin(BackendCode.authentication).int32(AuthCode.ok).end(),
  authenticationCleartextPassword: (w: ByteWriter) => w.begin(BackendCode.authentication).int32(AuthCode.cleartextPassword).end(),
  authenticationSasl(w: ByteWriter, mechanisms: string[]) {
    w.begin(BackendCode.authentication).int32(AuthCode.sasl);
    for (const m of mechanisms) w.cstring(m);
    return w.uint8(0).end();
  },
  authenticationSaslContinue: (w: ByteWriter, data: string) =>
    w.begin(BackendCode.authentication).int32(AuthCode.saslContinue).string(data).end(),
  authenticationSaslFinal: (w: ByteWriter, data: string) =>
    w.begin(BackendCode.authentication).int32(AuthCode.saslFinal).string(data).end(),
  parameterStatus: (w: ByteWriter, name: string, value: string) => w.begin(BackendCode.parameterStatus).cstring(name).cstring(value).end(),
  backendKeyData: (w: ByteWriter, processId: number, secretKey: number) =>
    w.begin(BackendCode.backendKeyData).int32(processId).int32(secretKey).end(),
  readyForQuery: (w: ByteWriter, status: TransactionStatusByte) => w.begin(BackendCode.readyForQuery).uint8(status.charCodeAt(0)).end(),
  rowDescription(w: ByteWriter, fields: FieldDescription[]) {
    w.begin(BackendCode.rowDescription).int16(fields.length);
    for (const f of fields) {
      w.cstring(f.name).int32(f.tableOid).int16(f.columnAttr).int32(f.typeOid).int16(f.typeSize).int32(f.typeModifier).int16(f.format);
    }
    return w.end();
  },
  /** One row: null → length -1; otherwise the already encoded value bytes. */
  dataRow(w: ByteWriter, values: (Uint8Array | null)[]) {
    w.begin(BackendCode.dataRow).int16(values.length);
    for (const v of values) {
      if (v === null) w.int32(-1);
      else w.int32(v.length).bytes(v);
    }
    return w.end();
  },
  commandComplete: (w: ByteWriter, tag: string) => w.begin(BackendCode.commandComplete).cstring(tag).end(),
  emptyQueryResponse: (w: ByteWriter) => w.begin(BackendCode.emptyQueryResponse).end(),
  errorResponse: (w: ByteWriter, f: ErrorFields) => writeErrorLike(w, BackendCode.errorResponse, f),
  noticeResponse: (w: ByteWriter, f: ErrorFields) => writeErrorLike(w, BackendCode.noticeResponse, f),
  parseComplete: (w: ByteWriter) => w.begin(BackendCode.parseComplete).end(),
  bindComplete: (w: ByteWriter) => w.begin(BackendCode.bindComplete).end(),
  closeComplete: (w: ByteWriter) => w.begin(BackendCode.closeComplete).end(),
  noData: (w: ByteWriter) => w.begin(BackendCode.noData).end(),
  portalSuspended: (w: ByteWriter) => w.begin(BackendCode.portalSuspended).end(),
  parameterDescription(w: ByteWriter, oids: number[]) {
    w.begin(BackendCode.parameterDescription).int16(oids.length);
    for (const oid of oids) w.int32(oid | 0);
    return w.end();
  },
  negotiateProtocolVersion(w: ByteWriter, newestMinor: number, unrecognizedOptions: string[]) {
    w.begin(BackendCode.negotiateProtocolVersion).int32(newestMinor).int32(unrecognizedOptions.length);
    for (const o of unrecognizedOptions) w.cstring(o);
    return w.end();
  },
  copyInResponse: (w: ByteWriter, binary: boolean, columnCount: number) => copyResponse(w, BackendCode.copyInResponse, binary, columnCount),
  copyOutResponse: (w: ByteWriter, binary: boolean, columnCount: number) =>
    copyResponse(w, BackendCode.copyOutResponse, binary, columnCount),
  copyData: (w: ByteWriter, data: Uint8Array) => w.begin(BackendCode.copyData).bytes(data).end(),
  copyDone: (w: ByteWriter) => w.begin(BackendCode.copyDone).end(),
};

function copyResponse(w: ByteWriter, code: number, binary: boolean, columnCount: number): ByteWriter {
  const format = binary ? 1 : 0;
  w.begin(code).uint8(format).int16(columnCount);
  for (let i = 0; i < columnCount; i++) w.int16(format);
  return w.end();
}

function writeErrorLike(w: ByteWriter, code: number, f: ErrorFields): ByteWriter {
  w.begin(code);
  w.uint8(ErrorField.severity).cstring(f.severity);
  w.uint8(ErrorField.severityNonLocalized).cstring(f.severity);
  w.uint8(ErrorField.code).cstring(f.code);
  w.uint8(ErrorField.message).cstring(f.message);
  if (f.detail !== undefined) w.uint8(ErrorField.detail).cstring(f.detail);
  if (f.hint !== undefined) w.uint8(ErrorField.hint).cstring(f.hint);
  if (f.position !== undefined) w.uint8(ErrorField.position).cstring(String(f.position));
  if (f.where !== undefined) w.uint8(ErrorField.where).cstring(f.where);
  return w.uint8(0).end();
}
