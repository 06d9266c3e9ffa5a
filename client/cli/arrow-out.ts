// `--format arrow`: writes each row-returning result as an Arrow IPC stream (schema, batch, end
// marker; several results are concatenated streams). Types as the gRPC API maps them
// (kodiak.proto, QueryResponse): ints/floats/bool/bytea native, everything else PostgreSQL text.

import {
  Binary,
  Bool,
  type DataType,
  Field,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Table,
  tableToIPC,
  Utf8,
  vectorFromArray,
} from "apache-arrow";
import { displayText } from "./format.js";
import type { Outcome } from "./outcome.js";

function arrowType(pgType: string): DataType {
  switch (pgType) {
    case "bool":
      return new Bool();
    case "int2":
      return new Int16();
    case "int4":
      return new Int32();
    case "int8":
      return new Int64();
    case "float4":
      return new Float32();
    case "float8":
      return new Float64();
    case "bytea":
      return new Binary();
    default:
      return new Utf8();
  }
}

function convert(v: unknown, t: DataType): unknown {
  if (v === null || v === undefined) return null;
  if (t instanceof Int64) return typeof v === "bigint" ? v : BigInt(String(v));
  if (t instanceof Int16 || t instanceof Int32 || t instanceof Float32 || t instanceof Float64) return Number(v);
  if (t instanceof Bool) return Boolean(v);
  if (t instanceof Binary) return v instanceof Uint8Array ? v : new TextEncoder().encode(String(v));
  return displayText(v);
}

/** The Arrow IPC stream for a row-returning outcome; undefined for commands. */
export function outcomeToArrowIpc(o: Outcome): Uint8Array | undefined {
  if (o.columns === undefined) return undefined;
  const fields = o.columns.map((c) => new Field(c.name, arrowType(c.type), true, new Map([["kodiak.type", c.type]])));
  const schema = new Schema(fields);
  const children = fields.map(
    (f, j) =>
      vectorFromArray(
        o.rows.map((r) => convert(r[j], f.type)),
        f.type,
      ).data[0]!,
  );
  const data = makeData({ type: new Struct(fields), length: o.rows.length, nullCount: 0, children });
  return tableToIPC(new Table(schema, [new RecordBatch(schema, data)]), "stream");
}
