// Shared fixtures for the log tests: deterministic entries, a simulated disk whose fsyncs can be
// held back (to crash between a write and its fsync), and a logger that records what it is told.
// Test support only: never imported by production code.

import type { Entry } from "../../../node/raft/types.js";
import { openWal, type Wal, type WalOptions } from "../../../node/log/index.js";
import {
  type FileHandle,
  type FileSystem,
  KodiakError,
  type LockHandle,
  type Logger,
  type OpenOptions,
  SeededRandom,
  SimFileSystem,
  SqlState,
  silentLogger,
} from "../../../util/index.js";

export const DIR = "/data/log";

/** Entry data derived from (index, term, salt) so a test can tell versions of an index apart. */
export function entryData(index: number, term: number, salt = 0, length = 8 + (index % 23)): Uint8Array {
  const r = new SeededRandom(index * 7919 + term * 104729 + salt * 1299709);
  return Uint8Array.from({ length }, () => r.int(256));
}

export function entry(index: number, term: number, salt = 0, length?: number): Entry {
  return { index, term, type: index % 5 === 0 ? "confChange" : "normal", data: entryData(index, term, salt, length) };
}

export function entries(from: number, to: number, term: number, salt = 0): Entry[] {
  const out: Entry[] = [];
  for (let i = from; i <= to; i++) out.push(entry(i, term, salt));
  return out;
}

export function open(fs: FileSystem, options: WalOptions = {}): Promise<Wal> {
  return openWal(fs, DIR, { logger: silentLogger, ...options });
}

export function allEntries(wal: Wal): Entry[] {
  const s = wal.storage;
  if (s.lastIndex() < s.firstIndex()) return [];
  return s.entries(s.firstIndex(), s.lastIndex() + 1, Number.POSITIVE_INFINITY);
}

/** Plain objects for deepEqual (Buffer vs Uint8Array and key order do not matter). */
export function plain(es: Entry[]): { index: number; term: number; type: string; data: number[] }[] {
  return es.map((e) => ({ index: e.index, term: e.term, type: e.type, data: [...e.data] }));
}

export function nextTick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export interface LogLine {
  level: string;
  obj: object;
  msg: string | undefined;
}

export function recordingLogger(lines: LogLine[]): Logger {
  const log =
    (level: string) =>
    (obj: object, msg?: string): void => {
      lines.push({ level, obj, msg });
    };
  const logger: Logger = { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error"), child: () => logger };
  return logger;
}

/**
 * A SimFileSystem whose fsyncs (file and directory) can be held: while `hold` is set each fsync
 * waits until release() lets it through, so a test can crash the disk between a write and its fsync.
 */
export class GatedFileSystem implements FileSystem {
  hold = false;
  private readonly waiting: (() => void)[] = [];
  /** Paths of the fsyncs currently held, in arrival order. */
  readonly heldPaths: string[] = [];

  constructor(readonly sim: SimFileSystem) {}

  get held(): number {
    return this.waiting.length;
  }

  /** Lets the oldest held fsync proceed. */
  releaseOne(): void {
    this.heldPaths.shift();
    this.waiting.shift()?.();
  }

  /** The next fsync fails with an I/O error (after which the kernel may have dropped the pages). */
  failNextFsync = false;

  async gate(path: string): Promise<void> {
    if (this.failNextFsync) {
      this.failNextFsync = false;
      throw new KodiakError(SqlState.ioError, `fsync ${path}: EIO (simulated)`);
    }
    if (!this.hold) return;
    this.heldPaths.push(path);
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  open(path: string, options?: OpenOptions): FileHandle {
    const h = this.sim.open(path, options);
    const gate = (p: string) => this.gate(p);
    return {
      path: h.path,
      read: (b, o, l, p) => h.read(b, o, l, p),
      write: (b, o, l, p) => h.write(b, o, l, p),
      size: () => h.size(),
      truncate: (n) => h.truncate(n),
      fsync: async () => {
        await gate(path);
        h.fsyncSync();
      },
      fsyncSync: () => h.fsyncSync(),
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
    this.sim.rename(from, to);
  }
  unlink(path: string): void {
    this.sim.unlink(path);
  }
  async fsyncDir(path: string): Promise<void> {
    await this.gate(path);
    this.sim.fsyncDirSync(path);
  }
  fsyncDirSync(path: string): void {
    this.sim.fsyncDirSync(path);
  }
  lock(path: string): LockHandle {
    return this.sim.lock(path);
  }
  readFile(path: string): Uint8Array {
    return this.sim.readFile(path);
  }
}

/** Copies the durable files of `dir` into a fresh simulated disk (each corruption case starts clean). */
export function cloneDisk(files: Map<string, Uint8Array>): SimFileSystem {
  const fs = new SimFileSystem();
  fs.mkdirp(DIR);
  for (const [path, bytes] of files) {
    const h = fs.open(path, { create: true });
    h.write(bytes, 0, bytes.length, 0);
    h.fsyncSync();
    h.close();
  }
  fs.fsyncDirSync(DIR);
  return fs;
}

/** The files of a log directory (lock file excluded), as bytes. */
export function snapshotDisk(fs: FileSystem): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const name of fs.readdir(DIR)) if (name !== "LOCK") out.set(`${DIR}/${name}`, fs.readFile(`${DIR}/${name}`));
  return out;
}
