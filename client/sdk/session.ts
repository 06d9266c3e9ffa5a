// Statement calls bound to one server session on one coordinator stub: Execute, the Query stream
// (decoded from Arrow IPC), queryArrow. The client (failover, default session) and transactions
// both run their statements through this. Every call carries a deadline.

import { Metadata } from "@grpc/grpc-js";
import type { RecordBatch, Schema, Table } from "apache-arrow";
import type { Column, KodiakClient as Stub, ExecuteResponse, QueryRequest, QueryResponse } from "../../proto/gen/kodiak.js";
import { type Clock, KodiakError, SqlState } from "../../util/index.js";
import { batchArrays, batchesFromIpc, batchRows, decodeArrays, type Row, tableOf } from "./arrow.js";
import { type Param, toValue } from "./values.js";

/** A result column: name and PostgreSQL type. */
export interface ColumnInfo {
  name: string;
  /** PostgreSQL type name ("int4", "text", "numeric", …). */
  type: string;
  oid: number;
}

export interface QueryResult<R = Row> {
  /** Command tag word ("SELECT", "INSERT", …). */
  command: string;
  /** Rows affected (DML) or returned (queries). */
  rowCount: number;
  columns: ColumnInfo[];
  rows: R[];
}

/** One statement's outcome from execute(): rows as arrays in column order. */
export interface StatementOutcome {
  command: string;
  rowCount: number;
  /** Undefined for statements that return no rows. */
  columns: ColumnInfo[] | undefined;
  rows: unknown[][];
  notices: { severity: string; code: string; message: string }[];
}

export interface CallOptions {
  /** Stops the statement (it fails with 57014). */
  signal?: AbortSignal;
  /** Statement timeout for this call in ms (0 = the session's). */
  timeoutMs?: number;
  /** Rows per Arrow batch when streaming. */
  batchRows?: number;
}

export interface StreamHooks {
  header?: (columns: ColumnInfo[]) => void;
  schema?: (schema: Schema) => void;
  complete?: (command: string, rowCount: number) => void;
}

/** The deadline of a call without its own timeout. */
export const DEFAULT_CALL_TIMEOUT_MS = 5 * 60_000;

export function columnsOf(cols: Column[]): ColumnInfo[] {
  return cols.map((c) => ({ name: c.name, type: c.type?.name ?? "unknown", oid: c.type?.oid ?? 0 }));
}

export function unaryCall<Res>(
  start: (md: Metadata, opts: { deadline: number }, cb: (err: Error | null, res?: Res) => void) => void,
  deadline: number,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    start(new Metadata(), { deadline }, (err, res) => {
      if (err) reject(err);
      else if (res === undefined) reject(new KodiakError(SqlState.protocolViolation, "empty response"));
      else resolve(res);
    });
  });
}

export class SessionCalls {
  constructor(
    readonly stub: Stub,
    readonly sessionId: string,
    private readonly clock: Clock,
    private readonly callTimeoutMs: number,
  ) {}

  deadline(options?: CallOptions): number {
    const t = options?.timeoutMs ?? 0;
    return this.clock.nowMs() + (t > 0 ? t + 1000 : this.callTimeoutMs);
  }

  /** Runs SQL (several statements allowed without params) and returns every statement's outcome. */
  async execute(sql: string, params: Param[] = [], options?: CallOptions): Promise<StatementOutcome[]> {
    const req = { sessionId: this.sessionId, sql, params: params.map(toValue), timeoutMs: options?.timeoutMs ?? 0, maxRows: 0 };
    const res = await this.withSignal(options?.signal, (md, opts, cb) => this.stub.execute(req, md, opts, cb), this.deadline(options));
    return res.results.map((r) => ({
      command: r.command,
      rowCount: r.rowsAffected,
      columns: r.hasRows ? columnsOf(r.columns) : undefined,
      rows: r.hasRows ? decodeArrays(r.arrowIpc) : [],
      notices: r.notices,
    }));
  }

  private withSignal(
    signal: AbortSignal | undefined,
    start: (md: Metadata, opts: { deadline: number }, cb: (err: Error | null, res?: ExecuteResponse) => void) => { cancel(): void },
    deadline: number,
  ): Promise<ExecuteResponse> {
    if (signal?.aborted) return Promise.reject(new KodiakError(SqlState.queryCanceled, "canceling statement due to user request"));
    let call: { cancel(): void } | undefined;
    const onAbort = () => call?.cancel();
    signal?.addEventListener("abort", onAbort, { once: true });
    return unaryCall<ExecuteResponse>((md, opts, cb) => {
      call = start(md, opts, cb);
    }, deadline).finally(() => signal?.removeEventListener("abort", onAbort));
  }

