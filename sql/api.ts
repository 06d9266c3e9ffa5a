// The contract between the SQL engine (sql/) and everything that fronts it: pgwire, the gRPC
// API, the CLI's jsonl/table output, and embedded mode. Protocol code depends on this file only,
// never on the engine's inner modules.

/**
 * Values as they cross this boundary. Mapping from SQL types:
 * bool→boolean; int2/int4/float4/float8→number; int8→bigint; numeric→string (exact decimal text);
 * text/varchar/uuid/json/jsonb→string; bytea→Uint8Array; date→string 'YYYY-MM-DD';
 * time→string; timestamp/timestamptz→Date is NOT used: string in PostgreSQL's output format
 * (so no precision or time-zone surprises); interval→string; arrays→SqlValue[]; NULL→null.
 */
export type SqlValue = null | boolean | number | bigint | string | Uint8Array | SqlValue[];

/** PostgreSQL type name and OID, so pgwire can describe columns exactly as PostgreSQL does. */
export interface SqlType {
  /** PostgreSQL's internal name: "bool", "int2", "int4", "int8", "float4", "float8", "numeric", "text", "varchar", "bytea", "date", "time", "timestamp", "timestamptz", "interval", "json", "jsonb", "uuid", "_int4", ... */
  name: string;
  oid: number;
  /** Type modifier as PostgreSQL's atttypmod (-1 if none). */
  typmod: number;
}

export const PgOid = {
  bool: 16,
  bytea: 17,
  name: 19,
  int8: 20,
  int2: 21,
  int4: 23,
  text: 25,
  oid: 26,
  json: 114,
  float4: 700,
  float8: 701,
  unknown: 705,
  bpchar: 1042,
  varchar: 1043,
  date: 1082,
  time: 1083,
  timestamp: 1114,
  timestamptz: 1184,
  interval: 1186,
  numeric: 1700,
  uuid: 2950,
  jsonb: 3802,
  _bool: 1000,
  _int2: 1005,
  _int4: 1007,
  _int8: 1016,
  _text: 1009,
  _float8: 1022,
  _numeric: 1231,
} as const;

export interface ResultColumn {
  name: string;
  type: SqlType;
}

export interface CopyInSink {
  /** Bytes from the client, in arbitrary chunks (row boundaries are the engine's job). */
  write(chunk: Uint8Array): void;
  /** End of data: parse the rest, insert, and resolve with the number of rows copied. */
  finish(): Promise<number>;
  /** The client gave up (CopyFail): nothing is inserted. */
  abort(reason: string): void;
}

export interface StatementResult {
  /** PostgreSQL command tag word: "SELECT", "INSERT", "UPDATE", "DELETE", "CREATE TABLE", "BEGIN", ... */
  command: string;
  /** Present for statements that return rows (SELECT, ... RETURNING, SHOW, EXPLAIN). */
  columns?: ResultColumn[];
  rows?: SqlValue[][];
  /** Rows inserted/updated/deleted/selected, for the command tag. */
  rowCount: number;
  /** COPY ... FROM STDIN: the protocol feeds the client's data into this sink. */
  copyIn?: { format: "text" | "csv" | "binary"; columnCount: number; sink: CopyInSink };
  /** COPY ... TO STDOUT: the encoded data to send. */
  copyOut?: { format: "text" | "csv" | "binary"; columnCount: number; data: AsyncIterable<Uint8Array> };
  /** Notices raised while running (e.g. "table does not exist, skipping"). */
  notices?: { severity: "NOTICE" | "WARNING" | "INFO"; code: string; message: string }[];
}

export interface PreparedStatement {
  readonly sql: string;
  /** One OID per $n parameter (inferred where the client sent 0/unknown). */
  readonly paramTypes: SqlType[];
  /** Result columns, or undefined if the statement returns no rows. */
  readonly columns: ResultColumn[] | undefined;
}

export type TransactionStatus = "idle" | "inTransaction" | "failed";

export interface ExecuteOptions {
  /** Aborted when the client cancels or the statement timeout fires: the engine stops and throws 57014. */
  signal?: AbortSignal;
}

/**
 * One client session: settings and transaction state. Errors are KodiakError (SQLSTATE, message,
 * position) and always leave the session usable (in the failed-transaction state if inside a
 * transaction block, as PostgreSQL).
 */
export interface SqlSession {
  /**
   * Simple query: runs each statement of a script in order and yields its result as it completes;
   * throws at the first failing statement (results before it were already yielded).
   */
  run(sql: string, options?: ExecuteOptions): AsyncIterable<StatementResult>;
  /** Extended protocol: parse and describe one statement. paramTypeOids may contain 0 (infer). */
  prepare(sql: string, paramTypeOids: number[]): Promise<PreparedStatement>;
  /** Executes a prepared statement with parameters (already decoded to SqlValue by the protocol). */
  execute(statement: PreparedStatement, params: SqlValue[], options?: ExecuteOptions): Promise<StatementResult>;
  transactionStatus(): TransactionStatus;
  /** Current value of a setting as SHOW would print it; undefined if unknown. */
  setting(name: string): string | undefined;
  /** Renders a value in PostgreSQL's text output format for its type (pgwire text format, psql). */
  formatText(value: SqlValue, type: SqlType): string | null;
  /** Parses a text-format parameter into a value of the given type (22P02 on bad input). */
  parseText(text: string, type: SqlType): SqlValue;
  /** Rolls back any open transaction and frees resources. */
  close(): Promise<void>;
}

export interface SessionOptions {
  user: string;
  database: string;
  /** Client-supplied startup settings (application_name, DateStyle, ...). */
  settings?: Record<string, string>;
}

export interface SqlEngine {
  openSession(options: SessionOptions): Promise<SqlSession>;
  close(): Promise<void>;
}
