// Built-in exception conditions and their SQLSTATEs (both directions), the error type PL code
// throws (a KodiakError carrying script line/column, the PL call stack and, for RAISEd
// exceptions, the exception value), and the rules CATCH arms use to match errors.

import { KodiakError, type KodiakErrorFields, SqlState } from "../../util/index.js";
import type { ExceptionDef } from "./types.js";
import { type ExceptionRaw, formatValue, type PlValue } from "./values.js";

/** Section 9.1: condition name → SQLSTATE. Codes ending in 000 name a whole class. */
export const conditions: Readonly<Record<string, string>> = {
  case_not_found: "20000",
  cardinality_violation: "21000",
  data_exception: "22000",
  string_data_right_truncation: "22001",
  numeric_value_out_of_range: "22003",
  null_value_not_allowed: "22004",
  invalid_datetime_format: "22007",
  datetime_field_overflow: "22008",
  division_by_zero: "22012",
  invalid_parameter_value: "22023",
  invalid_row_count_in_limit_clause: "2201W",
  invalid_text_representation: "22P02",
  integrity_constraint_violation: "23000",
  not_null_violation: "23502",
  foreign_key_violation: "23503",
  unique_violation: "23505",
  check_violation: "23514",
  read_only_sql_transaction: "25006",
  in_failed_sql_transaction: "25P02",
  invalid_transaction_termination: "2D000",
  function_executed_no_return_statement: "2F005",
  serialization_failure: "40001",
  transaction_rollback: "40000",
  deadlock_detected: "40P01",
  syntax_error: "42601",
  undefined_column: "42703",
  undefined_function: "42883",
  undefined_table: "42P01",
  undefined_object: "42704",
  datatype_mismatch: "42804",
  wrong_object_type: "42809",
  duplicate_column: "42701",
  duplicate_object: "42710",
  duplicate_function: "42723",
  invalid_function_definition: "42P13",
  invalid_object_definition: "42P17",
  insufficient_privilege: "42501",
  program_limit_exceeded: "54000",
  statement_too_complex: "54001",
  object_not_in_prerequisite_state: "55000",
  query_canceled: "57014",
  feature_not_supported: "0A000",
  raise_exception: "P0001",
  dependent_objects_still_exist: "2BP01",
};

const byCode = new Map<string, string>(Object.entries(conditions).map(([name, code]) => [code, name]));

/** Condition name for a SQLSTATE: exact, else its class, else the generic raise_exception. */
export function conditionName(code: string): string {
  return byCode.get(code) ?? byCode.get(`${code.slice(0, 2)}000`) ?? "raise_exception";
}

export function builtinExceptionDef(name: string): ExceptionDef | undefined {
  const code = conditions[name];
  if (code === undefined) return undefined;
  return { name, defaultMessage: name.replace(/_/g, " "), fields: [], sqlstate: code, builtin: true };
}

/** Does an error with `code` fall under the built-in condition `name` (class names match a class)? */
export function conditionMatches(name: string, code: string): boolean {
  const c = conditions[name];
  if (c === undefined) return false;
  if (c.endsWith("000") && c !== "P0001") return code.startsWith(c.slice(0, 2));
  return c === code;
}

/** A SQLSTATE a user exception may declare: 5 of [0-9A-Z], not class 00/01/02, not built in. */
export function validUserSqlstate(code: string): boolean {
  return /^[0-9A-Z]{5}$/.test(code) && !/^0[012]/.test(code) && !byCode.has(code) && !Object.values(SqlState).includes(code as never);
}

export interface PlErrorFields extends KodiakErrorFields {
  line?: number;
  column?: number;
  context?: string;
  exception?: PlValue;
}

/** An error raised in or through PL code: SQLSTATE plus script position and PL call stack. */
export class PlError extends KodiakError {
  line: number | undefined;
  column: number | undefined;
  /** PL call stack, innermost frame first, one line per frame. */
  context: string | undefined;
  /** The exception value for RAISEd user (or built-in) exceptions. */
  readonly exception: PlValue | undefined;

  constructor(code: string, message: string, fields: PlErrorFields = {}) {
    super(code, message, fields);
    this.name = "PlError";
    this.line = fields.line;
    this.column = fields.column;
    this.context = fields.context;
    this.exception = fields.exception;
  }
}

/** Builds the client-facing error of a RAISEd exception value (section 9.2). */
export function errorFromException(exc: PlValue): PlError {
  const raw = exc.v as ExceptionRaw;
  const detail = [...raw.fields].map(([k, v]) => `${k}=${v.v === null ? "NULL" : formatValue(v)}`).join(", ");
  const message = raw.def.builtin ? raw.message : `${raw.def.name}: ${raw.message}`;
  const fields: PlErrorFields = { exception: exc, line: raw.line, column: raw.column };
  if (detail !== "") fields.detail = detail;
  return new PlError(raw.sqlstate, message, fields);
}

/** Adds position and stack to an error the first time it leaves a PL frame. */
export function withPosition(e: unknown, line: number, column: number, stack: () => string): unknown {
  if (e instanceof PlError) {
    if (e.line === undefined || e.line === 0) {
      e.line = line;
      e.column = column;
    }
    if (e.context === undefined) e.context = stack();
    return e;
  }
  if (e instanceof KodiakError) {
    const fields: PlErrorFields = { line, column, context: stack() };
    if (e.position !== undefined) fields.position = e.position;
    if (e.detail !== undefined) fields.detail = e.detail;
    if (e.hint !== undefined) fields.hint = e.hint;
    return new PlError(e.code, e.message, fields);
  }
  return e;
}

export function plError(code: string, message: string): PlError {
  return new PlError(code, message);
}