  /** The raw Query stream; cancels the call when the consumer stops early or the signal fires. */
  async *messages(sql: string, params: Param[], options?: CallOptions): AsyncGenerator<QueryResponse> {
    const req: QueryRequest = {
      sessionId: this.sessionId,
      sql,
      params: params.map(toValue),
      timeoutMs: options?.timeoutMs ?? 0,
      batchRows: options?.batchRows ?? 0,
    };
    const signal = options?.signal;
    if (signal?.aborted) throw new KodiakError(SqlState.queryCanceled, "canceling statement due to user request");
    const call = this.stub.query(req, new Metadata(), { deadline: this.deadline(options) });
    const onAbort = () => call.cancel();
    signal?.addEventListener("abort", onAbort, { once: true });
    let done = false;
    try {
      for await (const msg of call as AsyncIterable<QueryResponse>) {
        if (msg.complete !== undefined) done = true;
        yield msg;
      }
    } finally {
      signal?.removeEventListener("abort", onAbort);
      if (!done) call.cancel();
    }
  }

  /** Streams record batches; header columns, schema and completion come through the hooks. */
  async *batches(sql: string, params: Param[], options?: CallOptions, hooks: StreamHooks = {}): AsyncGenerator<RecordBatch> {
    for await (const msg of this.messages(sql, params, options)) {
      if (msg.header !== undefined) hooks.header?.(columnsOf(msg.header.columns));
      else if (msg.arrowIpc !== undefined) {
        const { schema, batches } = batchesFromIpc(msg.arrowIpc);
        hooks.schema?.(schema);
        yield* batches;
      } else if (msg.complete !== undefined) hooks.complete?.(msg.complete.command, msg.complete.rowsAffected);
    }
  }

  async query<R = Row>(sql: string, params: Param[] = [], options?: CallOptions): Promise<QueryResult<R>> {
    const result: QueryResult<R> = { command: "", rowCount: 0, columns: [], rows: [] };
    const hooks: StreamHooks = {
      header: (c) => {
        result.columns = c;
      },
      complete: (command, n) => {
        result.command = command;
        result.rowCount = n;
      },
    };
    for await (const batch of this.batches(sql, params, options, hooks)) {
      for (const row of batchRows(batch)) result.rows.push(row as R);
    }
    return result;
  }

  async queryArrow(sql: string, params: Param[] = [], options?: CallOptions): Promise<Table> {
    const batches: RecordBatch[] = [];
    let schema: Schema | undefined;
    const hooks: StreamHooks = {
      schema: (s) => {
        schema = s;
      },
    };
    for await (const batch of this.batches(sql, params, options, hooks)) batches.push(batch);
    if (schema === undefined) throw new KodiakError(SqlState.wrongObjectType, "the statement returns no rows");
    return tableOf(schema, batches);
  }

  /** Runs one statement over the Query stream; rows as arrays in column order (no row limit). */
  async run(sql: string, params: Param[] = [], options?: CallOptions): Promise<StatementOutcome> {
    const out: StatementOutcome = { command: "", rowCount: 0, columns: undefined, rows: [], notices: [] };
    let columns: ColumnInfo[] = [];
    const hooks: StreamHooks = {
      header: (c) => {
        columns = c;
      },
      schema: () => {
        out.columns = columns;
      },
      complete: (command, n) => {
        out.command = command;
        out.rowCount = n;
      },
    };
    for await (const batch of this.batches(sql, params, options, hooks)) for (const r of batchArrays(batch)) out.rows.push(r);
    return out;
  }

  async *streamRows(sql: string, params: Param[] = [], options?: CallOptions): AsyncGenerator<Row> {
    for await (const batch of this.batches(sql, params, options)) yield* batchRows(batch);
  }

  async *streamArrays(sql: string, params: Param[] = [], options?: CallOptions): AsyncGenerator<unknown[]> {
    for await (const batch of this.batches(sql, params, options)) yield* batchArrays(batch);
  }
}
