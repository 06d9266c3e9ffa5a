// The Arrow type a PostgreSQL type travels as, shared by every Arrow producer (query results over
// gRPC, the CLI's --format arrow, COPY … (FORMAT arrow)). Booleans, integers, floats and bytea map
// to their exact Arrow types; everything else (numeric, timestamps, json, uuid, arrays, …) travels
// as text in PostgreSQL's output format, so no precision or range is lost on the way.
import { Binary, Bool, type DataType, DateDay, Float32, Float64, Int16, Int32, Int64, Utf8 } from "apache-arrow";

/** `dateAsDay`: dates as Arrow Date32 (COPY files) instead of text (query results). */
export function arrowTypeOf(pgType: string, dateAsDay = false): DataType {
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
    case "date":
      return dateAsDay ? new DateDay() : new Utf8();
    default:
      return new Utf8();
  }
}
