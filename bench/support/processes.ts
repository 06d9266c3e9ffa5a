// Process and port helpers for benchmarks: free loopback ports, child processes that are always
// stopped (also when the benchmark fails), bounded waits. Owns every process it starts.

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createWriteStream } from "node:fs";
import { createServer } from "node:net";

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function freePorts(n: number): Promise<number[]> {
  const out = new Set<number>();
  while (out.size < n) out.add(await freePort());
  return [...out];
}

export class Processes {
  private readonly children: ChildProcess[] = [];
  private readonly stoppers: (() => Promise<void>)[] = [];

  /** Runs fn in stopAll, for servers that manage their own processes. */
  onStop(fn: () => Promise<void>): void {
    this.stoppers.push(fn);
  }

  /** Starts a process with its output appended to logFile. */
  start(cmd: string, args: string[], logFile: string, env: NodeJS.ProcessEnv = process.env): ChildProcess {
    const log = createWriteStream(logFile, { flags: "a" });
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], env });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    this.children.push(child);
    return child;
  }

  /** SIGTERM, then SIGKILL after a bound; waits for every child to exit. */
  async stopAll(graceMs = 5000): Promise<void> {
    await Promise.all(this.stoppers.splice(0).map((fn) => fn().catch(() => undefined)));
    await Promise.all(
      this.children.splice(0).map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const kill = setTimeout(() => child.kill("SIGKILL"), graceMs);
            child.once("exit", () => {
              clearTimeout(kill);
              resolve();
            });
            child.kill("SIGTERM");
          }),
      ),
    );
  }
}

/** Retries fn until it succeeds or the bound passes; returns its value or throws the last error. */
export async function waitFor<T>(what: string, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      return await fn();
    } catch (e) {
      last = e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}: ${last instanceof Error ? last.message : String(last)}`);
}

export function commandExists(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;
}
