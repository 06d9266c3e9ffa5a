// Encodes result rows (SqlValue[][] with PostgreSQL column types) as Arrow IPC streams for the
// gRPC API. The SQL→Arrow type mapping is the one documented on QueryResponse in kodiak.proto;
// change both together. Pure: no I/O.

import {
  Binary,
  Bool,
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
import type { ResultColumn, SqlType, SqlValue } from "../../sql/api.js";
import { arrowTypeOf } from "../../sql/types/arrow-type.js";

/** Renders a value in PostgreSQL's text output format (the session's formatText). */
export type TextFormatter = (value: SqlValue, type: SqlType) => string | null;

/** The Arrow schema of a result: one nullable field per column, with the PostgreSQL type as metadata. */
export function arrowSchemaFor(columns: readonly ResultColumn[]): Schema {
  const fields = columns.map(
    (c) =>
      new Field(
        c.name,
        arrowTypeOf(c.type.name),
        true,
        new Map([
          ["kodiak.type", c.type.name],
          ["kodiak.oid", String(c.type.oid)],
        ]),
      ),
  );
  return new Schema(fields);
}

function toInt64(v: SqlValue): bigint | null {
  if (v === null) return null;
  if (typeof v === "bigint") return v;
  if (typeof v === "number") return BigInt(Math.trunc(v));
  return BigInt(String(v));
}

function toNumber(v: SqlValue): number | null {
  if (v === null) return null;
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  return Number(v);
}

function columnValues(rows: readonly SqlValue[][], index: number, type: SqlType, format: TextFormatter): unknown[] {
  const out: unknown[] = new Array(rows.length);
  const arrow = arrowTypeOf(type.name);
  for (let r = 0; r < rows.length; r++) {
    const v = rows[r]![index] ?? null;
    if (arrow instanceof Int64) out[r] = toInt64(v);
    else if (arrow instanceof Int16 || arrow instanceof Int32 || arrow instanceof Float32 || arrow instanceof Float64) out[r] = toNumber(v);
    else if (arrow instanceof Bool) out[r] = v === null ? null : Boolean(v);
    else if (arrow instanceof Binary) out[r] = v === null ? null : v instanceof Uint8Array ? v : new TextEncoder().encode(String(v));
    else out[r] = v === null ? null : typeof v === "string" ? v : format(v, type);
  }
  return out;
}

/** One record batch holding `rows` (a slice of the result). */
export function recordBatchFor(schema: Schema, columns: readonly ResultColumn[], rows: readonly SqlValue[][], format: TextFormatter) {
  const children = columns.map((c, i) => vectorFromArray(columnValues(rows, i, c.type, format), schema.fields[i]!.type).data[0]!);
  const data = makeData({ type: new Struct(schema.fields), length: rows.length, nullCount: 0, children });
  return new RecordBatch(schema, data);
}

/** A complete Arrow IPC stream (schema, one batch, end marker) for the given rows. */
export function encodeArrowIpc(columns: readonly ResultColumn[], rows: readonly SqlValue[][], format: TextFormatter): Uint8Array {
  const schema = arrowSchemaFor(columns);
  const table = new Table(schema, [recordBatchFor(schema, columns, rows, format)]);
  return tableToIPC(table, "stream");
}
