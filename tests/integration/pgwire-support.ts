// Integration-test helper for pgwire: starts the dev server as a real process on 127.0.0.1 with
// an ephemeral port (bounded wait for readiness), runs psql/pgbench with bounded time, cleans up.

import { type ChildProcess, execFile, spawn } from "node:child_process";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..", "..", "..");
export const devServerPath = join(root, "dist", "coordinator", "pgwire", "dev-server.js");
const READY_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;

export interface DevServer {
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

export function startDevServer(args: string[] = []): Promise<DevServer> {
  const child = spawn(process.execPath, [devServerPath, "--port", "0", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, KODIAK_LOG_LEVEL: "warn" },
  });
  const stop = (): Promise<void> =>
    new Promise((done) => {
      if (child.exitCode !== null || child.signalCode !== null) return done();
      const t = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
      child.once("exit", () => {
        clearTimeout(t);
        done();
      });
      child.kill("SIGTERM");
    });
  return new Promise((resolvePromise, reject) => {
    let out = "";
    const t = setTimeout(() => {
      void stop();
      reject(new Error(`dev server not ready within ${READY_TIMEOUT_MS} ms: ${out}`));
    }, READY_TIMEOUT_MS);
    child.stdout!.on("data", (c: Buffer) => {
      out += c.toString();
      const m = /listening on [^:]+:(\d+)/.exec(out);
      if (m !== null) {
        clearTimeout(t);
        resolvePromise({ port: Number(m[1]), process: child, stop });
      }
    });
    child.stderr!.resume();
    child.once("exit", (code) => {
      clearTimeout(t);
      reject(new Error(`dev server exited with ${code}: ${out}`));
    });
  });
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command with a time bound; never rejects on a non-zero exit (the caller asserts). */
export function run(
  cmd: string,
  args: string[],
  options: { input?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((done) => {
    const child = execFile(
      cmd,
      args,
      {
        timeout: options.timeoutMs ?? 20_000,
        env: { ...process.env, PGCONNECT_TIMEOUT: "15", ...options.env },
        maxBuffer: 16 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === "number" ? err.code : 1;
        done({ code, stdout, stderr });
      },
    );
    if (options.input !== undefined) child.stdin!.end(options.input);
    else child.stdin!.end();
  });
}

/** psql against 127.0.0.1:port with no psqlrc, unaligned tuples-only output. */
export function psql(port: number, args: string[], options: { input?: string; env?: Record<string, string> } = {}): Promise<RunResult> {
  return run("/usr/bin/psql", ["-X", "-h", "127.0.0.1", "-p", String(port), "-U", "kodiak", "-d", "kodiak", ...args], options);
}

/** A throwaway self-signed certificate for 127.0.0.1 (openssl), in a fresh temporary directory. */
export async function selfSignedCert(): Promise<{ dir: string; cert: string; key: string }> {
  const { mkdtempSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const dir = mkdtempSync(join(tmpdir(), "pgwire-tls-"));
  const cert = join(dir, "cert.pem");
  const key = join(dir, "key.pem");
  const r = await run("openssl", [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-subj",
    "/CN=127.0.0.1",
    "-days",
    "1",
    "-keyout",
    key,
    "-out",
    cert,
  ]);
  if (r.code !== 0) throw new Error(`openssl failed: ${r.stderr}`);
  return { dir, cert, key };
}
