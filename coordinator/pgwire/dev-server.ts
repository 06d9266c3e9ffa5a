// Development entry point: serves pgwire on a loopback port over the in-memory fake engine (or
// the real SQL engine once sql/ exports one) so humans and tests can point psql/pgbench at it.
// Usage: node dist/coordinator/pgwire/dev-server.js [--host 127.0.0.1] [--port 5433] [--engine fake|real]
//        [--user NAME --password PW [--auth scram-sha-256|password]] [--max-connections N]
//        [--tls-cert cert.pem --tls-key key.pem]

import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { SqlEngine } from "../../sql/api.js";
import { createLogger } from "../../util/index.js";
import { FakeSqlEngine } from "./dev/fake-sql-engine.js";
import { PgWireServer } from "./server.js";

async function loadEngine(kind: string): Promise<SqlEngine> {
  if (kind === "fake") return new FakeSqlEngine();
  const mod: Record<string, unknown> = await import("../../sql/index.js" as string);
  const create = mod.createSqlEngine;
  if (typeof create !== "function") throw new Error("sql/index.js does not export createSqlEngine(); use --engine fake");
  return (await create()) as SqlEngine;
}

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      host: { type: "string", default: "127.0.0.1" },
      port: { type: "string", default: "5433" },
      engine: { type: "string", default: "fake" },
      user: { type: "string" },
      password: { type: "string" },
      auth: { type: "string", default: "scram-sha-256" },
      "max-connections": { type: "string", default: "100" },
      "tls-cert": { type: "string" },
      "tls-key": { type: "string" },
    },
  });
  const logger = createLogger("pgwire-dev");
  const engine = await loadEngine(values.engine);
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
