// Process entry point for benchmarks: serves Kodiak over the PostgreSQL wire protocol on a loopback
// port, either over a running cluster (`--nodes 1=HOST:PORT,...`, sessions on the Raft leader through
// RemoteSqlEngine) or embedded (`--embedded DIR`, single node). Prints "pgwire listening on
// HOST:PORT" when ready and stops cleanly on SIGTERM/SIGINT. A stand-in until `kodiak coordinator`.

import { parseArgs } from "node:util";
import { PgWireServer } from "../../coordinator/pgwire/index.js";
import { openEmbeddedDatabase, RemoteSqlEngine } from "../../coordinator/sql-host/index.js";
import type { SqlEngine } from "../../sql/index.js";
import { createLogger } from "../../util/index.js";

/** pgbench -c 32 plus its setup connection and some headroom. */
const MAX_CONNECTIONS = 200;

function parseNodes(spec: string): Map<number, string> {
  const nodes = new Map<number, string>();
  for (const part of spec.split(",")) {
    const m = /^(\d+)=(.+:\d+)$/.exec(part.trim());
    if (m === null) throw new Error(`bad --nodes entry '${part}' (want ID=HOST:PORT)`);
    nodes.set(Number(m[1]), m[2] as string);
  }
  return nodes;
}

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      host: { type: "string", default: "127.0.0.1" },
      port: { type: "string", default: "0" },
      nodes: { type: "string" },
      embedded: { type: "string" },
    },
  });
  const logger = createLogger("bench-pgwire");
  let engine: SqlEngine;
  let closeEngine: () => Promise<void>;
  if (values.embedded !== undefined) {
    const db = await openEmbeddedDatabase({ dir: values.embedded, logger });
    engine = db.engine;
    closeEngine = () => db.close();
  } else if (values.nodes !== undefined) {
    const remote = new RemoteSqlEngine({ nodes: parseNodes(values.nodes), logger });
    engine = remote;
    closeEngine = () => remote.close();
  } else {
    throw new Error("give --nodes 1=HOST:PORT,... or --embedded DIR");
  }
  const server = new PgWireServer({ engine, logger, maxConnections: MAX_CONNECTIONS });
  const { host, port } = await server.listen(values.host, Number(values.port));
  process.stdout.write(`pgwire listening on ${host}:${port}\n`);
  await new Promise<void>((resolve) => {
    process.once("SIGTERM", resolve);
    process.once("SIGINT", resolve);
  });
  await server.close();
  await closeEngine();
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`kodiak-pgwire-server: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
