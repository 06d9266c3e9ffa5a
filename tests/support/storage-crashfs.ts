// A FileSystem wrapper for crash tests: forwards to a SimFileSystem and "kills the process" (throws
// SimulatedCrash) once a budget of mutating calls (write, truncate, fsync, rename, unlink) is
// spent, so a test can stop a store between any two of its I/O steps and then call sim.crash().

import type { FileHandle, FileSystem, LockHandle, OpenOptions, SimFileSystem } from "../../util/index.js";

export class SimulatedCrash extends Error {
  constructor() {
    super("simulated crash");
    this.name = "SimulatedCrash";
  }
}

export class CrashingFs implements FileSystem {
  /** Mutating calls left before the crash; Infinity = never. */
  budget = Number.POSITIVE_INFINITY;
  calls = 0;
  /** Crash at the next rename (the manifest swap) regardless of the budget. */
  crashAtRename = false;

  constructor(readonly sim: SimFileSystem) {}

  tick(): void {
    this.calls++;
    if (this.budget-- <= 0) throw new SimulatedCrash();
  }

  open(path: string, options?: OpenOptions): FileHandle {
    const h = this.sim.open(path, options);
    const tick = () => this.tick();
    return {
      path: h.path,
      read: (buf, off, len, pos) => h.read(buf, off, len, pos),
      write: (buf, off, len, pos) => {
        tick();
        h.write(buf, off, len, pos);
      },
      size: () => h.size(),
      truncate: (len) => {
        tick();
        h.truncate(len);
      },
      fsync: async () => {
        tick();
        await h.fsync();
      },
      fsyncSync: () => {
        tick();
        h.fsyncSync();
      },
      close: () => h.close(),
    };
  }
  exists(path: string): boolean {
    return this.sim.exists(path);
  }
  readdir(path: string): string[] {
    return this.sim.readdir(path);
  }
  mkdirp(path: string): void {
    this.sim.mkdirp(path);
  }
  rename(from: string, to: string): void {
    if (this.crashAtRename) throw new SimulatedCrash();
    this.tick();
    this.sim.rename(from, to);
  }
  unlink(path: string): void {
    this.tick();
    this.sim.unlink(path);
  }
  async fsyncDir(path: string): Promise<void> {
    this.tick();
    await this.sim.fsyncDir(path);
  }
  fsyncDirSync(path: string): void {
    this.tick();
    this.sim.fsyncDirSync(path);
  }
  lock(path: string): LockHandle {
    return this.sim.lock(path);
  }
  readFile(path: string): Uint8Array {
    return this.sim.readFile(path);
  }
}
