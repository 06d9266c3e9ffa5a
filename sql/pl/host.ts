// The narrow seams between the PL-Grizzly interpreter and the rest of the engine: SqlHost (run
// one SQL statement with bound parameters, savepoints; synchronous, like the executor) and
// PlCatalog (user types and functions).
// `{name}` interpolation reaches the host only as bound parameters, never as pasted text.

import type { SqlType, SqlValue } from "../api.js";
import type { FunctionDef } from "./ast.js";
import type { PlType } from "./types.js";

export interface HostColumn {
  readonly name: string;
  readonly type: SqlType;
  /** The PL type when the host knows it more precisely (STRUCT columns). */
  readonly plType?: PlType;
}

export interface HostResult {
  /** Present when the statement returns rows. */
  readonly columns?: readonly HostColumn[];
  readonly rows?: readonly (readonly SqlValue[])[];
  readonly rowCount: number;
}

/** A bound parameter: the value and its PostgreSQL type, so the SQL side types `$n` exactly. */
export interface BoundParam {
  readonly value: SqlValue;
  readonly type: SqlType;
  /** The original PL value (STRUCT/JSON details the SqlValue cannot carry). */
  readonly pl?: import("./values.js").PlValue;
}

export interface SqlHost {
  /** Runs one statement; `$1…$n` in `sql` refer to `params`. Errors are KodiakErrors. */
  execute(sql: string, params: readonly BoundParam[]): HostResult;
  /** Savepoints for TRY (section 6): rolled back when an arm handles an exception. */
  savepoint(): string;
  rollbackToSavepoint(name: string): void;
  releaseSavepoint(name: string): void;
}

/** A function as stored in the catalog: its definition plus resolved types. */
export interface PlFunction {
  readonly def: FunctionDef;
  readonly paramTypes: readonly PlType[];
  readonly returnType: PlType;
}

export interface PlCatalog {
  /** User STRUCT/EXCEPTION type by folded name. */
  type(name: string): PlType | undefined;
  /** Function by name; receiver is the folded receiver type name for methods. */
  func(name: string, receiver: string | null): PlFunction | undefined;
}
