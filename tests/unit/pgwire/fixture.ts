// Test helper: a PgWireServer on 127.0.0.1 with an ephemeral port over the in-memory fake engine.

import { FakeSqlEngine } from "../../../coordinator/pgwire/dev/fake-sql-engine.js";
import { PgWireServer, type PgWireServerOptions } from "../../../coordinator/pgwire/index.js";

export interface TestServer {
  engine: FakeSqlEngine;
  server: PgWireServer;
  port: number;
}

export async function startServer(options: Partial<PgWireServerOptions> = {}): Promise<TestServer> {
  const engine = new FakeSqlEngine();
  const server = new PgWireServer({ engine, shutdownTimeoutMs: 2000, ...options });
  const { port } = await server.listen("127.0.0.1", 0);
  return { engine, server, port };
}

/** Polls a condition with a bound. */
export async function eventually(cond: () => boolean, timeoutMs = 5000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
