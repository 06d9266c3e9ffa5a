import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type DevServer, psql, startDevServer } from "./pgwire-support.js";

describe("real psql against the pgwire dev server (fake engine)", () => {
  let server: DevServer;
  before(async () => {
    server = await startDevServer(["--engine", "fake"]);
  });
  after(async () => {
    await server?.stop();
  });

  it("psql -c runs queries and prints rows", async () => {
    const r = await psql(server.port, ["-At", "-c", "SELECT 1 AS one, 'two' AS two"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), "1|two");
  });

  it("psql runs DDL, DML and queries across several -c, with command tags", async () => {
    const r = await psql(server.port, [
      "-c",
      "CREATE TABLE people (id int, name text)",
      "-c",
      "INSERT INTO people VALUES (1, 'ann'), (2, 'bob')",
      "-c",
      "UPDATE people SET name = 'bo' WHERE id = 2",
      "-At",
      "-c",
      "SELECT name FROM people ORDER BY id",
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split("\n"), ["CREATE TABLE", "INSERT 0 2", "UPDATE 1", "ann", "bo"]);
  });

  it("an error shows its SQLSTATE with VERBOSITY=verbose, a caret, and psql exits non-zero", async () => {
    const r = await psql(server.port, ["-v", "VERBOSITY=verbose", "-c", "SELECT * FROM no_such_table"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /ERROR: {2}42P01: relation "no_such_table" does not exist/);
    assert.match(r.stderr, /LINE 1: SELECT \* FROM no_such_table\n\s+\^/);
  });

  it("COPY FROM STDIN through psql loads piped rows; COPY TO STDOUT prints them", async () => {
    const load = await psql(server.port, ["-c", "CREATE TABLE copied (a int, b text)", "-c", "COPY copied FROM STDIN"], {
      input: "1\tx\n2\t\\N\n\\.\n",
    });
    assert.equal(load.code, 0, load.stderr);
    assert.match(load.stdout, /COPY 2/);
    const out = await psql(server.port, ["-c", "COPY copied TO STDOUT"]);
    assert.equal(out.stdout, "1\tx\n2\t\\N\n");
  });

  it("a psql transaction script rolls back on error (ON_ERROR_ROLLBACK off) and reports the failure", async () => {
    const r = await psql(server.port, ["-v", "ON_ERROR_STOP=1", "-At"], {
      input: "CREATE TABLE tx (a int);\nBEGIN;\nINSERT INTO tx VALUES (1);\nSELECT 1/0;\nCOMMIT;\n",
    });
    assert.equal(r.code, 3, "ON_ERROR_STOP exit code");
    assert.match(r.stderr, /division by zero/);
    const check = await psql(server.port, ["-At", "-c", "SELECT count(*) FROM tx"]);
    assert.equal(check.stdout.trim(), "0");
  });
});

describe("real psql with SCRAM-SHA-256 authentication", () => {
  let server: DevServer;
  before(async () => {
    server = await startDevServer(["--engine", "fake", "--user", "kodiak", "--password", "s3cret"]);
  });
  after(async () => {
    await server?.stop();
  });

  it("connects with the right password and is refused (28P01) with a wrong one", async () => {
    const ok = await psql(server.port, ["-At", "-c", "SELECT 'in'"], { env: { PGPASSWORD: "s3cret" } });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout.trim(), "in");
    const bad = await psql(server.port, ["-w", "-c", "SELECT 1"], { env: { PGPASSWORD: "nope" } });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /password authentication failed for user "kodiak"/);
  });
});
