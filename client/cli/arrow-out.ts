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
  vectorFromArray,
} from "apache-arrow";
import { arrowTypeOf } from "../../sql/types/arrow-type.js";
import { displayText } from "./format.js";
import type { Outcome } from "./outcome.js";

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
  const fields = o.columns.map((c) => new Field(c.name, arrowTypeOf(c.type), true, new Map([["kodiak.type", c.type]])));
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
