// Decodes the Arrow IPC chunks of the gRPC API into apache-arrow record batches and plain rows.
// Values keep the types Arrow gives them: Int64 → bigint, Int16/32 and floats → number,
// Bool → boolean, Binary → Uint8Array, Utf8 → string (PostgreSQL text format for other types).

import { type RecordBatch, type Schema, Table, tableFromIPC } from "apache-arrow";

/** A result row keyed by column name (a later duplicate name wins). */
export type Row = Record<string, unknown>;

export function batchesFromIpc(chunk: Uint8Array): { schema: Schema; batches: RecordBatch[] } {
  const table = tableFromIPC(chunk);
  return { schema: table.schema, batches: table.batches };
}

/** Rows of one batch as arrays of values, in column order. */
export function batchArrays(batch: RecordBatch): unknown[][] {
  const cols = batch.schema.fields.map((_, j) => batch.getChildAt(j));
  const out: unknown[][] = new Array(batch.numRows);
  for (let i = 0; i < batch.numRows; i++) out[i] = cols.map((c) => normalize(c?.get(i) ?? null));
  return out;
}

/** Rows of one batch as objects keyed by column name. */
export function batchRows(batch: RecordBatch): Row[] {
  const names = batch.schema.fields.map((f) => f.name);
  return batchArrays(batch).map((vals) => {
    const row: Row = {};
    names.forEach((n, j) => {
      row[n] = vals[j];
    });
    return row;
  });
}

function normalize(v: unknown): unknown {
  // Arrow returns Binary as a view into its buffer; copy so rows outlive the batch safely.
  if (v instanceof Uint8Array) return new Uint8Array(v);
  return v;
}

/** A Table from batches, keeping the schema even when there are no rows. */
export function tableOf(schema: Schema, batches: RecordBatch[]): Table {
  return batches.length > 0 ? new Table(batches) : new Table(schema);
}

/** Decodes a whole Execute result (one IPC stream) into row arrays. */
export function decodeArrays(ipc: Uint8Array): unknown[][] {
  if (ipc.length === 0) return [];
  return batchesFromIpc(ipc).batches.flatMap((b) => batchArrays(b));
}
