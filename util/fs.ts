// File-system seam under the Raft log and the pager. Reads and writes are synchronous (they hit
// the OS page cache; keeps tree code simple); fsync is async so the event loop keeps serving
// while the disk syncs. The simulator swaps in SimFileSystem (util/sim-fs.ts).

import * as fs from "node:fs";
import { dirname } from "node:path";
import { KodiakError, SqlState } from "./errors.js";

export interface OpenOptions {
  /** Create the file if it does not exist. */
  create?: boolean;
  /** With create: fail if the file exists. */
  exclusive?: boolean;
  readOnly?: boolean;
}

export interface FileHandle {
  readonly path: string;
  /** Reads up to `length` bytes at `position` into buf[bufOffset..]; returns bytes read (short at EOF). */
  read(buf: Uint8Array, bufOffset: number, length: number, position: number): number;
  /** Writes buf[bufOffset..bufOffset+length) at `position`. Not durable until fsync. */
  write(buf: Uint8Array, bufOffset: number, length: number, position: number): void;
  size(): number;
  truncate(length: number): void;
  /** Makes every write before this call durable (data and size). */
  fsync(): Promise<void>;
  fsyncSync(): void;
  close(): void;
}

export interface LockHandle {
  release(): void;
}

export interface FileSystem {
  open(path: string, options?: OpenOptions): FileHandle;
  exists(path: string): boolean;
  /** Names (not paths) of the entries in a directory, sorted. */
  readdir(path: string): string[];
  mkdirp(path: string): void;
  /** Atomic replace. Durable only after fsyncDir(dirname(to)). */
  rename(from: string, to: string): void;
  unlink(path: string): void;
  fsyncDir(path: string): Promise<void>;
  fsyncDirSync(path: string): void;
  /** Exclusive advisory lock on a path (a lock file); throws KodiakError 55P03 if held. */
  lock(path: string): LockHandle;
  /** Reads a whole (small) file. */
  readFile(path: string): Uint8Array;
}

function ioError(e: unknown, what: string): KodiakError {
  const err = e as NodeJS.ErrnoException;
  const code = err.code === "ENOSPC" ? SqlState.diskFull : SqlState.ioError;
  return new KodiakError(code, `${what}: ${err.message ?? String(e)}`);
}

class NodeFileHandle implements FileHandle {
  constructor(
    readonly path: string,
    private fd: number,
  ) {}

  read(buf: Uint8Array, bufOffset: number, length: number, position: number): number {
    try {
      return fs.readSync(this.fd, buf, bufOffset, length, position);
    } catch (e) {
      throw ioError(e, `read ${this.path} at ${position}`);
    }
  }

  write(buf: Uint8Array, bufOffset: number, length: number, position: number): void {
    let done = 0;
    try {
      while (done < length) {
        done += fs.writeSync(this.fd, buf, bufOffset + done, length - done, position + done);
      }
    } catch (e) {
      throw ioError(e, `write ${this.path} at ${position + done}`);
    }
  }

  size(): number {
    return fs.fstatSync(this.fd).size;
  }

  truncate(length: number): void {
    try {
      fs.ftruncateSync(this.fd, length);
    } catch (e) {
      throw ioError(e, `truncate ${this.path}`);
    }
  }

  fsync(): Promise<void> {
    return new Promise((resolve, reject) => {
      fs.fdatasync(this.fd, (e) => (e ? reject(ioError(e, `fsync ${this.path}`)) : resolve()));
    });
  }

  fsyncSync(): void {
    try {
      fs.fdatasyncSync(this.fd);
    } catch (e) {
      throw ioError(e, `fsync ${this.path}`);
    }
  }

  close(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }
}

export class NodeFileSystem implements FileSystem {
  open(path: string, options: OpenOptions = {}): FileHandle {
    let flags: number;
    if (options.readOnly) flags = fs.constants.O_RDONLY;
    else {
      flags = fs.constants.O_RDWR;
      if (options.create) flags |= fs.constants.O_CREAT;
      if (options.exclusive) flags |= fs.constants.O_EXCL;
    }
    try {
      return new NodeFileHandle(path, fs.openSync(path, flags, 0o644));
    } catch (e) {
      throw ioError(e, `open ${path}`);
    }
  }

  exists(path: string): boolean {
    return fs.existsSync(path);
  }

  readdir(path: string): string[] {
    return fs.readdirSync(path).sort();
  }

  mkdirp(path: string): void {
    fs.mkdirSync(path, { recursive: true });
  }

  rename(from: string, to: string): void {
    try {
      fs.renameSync(from, to);
    } catch (e) {
      throw ioError(e, `rename ${from} -> ${to}`);
    }
  }

  unlink(path: string): void {
    try {
      fs.unlinkSync(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw ioError(e, `unlink ${path}`);
    }
  }

  fsyncDir(path: string): Promise<void> {
    return new Promise((resolve, reject) => {
      fs.open(path, fs.constants.O_RDONLY, (e, fd) => {
        if (e) return reject(ioError(e, `open dir ${path}`));
        fs.fsync(fd, (e2) => {
          fs.close(fd, () => (e2 ? reject(ioError(e2, `fsync dir ${path}`)) : resolve()));
        });
      });
    });
  }

  fsyncDirSync(path: string): void {
    const fd = fs.openSync(path, fs.constants.O_RDONLY);
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }

  lock(path: string): LockHandle {
    // A lock file holding our pid. A file left by a dead process (kill -9) is taken over.
    fs.mkdirSync(dirname(path), { recursive: true });
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = fs.openSync(path, "wx");
        fs.writeSync(fd, String(process.pid));
        fs.closeSync(fd);
        return { release: () => fs.rmSync(path, { force: true }) };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw ioError(e, `lock ${path}`);
        const holder = Number.parseInt(fs.readFileSync(path, "utf8"), 10);
        if (Number.isFinite(holder) && holder !== process.pid && processAlive(holder)) {
          throw new KodiakError(SqlState.lockNotAvailable, `data directory is in use by process ${holder} (lock file ${path})`);
        }
        if (holder === process.pid) {
          throw new KodiakError(SqlState.lockNotAvailable, `data directory is already open in this process (lock file ${path})`);
        }
        fs.rmSync(path, { force: true });
      }
    }
    throw new KodiakError(SqlState.lockNotAvailable, `could not take lock ${path}`);
  }

  readFile(path: string): Uint8Array {
    try {
      return fs.readFileSync(path);
    } catch (e) {
      throw ioError(e, `read ${path}`);
    }
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

export const nodeFileSystem: FileSystem = new NodeFileSystem();
