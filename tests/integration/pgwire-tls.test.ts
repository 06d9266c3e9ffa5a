import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { type DevServer, psql, selfSignedCert, startDevServer } from "./pgwire-support.js";

describe("pgwire with TLS configured", () => {
  let server: DevServer;
  let dir: string;
  before(async () => {
    const c = await selfSignedCert();
    dir = c.dir;
    server = await startDevServer(["--engine", "fake", "--tls-cert", c.cert, "--tls-key", c.key]);
  });
  after(async () => {
    await server?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it("psql with sslmode=require negotiates TLS and runs queries over it", async () => {
    const r = await psql(server.port, ["-At", "-c", "SELECT 'over tls'"], { env: { PGSSLMODE: "require" } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), "over tls");
  });

  it("node-postgres with ssl connects, and a client that does not ask for TLS still gets in", async () => {
    const secure = new pg.Client({
      host: "127.0.0.1",
      port: server.port,
      user: "kodiak",
      ssl: { rejectUnauthorized: false },
      connectionTimeoutMillis: 15_000,
    });
    await secure.connect();
    try {
      assert.equal((await secure.query("SELECT $1::int4 AS n", [5])).rows[0].n, 5);
    } finally {
      await secure.end();
    }
    const plain = await psql(server.port, ["-At", "-c", "SELECT 1"], { env: { PGSSLMODE: "disable" } });
    assert.equal(plain.stdout.trim(), "1");
  });
});
