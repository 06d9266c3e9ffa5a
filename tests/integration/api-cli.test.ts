// `kodiak sql` as a real process against a coordinator on 127.0.0.1 (fake engine): the jsonl
// conversation a tool holds with one long-lived process, one-shot -c with a caret error, pipe mode
// with dot commands, and the REPL driven through a pseudo-terminal (tmux).

import assert from "node:assert/strict";
import { type ChildProcessWithoutNullStreams, execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { type ApiServer, startApiServer } from "../../coordinator/grpc/index.js";
import { FakeEngine } from "./api-fake-engine.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const kodiak = join(root, "bin", "kodiak.js");
/** Bound on waiting for one line of output or a process exit. */
const WAIT_MS = 10_000;

/** Reads a child's stdout line by line with a bounded wait. */
class LineReader {
  private buf = "";
  private waiters: (() => void)[] = [];
  constructor(stream: NodeJS.ReadableStream) {
    stream.setEncoding("utf8");
    stream.on("data", (d: string) => {
      this.buf += d;
      for (const w of this.waiters.splice(0)) w();
    });
  }
  async next(timeoutMs = WAIT_MS): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.buf.indexOf("\n");
      if (i >= 0) {
        const line = this.buf.slice(0, i);
        this.buf = this.buf.slice(i + 1);
        return line;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no output line within ${timeoutMs} ms (have "${this.buf}")`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }
  get pending(): string {
    return this.buf;
  }
}

function exited(p: ChildProcessWithoutNullStreams): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error("process did not exit in time")), WAIT_MS);
    p.on("exit", (code) => {
      clearTimeout(t);
      resolve(code);
    });
  });
}

function hasTmux(): boolean {
  return spawnSync("tmux", ["-V"]).status === 0;
}

describe("kodiak sql against a coordinator", () => {
  let server: ApiServer;
  const children: ChildProcessWithoutNullStreams[] = [];
  const tmp = mkdtempSync(join(tmpdir(), "kodiak-cli-"));
  const sql = (...args: string[]) => {
    const p = spawn(process.execPath, [kodiak, "sql", "--port", String(server.port), ...args], {
      env: { ...process.env, KODIAK_HISTORY: join(tmp, "hist") },
    });
    children.push(p);
    return p;
  };

  before(async () => {
    server = await startApiServer(new FakeEngine(), { port: 0 });
  });

  after(async () => {
    for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
    spawnSync("tmux", ["kill-session", "-t", `kodiak-test-${process.pid}`]);
    rmSync(tmp, { recursive: true, force: true });
    await server.close();
  });

  it("converses in jsonl: one line per statement as soon as it is complete, going on after errors", async () => {
    const p = sql("--format", "jsonl");
    const out = new LineReader(p.stdout);
    p.stdin.write("CREATE TABLE c (id int, name text);\n");
    assert.deepEqual(JSON.parse(await out.next()), { command: "CREATE TABLE", rows_affected: 0 });
    p.stdin.write("SELECT * FROM missing;\n");
    assert.deepEqual(JSON.parse(await out.next()), {
      error: { code: "42P01", message: 'relation "missing" does not exist', position: 15 },
    });
    p.stdin.write("INSERT INTO c VALUES (1, 'x'), (2, NULL);\n");
    assert.deepEqual(JSON.parse(await out.next()), { command: "INSERT", rows_affected: 2 });
    p.stdin.write("SELECT *\n");
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(out.pending, "", "nothing runs before the statement's ';' arrives");
    p.stdin.write("FROM c;\n");
    assert.deepEqual(JSON.parse(await out.next()), {
      columns: ["id", "name"],
      types: ["int4", "text"],
      rows: [
        [1, "x"],
        [2, null],
      ],
    });
    p.stdin.end("SELECT 9007199254740993 AS big, 2.50 AS n");
    assert.deepEqual(JSON.parse(await out.next()), {
      columns: ["big", "n"],
      types: ["int8", "numeric"],
      rows: [["9007199254740993", "2.50"]],
    });
    assert.equal(await exited(p), 0);
  });

  it("runs -c one-shot and shows an error with a caret and a failing exit code", async () => {
    const p = sql("-c", "SELECT 1 AS one; SELECT 1/0");
    const stderr: string[] = [];
    p.stderr.on("data", (d: Buffer) => stderr.push(d.toString()));
    const out = new LineReader(p.stdout);
    assert.equal(await out.next(), " one");
    assert.equal(await exited(p), 1);
    assert.equal(stderr.join(""), "ERROR:  22012: division by zero\nLINE 1: SELECT 1/0\n                ^\n");
  });

  it("reads statements and dot commands from a pipe and from -f files", async () => {
    const file = join(tmp, "script.sql");
    writeFileSync(file, "CREATE TABLE piped (v text);\nINSERT INTO piped VALUES ('a');\n");
    const p = sql("-f", file, "--format", "csv");
    assert.equal(await exited(p), 0);
    const q = sql("--format", "csv");
    const out = new LineReader(q.stdout);
    q.stdin.end(".tables\nSELECT * FROM piped;\n.mode line\nSELECT * FROM piped;\n");
    const lines: string[] = [];
    for (let i = 0; i < 5; i++) lines.push(await out.next());
    // "c" is the table the jsonl test created on the same server.
    assert.deepEqual(lines, ["c", "piped", "v", "a", "v = a"]);
    assert.equal(await exited(q), 0);
  });

  it("drives the REPL through a pseudo-terminal: multi-line input, .tables, a caret error, .exit", { timeout: 30_000 }, async (t) => {
    if (!hasTmux()) {
      t.skip("tmux is not installed (apt-get install tmux); the REPL pseudo-terminal test needs it");
      return;
    }
    const session = `kodiak-test-${process.pid}`;
    const cmd = `KODIAK_HISTORY=${join(tmp, "hist")} ${process.execPath} ${kodiak} sql --port ${server.port}; echo EXITED $?; sleep 30`;
    execFileSync("tmux", ["new-session", "-d", "-s", session, "-x", "150", "-y", "50", cmd]);
    const screen = () => execFileSync("tmux", ["capture-pane", "-p", "-t", session]).toString();
    const waitFor = async (text: string) => {
      const deadline = Date.now() + WAIT_MS;
      while (!screen().includes(text)) {
        if (Date.now() > deadline) assert.fail(`"${text}" did not appear on the REPL screen:\n${screen()}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    // tmux treats a trailing ';' as its own command separator unless escaped.
    const type = (line: string) => {
      execFileSync("tmux", ["send-keys", "-t", session, "-l", line.replace(/;$/, "\\;")]);
      execFileSync("tmux", ["send-keys", "-t", session, "Enter"]);
    };
    await waitFor("kodiak>");
    type("CREATE TABLE repl_t (id int,");
    await waitFor("   ...>");
    type("  label text);");
    await waitFor("CREATE TABLE\n");
    type("INSERT INTO repl_t VALUES (7, 'seven');");
    await waitFor("INSERT 0 1");
    type("SELECT *");
    type("FROM repl_t;");
    await waitFor("(1 row)");
    assert.match(screen(), / id \| label\n----\+-------\n {2}7 \| seven\n/);
    type(".tables");
    await waitFor("\nrepl_t\n");
    type("SELECT * FROM nope;");
    await waitFor("ERROR:  42P01");
    assert.match(screen(), /LINE 1: SELECT \* FROM nope\n {22}\^\n/);
    type(".exit");
    await waitFor("EXITED 0");
  });
});
