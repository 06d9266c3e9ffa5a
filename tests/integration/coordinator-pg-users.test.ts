// `kodiak coordinator --pg-users FILE`: pgwire clients must authenticate (SCRAM-SHA-256) with a
// password from the file; a wrong password is 28P01; a malformed file stops the start with a clear
// error. The flag parser rejects --pg-users together with --pg-trust-remote.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, test } from "node:test";
import pg from "pg";
import { parseCoordinatorFlags } from "../../coordinator/main.js";
import { parsePgUsers } from "../../coordinator/pgwire/users-file.js";
import { KodiakError } from "../../util/index.js";
import { waitFor } from "../support/cluster.js";

const kodiak = resolve(import.meta.dirname, "..", "..", "..", "bin", "kodiak.js");
const dir = mkdtempSync(join(tmpdir(), "kodiak-pgusers-"));
const procs: ChildProcess[] = [];
after(() => {
  for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

test("the users file: user:password lines, comments, clear errors with the line", () => {
  assert.deepEqual(parsePgUsers("# admins\nann:s3cret:with:colons\n\nbob:pw\n", "u.txt"), { ann: "s3cret:with:colons", bob: "pw" });
  assert.throws(
    () => parsePgUsers("ann\n", "u.txt"),
    (e: unknown) => e instanceof KodiakError && /u\.txt:1: expected user:password/.test(e.message),
  );
  assert.throws(() => parsePgUsers("a:1\na:2\n", "u.txt"), /u\.txt:2: user 'a' is listed twice/);
  assert.throws(() => parsePgUsers("# nothing\n", "u.txt"), /no users/);
  assert.throws(() => parseCoordinatorFlags(["--pg-users", "f", "--pg-trust-remote"]), /exclude each other/);
  const f = parseCoordinatorFlags(["--pg-trust-remote", "--pg", "0.0.0.0:5432"]);
  assert.ok(f !== "help" && f.pgTrustRemote && f.pg?.host === "0.0.0.0");
});

test("with --pg-users, psql-style clients need the right password", { timeout: 60_000 }, async () => {
  const users = join(dir, "users");
  writeFileSync(users, "kodiak:correct horse\n");
  const p = spawn(
    process.execPath,
    [kodiak, "coordinator", "--embedded", join(dir, "data"), "--grpc", "127.0.0.1:0", "--pg", "127.0.0.1:0", "--pg-users", users],
    {
      stdio: ["ignore", "pipe", "ignore"],
    },
  );
  procs.push(p);
  let out = "";
  p.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  const endpoints = await waitFor("coordinator endpoints", 30_000, () =>
    out.includes("\n") ? (JSON.parse(out.split("\n")[0] as string) as { pg: string }) : undefined,
  );
  const [host, port] = [
    endpoints.pg.slice(0, endpoints.pg.lastIndexOf(":")),
    Number(endpoints.pg.slice(endpoints.pg.lastIndexOf(":") + 1)),
  ];
  const wrong = new pg.Client({ host, port, user: "kodiak", password: "nope", database: "kodiak" });
  await assert.rejects(wrong.connect(), (e: unknown) => (e as { code?: string }).code === "28P01");
  const right = new pg.Client({ host, port, user: "kodiak", password: "correct horse", database: "kodiak" });
  await right.connect();
  try {
    assert.deepEqual((await right.query("SELECT 1 + 1 AS two")).rows, [{ two: 2 }]);
  } finally {
    await right.end();
  }
});

test("a malformed users file stops the coordinator with a clear error", { timeout: 30_000 }, async () => {
  const users = join(dir, "bad-users");
  writeFileSync(users, "nobody-here\n");
  const p = spawn(
    process.execPath,
    [kodiak, "coordinator", "--embedded", join(dir, "data2"), "--grpc", "127.0.0.1:0", "--pg", "127.0.0.1:0", "--pg-users", users],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  procs.push(p);
  let err = "";
  p.stderr?.on("data", (d: Buffer) => {
    err += d.toString();
  });
  const code = await new Promise<number | null>((res) => p.once("exit", res));
  assert.notEqual(code, 0);
  assert.match(err, /bad-users:1: expected user:password/);
});
