// Embedded mode end to end on the real path: SQL engine -> replicated KvStore -> single-voter
// Raft group -> WAL + storage engine on disk. Reopen, kill -9 and concurrency.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { openEmbeddedDatabase } from "../../coordinator/sql-host/index.js";
import type { SqlSession, StatementResult } from "../../sql/index.js";
import { KodiakError } from "../../util/index.js";

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "kodiak-embedded-"));
  dirs.push(d);
  return d;
}

async function all(session: SqlSession, sql: string): Promise<StatementResult[]> {
  const out: StatementResult[] = [];
  for await (const r of session.run(sql)) out.push(r);
  return out;
}

async function rows(session: SqlSession, sql: string): Promise<unknown[][]> {
  const results = await all(session, sql);
  return (results[results.length - 1]?.rows ?? []) as unknown[][];
}

describe("embedded mode (single-voter Raft group on local disk)", () => {
  it("runs SQL and keeps every committed row across close and reopen", async () => {
    const dir = tempDir();
    let db = await openEmbeddedDatabase({ dir });
    let s = await db.engine.openSession({ user: "t", database: "kodiak" });
    await all(s, "CREATE TABLE t (id INT PRIMARY KEY, name TEXT NOT NULL)");
    await all(s, "INSERT INTO t VALUES (1, 'one'), (2, 'two'), (3, 'three')");
    await all(s, "UPDATE t SET name = 'TWO' WHERE id = 2");
    await all(s, "DELETE FROM t WHERE id = 3");
    assert.deepEqual(await rows(s, "SELECT id, name FROM t ORDER BY id"), [
      [1, "one"],
      [2, "TWO"],
    ]);
    await s.close();
    await db.close();

    db = await openEmbeddedDatabase({ dir });
    s = await db.engine.openSession({ user: "t", database: "kodiak" });
    assert.deepEqual(await rows(s, "SELECT id, name FROM t ORDER BY id"), [
      [1, "one"],
      [2, "TWO"],
    ]);
    await assert.rejects(all(s, "INSERT INTO t VALUES (1, 'dup')"), (e: unknown) => e instanceof KodiakError && e.code === "23505");
    assert.deepEqual(await rows(s, "SELECT count(*) FROM t"), [[2n]]);
    await s.close();
    await db.close();
  });

  it("commits a transaction whose write set is larger than one batched log entry (512 KiB)", async () => {
    const dir = tempDir();
    const db = await openEmbeddedDatabase({ dir });
    const s = await db.engine.openSession({ user: "t", database: "kodiak" });
    await all(s, "CREATE TABLE big (id INT PRIMARY KEY, body TEXT NOT NULL)");
    const body = "x".repeat(1000);
    await all(s, "BEGIN");
    for (let b = 0; b < 7; b++) {
      const rowsSql = Array.from({ length: 100 }, (_, i) => `(${b * 100 + i}, '${body}')`).join(",");
      await all(s, `INSERT INTO big VALUES ${rowsSql}`);
    }
    await all(s, "COMMIT");
    assert.deepEqual(await rows(s, "SELECT count(*), sum(length(body)) FROM big"), [[700n, 700_000n]]);
    await s.close();
    await db.close();
  });

  it("refuses a second open of the same directory while it is open", async () => {
    const dir = tempDir();
    const db = await openEmbeddedDatabase({ dir });
    await assert.rejects(openEmbeddedDatabase({ dir }), (e: unknown) => e instanceof KodiakError && e.code === "55P03");
    await db.close();
  });

  it("prevents write skew between two sessions (one of them gets 40001)", async () => {
    const dir = tempDir();
    const db = await openEmbeddedDatabase({ dir });
    const a = await db.engine.openSession({ user: "a", database: "kodiak" });
    const b = await db.engine.openSession({ user: "b", database: "kodiak" });
    await all(a, "CREATE TABLE oncall (doctor TEXT PRIMARY KEY, on_call BOOLEAN NOT NULL)");
    await all(a, "INSERT INTO oncall VALUES ('alice', true), ('bob', true)");
    await all(a, "BEGIN");
    await all(b, "BEGIN");
    assert.deepEqual(await rows(a, "SELECT count(*) FROM oncall WHERE on_call"), [[2n]]);
    assert.deepEqual(await rows(b, "SELECT count(*) FROM oncall WHERE on_call"), [[2n]]);
    await all(a, "UPDATE oncall SET on_call = false WHERE doctor = 'alice'");
    await all(b, "UPDATE oncall SET on_call = false WHERE doctor = 'bob'");
    await all(a, "COMMIT");
    await assert.rejects(all(b, "COMMIT"), (e: unknown) => e instanceof KodiakError && e.code === "40001");
    assert.deepEqual(await rows(a, "SELECT count(*) FROM oncall WHERE on_call"), [[1n]]);
    await a.close();
    await b.close();
    await db.close();
  });

  it("loses no acknowledged insert when the process is killed with SIGKILL", { timeout: 60_000 }, async () => {
    const dir = tempDir();
    const moduleUrl = pathToFileURL(resolve(import.meta.dirname, "../../coordinator/sql-host/index.js")).href;
    // The child inserts rows one by one and prints each id once its INSERT was acknowledged.
    const script = `
      const { openEmbeddedDatabase } = await import(${JSON.stringify(moduleUrl)});
      const db = await openEmbeddedDatabase({ dir: ${JSON.stringify(dir)} });
      const s = await db.engine.openSession({ user: "w", database: "kodiak" });
      for await (const _ of s.run("CREATE TABLE acked (id INT PRIMARY KEY)")) {}
      for (let i = 1; ; i++) {
        for await (const _ of s.run("INSERT INTO acked VALUES (" + i + ")")) {}
        process.stdout.write(i + "\\n");
      }`;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "pipe"] });
    let acked = 0;
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    await new Promise<void>((resolveKill, reject) => {
      const timer = setTimeout(() => reject(new Error(`child acknowledged only ${acked} inserts in 20 s: ${stderr}`)), 20_000);
      child.stdout.on("data", (d: Buffer) => {
        for (const line of d.toString().split("\n")) if (line.trim() !== "") acked = Math.max(acked, Number(line));
        if (acked >= 150) {
          clearTimeout(timer);
          child.kill("SIGKILL");
          resolveKill();
        }
      });
    });
    await new Promise<void>((r) => child.once("exit", () => r()));
    const db = await openEmbeddedDatabase({ dir });
    const s = await db.engine.openSession({ user: "r", database: "kodiak" });
    const ids = (await rows(s, "SELECT id FROM acked ORDER BY id")).map((r) => Number(r[0]));
    assert.ok(ids.length >= acked, `all ${acked} acknowledged rows survive (found ${ids.length})`);
    for (let i = 1; i <= acked; i++) assert.equal(ids[i - 1], i);
    await s.close();
    await db.close();
  });
});
