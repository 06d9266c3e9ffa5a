// Table and index keys for the SQL layer on top of storage's order-preserving key codec:
// (table id, index id, key columns...) with each value encoded by its column's SQL type, so the
// byte order of keys is the SQL order of the tuples (NULLs first; descending columns inverted).
import { type KeyPart, encodeKey as encodeParts, prefixEnd as storagePrefixEnd } from "../../storage/index.js";
import { Decimal } from "../types/decimal.js";
import type { DataType } from "../types/types.js";
import type { Value } from "../types/values.js";

/** The key part for a value of a column type (the value must already have that type). */
export function keyPart(v: Value, t: DataType): KeyPart {
  if (v === null) return { kind: "null" };
  switch (t.id) {
    case "bool":
      return { kind: "bool", value: v === true };
    case "int2":
    case "int4":
    case "int8":
      return { kind: "int", value: typeof v === "bigint" ? v : BigInt(v as number) };
    case "float4":
    case "float8":
      return { kind: "float", value: v as number };
    case "numeric":
      return { kind: "decimal", value: (v instanceof Decimal ? v : Decimal.fromNumber(Number(v))).toString() };
    case "bytea":
      return { kind: "bytes", value: v as Uint8Array };
    default:
      return {
        kind: "text",
        value: typeof v === "string" ? v : JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? x.toString() : x)),
      };
  }
}

/** Key for (tableId, indexId, values...) with `types[i]` the SQL type of value i. */
export function encodeKey(
  tableId: number,
  indexId: number,
  values: readonly Value[],
  types: readonly DataType[],
  descending?: readonly boolean[],
): Uint8Array {
  const parts: KeyPart[] = [
    { kind: "int", value: tableId },
    { kind: "int", value: indexId },
  ];
  for (let i = 0; i < values.length; i++) parts.push(keyPart(values[i], types[i]));
  const desc = descending ? [false, false, ...descending] : [];
  return encodeParts(parts, desc);
}

/** Prefix of every key of a table (all its indexes). */
export function tablePrefix(tableId: number): Uint8Array {
  return encodeParts([{ kind: "int", value: tableId }]);
}

/** The smallest key greater than every key starting with prefix. */
export function prefixEnd(prefix: Uint8Array): Uint8Array {
  const end = storagePrefixEnd(prefix);
  if (!end) throw new Error("prefixEnd of an all-0xff key");
  return end;
}
