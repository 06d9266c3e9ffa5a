// Development entry point: serves pgwire on a loopback port over the SQL engine with an in-memory
// store (or the tiny fake engine) so humans and tests can point psql/pgbench at it.
// Usage: node dist/coordinator/pgwire/dev-server.js [--host 127.0.0.1] [--port 5433] [--engine real|fake]
//        [--user NAME --password PW [--auth scram-sha-256|password]] [--max-connections N]
//        [--tls-cert cert.pem --tls-key key.pem] [--nodes 1=127.0.0.1:7001,2=...] (engine on a running cluster)

import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { KvSqlEngine, MemoryKvStore, type SqlEngine } from "../../sql/index.js";
import { createLogger, type Logger } from "../../util/index.js";
import { RemoteSqlEngine } from "../sql-host/index.js";
import { FakeSqlEngine } from "./dev/fake-sql-engine.js";
import { PgWireServer } from "./server.js";

function loadEngine(kind: string, nodes: string | undefined, logger: Logger): SqlEngine {
  if (nodes !== undefined) {
    const map = new Map(
      nodes.split(",").map((entry): [number, string] => {
        const [id, address] = entry.split("=");
        if (id === undefined || address === undefined || !/^\d+$/.test(id))
          throw new Error(`bad --nodes entry "${entry}": use ID=HOST:PORT`);
        return [Number(id), address];
      }),
    );
    return new RemoteSqlEngine({ nodes: map, logger });
  }
  if (kind === "fake") return new FakeSqlEngine();
  if (kind === "real") return new KvSqlEngine(new MemoryKvStore());
  throw new Error(`unknown --engine ${kind}: use real or fake`);
}

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      host: { type: "string", default: "127.0.0.1" },
      port: { type: "string", default: "5433" },
      engine: { type: "string", default: "real" },
      user: { type: "string" },
      password: { type: "string" },
      auth: { type: "string", default: "scram-sha-256" },
      "max-connections": { type: "string", default: "100" },
      "tls-cert": { type: "string" },
      "tls-key": { type: "string" },
      nodes: { type: "string" },
    },
  });
  const logger = createLogger("pgwire-dev");
  const engine = loadEngine(values.engine, values.nodes, logger);
  const users = values.user !== undefined && values.password !== undefined ? { [values.user]: values.password } : undefined;
  const method = values.auth === "password" ? "password" : "scram-sha-256";
  const server = new PgWireServer({
    engine,
    logger,
    maxConnections: Number(values["max-connections"]),
    ...(users !== undefined ? { auth: { users, method } } : {}),
    ...(values["tls-cert"] !== undefined && values["tls-key"] !== undefined
      ? { tls: { cert: readFileSync(values["tls-cert"]), key: readFileSync(values["tls-key"]) } }
      : {}),
  });
  const { host, port } = await server.listen(values.host, Number(values.port));
  process.stdout.write(`pgwire listening on ${host}:${port}\n`);
  await new Promise<void>((resolve) => {
    process.once("SIGTERM", resolve);
    process.once("SIGINT", resolve);
  });
  await server.close();
  await engine.close();
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`dev-server: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
