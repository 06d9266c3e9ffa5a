// Size limits on single values, so a query cannot exhaust the heap with one huge string or array
// (PostgreSQL's limit is 1 GB per field, 54000 program_limit_exceeded beyond it). Node cannot hold
// a 1 GB string (V8 caps strings near 512 MiB) and a value must fit in one replicated command
// (48 MiB), so Kodiak's bound is smaller: 64 Mi characters of text, 64 MiB of bytea and 16 Mi
// array elements. Checked before allocating where the size is known in advance (repeat, lpad).
import { KodiakError, SqlState } from "../../util/index.js";

export const MAX_TEXT_CHARS = 64 * 1024 * 1024;
export const MAX_BYTEA_BYTES = 64 * 1024 * 1024;
export const MAX_ARRAY_ELEMENTS = 16 * 1024 * 1024;

/** 54000 for a result that would be `size` characters long. */
export function textTooLong(size: number): KodiakError {
  return new KodiakError(
    SqlState.programLimitExceeded,
    `result of ${size} characters exceeds the maximum text length of ${MAX_TEXT_CHARS} characters`,
  );
}

export function checkTextLength(size: number): void {
  if (size > MAX_TEXT_CHARS) throw textTooLong(size);
}

export function checkArrayLength(size: number): void {
  if (size > MAX_ARRAY_ELEMENTS) {
    throw new KodiakError(SqlState.programLimitExceeded, `array size exceeds the maximum allowed (${MAX_ARRAY_ELEMENTS})`);
  }
}

export function checkByteaLength(size: number): void {
  if (size > MAX_BYTEA_BYTES) {
    throw new KodiakError(
      SqlState.programLimitExceeded,
      `result of ${size} bytes exceeds the maximum bytea size of ${MAX_BYTEA_BYTES} bytes`,
    );
  }
}

/** Returns `v` after checking the size of a text, bytea or array result. */
export function checkedValue<V>(v: V): V {
  if (typeof v === "string") {
    if (v.length > MAX_TEXT_CHARS) throw textTooLong(v.length);
  } else if (v instanceof Uint8Array) checkByteaLength(v.length);
  else if (Array.isArray(v)) checkArrayLength(v.length);
  return v;
}
