// Wraps an SqlEngine so every statement that starts a transaction first waits for a ReadIndex
// barrier: its snapshot then includes every write acknowledged before the statement was sent
// (linearizable reads). Statements inside an open transaction keep the snapshot taken at BEGIN.

import type {
  ExecuteOptions,
  PreparedStatement,
  SessionOptions,
  SqlEngine,
  SqlSession,
  SqlType,
  SqlValue,
  StatementResult,
} from "../../sql/index.js";

export class LinearizableEngine implements SqlEngine {
  constructor(
    private readonly inner: SqlEngine,
    private readonly barrier: () => Promise<void>,
  ) {}

  async openSession(options: SessionOptions): Promise<SqlSession> {
    return new BarrierSession(await this.inner.openSession(options), this.barrier);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

class BarrierSession implements SqlSession {
  constructor(
    private readonly inner: SqlSession,
    private readonly barrier: () => Promise<void>,
  ) {}

  private async ready(): Promise<void> {
    if (this.inner.transactionStatus() === "idle") await this.barrier();
  }

  run(sql: string, options?: ExecuteOptions): AsyncIterable<StatementResult> {
    const self = this;
    return (async function* () {
      await self.ready();
      yield* self.inner.run(sql, options);
    })();
  }

  async prepare(sql: string, paramTypeOids: number[]): Promise<PreparedStatement> {
    await this.ready();
    return this.inner.prepare(sql, paramTypeOids);
  }

  async execute(statement: PreparedStatement, params: SqlValue[], options?: ExecuteOptions): Promise<StatementResult> {
    await this.ready();
    return this.inner.execute(statement, params, options);
  }

  transactionStatus(): ReturnType<SqlSession["transactionStatus"]> {
    return this.inner.transactionStatus();
  }

  setting(name: string): string | undefined {
    return this.inner.setting(name);
  }

  formatText(value: SqlValue, type: SqlType): string | null {
    return this.inner.formatText(value, type);
  }

  parseText(text: string, type: SqlType): SqlValue {
    return this.inner.parseText(text, type);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
