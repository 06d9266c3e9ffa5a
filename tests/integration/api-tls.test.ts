// gRPC over TLS: a coordinator with a self-signed certificate (made with the openssl CLI) and an
// SDK client that trusts it through `?tls=true&ca=FILE`; a plaintext client is refused.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { connect, KodiakError } from "../../client/sdk/index.js";
import { startApiServer } from "../../coordinator/grpc/index.js";
import { FakeEngine } from "./api-fake-engine.js";

describe("gRPC API over TLS", () => {
  const dir = mkdtempSync(join(tmpdir(), "kodiak-tls-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("serves a client that trusts the CA and refuses a plaintext one", async (t) => {
    const cert = join(dir, "cert.pem");
    const key = join(dir, "key.pem");
    const made = spawnSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        key,
        "-out",
        cert,
        "-days",
        "1",
      ].concat(["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]),
      { encoding: "utf8" },
    );
    if (made.error !== undefined) {
      t.skip("the openssl CLI is not installed (apt-get install openssl); it makes the test certificate");
      return;
    }
    assert.equal(made.status, 0, made.stderr);
    const server = await startApiServer(new FakeEngine(), {
      port: 0,
      tls: { certChain: readFileSync(cert), privateKey: readFileSync(key) },
    });
    const secure = connect(`kodiak://127.0.0.1:${server.port}/?tls=true&ca=${encodeURIComponent(cert)}`);
    const plain = connect(`kodiak://127.0.0.1:${server.port}/`);
    try {
      assert.deepEqual((await secure.query("SELECT 1 AS one")).rows, [{ one: 1 }]);
      await assert.rejects(plain.query("SELECT 1"), (e: unknown) => e instanceof KodiakError && e.code === "08006");
    } finally {
      await secure.close();
      await plain.close();
      await server.close();
    }
  });
});
