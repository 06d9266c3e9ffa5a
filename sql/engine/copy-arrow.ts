// COPY ... (FORMAT arrow): rows to and from Arrow IPC (the file format, Feather v2, for files; the
// stream format for STDOUT; either for input). Type mapping: bool → Bool, int2/int4/int8 →
// Int16/Int32/Int64, float4/float8 → Float32/Float64, bytea → Binary, date → Date32; every other
// type (numeric, text, json, time/timestamp/interval, uuid, arrays) → Utf8 in PostgreSQL's text
// form, which parses back exactly. Each field carries `kodiak.type`. Input is converted one
// record batch at a time. Pure: no I/O.
import {
  type DataType as ArrowType,
  DateDay,
  Field,
  makeData,
  RecordBatch,
  RecordBatchReader,
  Schema,
  Struct,
  Table,
  tableToIPC,
  Type,
  Utf8,
  vectorFromArray,
} from "apache-arrow";
import { KodiakError, SqlState } from "../../util/index.js";
import type { Col } from "../plan/context.js";
import { arrowTypeOf } from "../types/arrow-type.js";
import { type DataType, T, typeDisplayName } from "../types/types.js";
import { formatValue, type Row, type Value } from "../types/values.js";
import type { CopyFields } from "./copy.js";

/** Rows per record batch written. */
export const ARROW_BATCH_ROWS = 65_536;
const DAY_MS = 86_400_000;

function arrowValue(v: Value, t: DataType, arrow: ArrowType): unknown {
  if (v === null) return null;
  if (arrow instanceof Utf8) return formatValue(v, t);
  if (arrow instanceof DateDay) return new Date(Date.parse(`${v as string}T00:00:00Z`));
  return v;
}

function schemaFor(cols: readonly Col[]): Schema {
  return new Schema(
    cols.map(
      (c) =>
        new Field(
          c.name,
          arrowTypeOf(c.type.id, true),
          true,
          new Map([["kodiak.type", typeDisplayName(c.type.id === "unknown" ? T.text : c.type)]]),
        ),
    ),
  );
}

/** Rows (visible columns `cols`) as one Arrow IPC file or stream. */
export function encodeArrow(cols: readonly Col[], rows: readonly Row[], container: "file" | "stream"): Uint8Array {
  const schema = schemaFor(cols);
  const batches: RecordBatch[] = [];
  for (let start = 0; start < rows.length || (start === 0 && batches.length === 0); start += ARROW_BATCH_ROWS) {
    const slice = rows.slice(start, start + ARROW_BATCH_ROWS);
    const children = cols.map((c, i) => {
      const type = schema.fields[i].type;
      return vectorFromArray(
        slice.map((r) => arrowValue(r[i], c.type, type)),
        type,
      ).data[0];
    });
    batches.push(new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: slice.length, nullCount: 0, children })));
    if (rows.length === 0) break;
  }
  return tableToIPC(new Table(schema, batches), container);
}

/** Text form of one Arrow value, as COPY's text path parses it into the target column type. */
function textOf(v: unknown, type: ArrowType): string | null {
  if (v === null || v === undefined) return null;
  switch (type.typeId) {
    case Type.Bool:
      return v ? "t" : "f";
    case Type.Int:
      return String(v);
    case Type.Float:
      return formatValue(v as number, T.float8);
    case Type.Utf8:
    case Type.LargeUtf8:
      return v as string;
    case Type.Binary:
    case Type.LargeBinary:
      return formatValue(v as Uint8Array, T.bytea);
    case Type.Date:
      return new Date(Math.floor((v as number) / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
    default:
      throw new KodiakError(SqlState.featureNotSupported, `COPY FROM cannot read Arrow columns of type ${String(type)}`);
  }
}

/** The rows of Arrow IPC input (file or stream), one record batch at a time, as COPY text fields. */
export function* decodeArrow(bytes: Uint8Array, columnCount: number): Generator<CopyFields[]> {
  let reader: RecordBatchReader;
  try {
    reader = RecordBatchReader.from(bytes);
  } catch (e) {
    throw new KodiakError("22P04", `invalid Arrow IPC data: ${(e as Error).message}`);
  }
  let checked = false;
  for (const batch of reader) {
    if (!checked) {
      const n = batch.schema.fields.length;
      if (n !== columnCount) {
        throw new KodiakError(
          "22P04",
          `${n < columnCount ? "missing data" : "extra data after last expected column"} (Arrow input has ${n} columns, COPY expects ${columnCount})`,
        );
      }
      checked = true;
    }
    const types = batch.schema.fields.map((f) => f.type);
    const cols = types.map((_t, j) => batch.getChildAt(j)!);
    const out: CopyFields[] = new Array(batch.numRows);
    for (let r = 0; r < batch.numRows; r++) {
      const fields: CopyFields = new Array(cols.length);
      for (let j = 0; j < cols.length; j++) fields[j] = textOf(cols[j].get(r), types[j]);
      out[r] = fields;
    }
    yield out;
  }
}
