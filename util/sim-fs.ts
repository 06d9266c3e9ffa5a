// In-memory FileSystem for tests and the deterministic simulator. It models what a real disk
// promises and nothing more: file contents are durable only after fsync, directory entries
// (create/rename/unlink) only after fsyncDir of their directory. crash() throws away
// everything else, optionally keeping a torn prefix of unsynced appends. No real I/O here.

import { dirname } from "node:path";
import { KodiakError, SqlState } from "./errors.js";
import type { FileHandle, FileSystem, LockHandle, OpenOptions } from "./fs.js";
import type { Random } from "./random.js";

interface Inode {
  data: Uint8Array;
  length: number;
  durable: Uint8Array;
}

export interface SimFaults {
  /** Probability that a write fails with ENOSPC (disk full); nothing is written. */
  diskFullProbability?: number;
  /** Probability that crash() keeps a random prefix of a file's unsynced tail (torn write). */
  tornWriteProbability?: number;
}

export class SimFileSystem implements FileSystem {
  private nextInode = 1;
  private readonly inodes = new Map<number, Inode>();
  /** Live namespace: what a running process sees. */
  private names = new Map<string, number>();
  /** Namespace as it would be found after a crash. */
  private durableNames = new Map<string, number>();
  private readonly dirs = new Set<string>(["/"]);
  private readonly locks = new Set<string>();
  /** Bytes written by write() in total: lets benchmarks and tests measure write amplification. */
  bytesWritten = 0;
  fsyncCount = 0;

  constructor(
    private readonly random?: Random,
    public faults: SimFaults = {},
  ) {}

  open(path: string, options: OpenOptions = {}): FileHandle {
    let id = this.names.get(path);
    if (id === undefined) {
      if (!options.create || options.readOnly) throw new KodiakError(SqlState.ioError, `open ${path}: ENOENT: no such file`);
      if (!this.dirs.has(dirname(path))) throw new KodiakError(SqlState.ioError, `open ${path}: ENOENT: no such directory`);
      id = this.nextInode++;
      this.inodes.set(id, { data: new Uint8Array(0), length: 0, durable: new Uint8Array(0) });
      this.names.set(path, id);
    } else if (options.create && options.exclusive) {
      throw new KodiakError(SqlState.ioError, `open ${path}: EEXIST: file exists`);
    }
    return new SimFileHandle(this, path, id, options.readOnly === true);
  }

  inode(id: number): Inode {
    const n = this.inodes.get(id);
    if (n === undefined) throw new KodiakError(SqlState.ioError, `stale file handle ${id}`);
    return n;
  }

  maybeDiskFull(path: string): void {
    const p = this.faults.diskFullProbability ?? 0;
    if (p > 0 && this.random !== undefined && this.random.next() < p) {
      throw new KodiakError(SqlState.diskFull, `write ${path}: ENOSPC: no space left on device (simulated)`);
    }
  }

  exists(path: string): boolean {
    return this.names.has(path) || this.dirs.has(path);
  }

  readdir(path: string): string[] {
    const prefix = path.endsWith("/") ? path : `${path}/`;
    const out = new Set<string>();
    for (const name of [...this.names.keys(), ...this.dirs]) {
      if (name.startsWith(prefix)) {
        const rest = name.slice(prefix.length);
        if (rest.length > 0) out.add(rest.split("/")[0] as string);
      }
    }
    return [...out].sort();
  }

  mkdirp(path: string): void {
    // Directories are created durably at once: the simulator targets file contents and names.
    let p = path;
    while (p !== "/" && p !== "." && p !== "") {
      this.dirs.add(p);
      p = dirname(p);
    }
  }

  rename(from: string, to: string): void {
    const id = this.names.get(from);
    if (id === undefined) throw new KodiakError(SqlState.ioError, `rename ${from}: ENOENT`);
    this.names.delete(from);
    this.names.set(to, id);
  }

  unlink(path: string): void {
    this.names.delete(path);
  }

  async fsyncDir(path: string): Promise<void> {
    this.fsyncDirSync(path);
  }

  fsyncDirSync(path: string): void {
    this.fsyncCount++;
    const inDir = (p: string) => dirname(p) === path;
    for (const p of [...this.durableNames.keys()]) if (inDir(p) && !this.names.has(p)) this.durableNames.delete(p);
    for (const [p, id] of this.names) if (inDir(p)) this.durableNames.set(p, id);
  }

  lock(path: string): LockHandle {
    if (this.locks.has(path)) throw new KodiakError(SqlState.lockNotAvailable, `data directory is in use (lock file ${path})`);
    this.locks.add(path);
    return { release: () => this.locks.delete(path) };
  }

  readFile(path: string): Uint8Array {
    const id = this.names.get(path);
    if (id === undefined) throw new KodiakError(SqlState.ioError, `read ${path}: ENOENT`);
    const n = this.inode(id);
    return n.data.slice(0, n.length);
  }

  /**
   * Simulates power loss: every file reverts to its last fsynced contents (possibly plus a torn
   * prefix of what was written after), the namespace to its last fsyncDir, and locks vanish.
   * Handles opened before the crash must not be used afterwards.
   */
  crash(): void {
    const torn = this.faults.tornWriteProbability ?? 0;
    for (const n of this.inodes.values()) {
      let keep = n.durable.length;
      if (torn > 0 && this.random !== undefined && n.length > n.durable.length && this.random.next() < torn) {
        keep = n.durable.length + this.random.int(n.length - n.durable.length + 1);
      }
      const data = new Uint8Array(Math.max(keep, 64));
      data.set(n.durable.subarray(0, Math.min(keep, n.durable.length)));
      if (keep > n.durable.length) data.set(n.data.subarray(n.durable.length, keep), n.durable.length);
      n.data = data;
      n.length = keep;
      n.durable = data.slice(0, keep);
    }
    this.names = new Map(this.durableNames);
    const live = new Set(this.names.values());
    for (const id of [...this.inodes.keys()]) if (!live.has(id)) this.inodes.delete(id);
    this.locks.clear();
  }

  /** Flips one bit of a file's durable and live contents (corruption tests). */
  flipBit(path: string, byteOffset: number, bit: number): void {
    const id = this.names.get(path);
    if (id === undefined) throw new Error(`flipBit: no file ${path}`);
    const n = this.inode(id);
    if (byteOffset < n.length) n.data[byteOffset] = (n.data[byteOffset] as number) ^ (1 << bit);
    if (byteOffset < n.durable.length) n.durable[byteOffset] = (n.durable[byteOffset] as number) ^ (1 << bit);
  }
}

class SimFileHandle implements FileHandle {
  private closed = false;

  constructor(
    private readonly fs: SimFileSystem,
    readonly path: string,
    private readonly id: number,
    private readonly readOnly: boolean,
  ) {}

  private node(): Inode {
    if (this.closed) throw new KodiakError(SqlState.ioError, `${this.path}: file is closed`);
    return this.fs.inode(this.id);
  }

  read(buf: Uint8Array, bufOffset: number, length: number, position: number): number {
    const n = this.node();
    const end = Math.min(n.length, position + length);
    if (end <= position) return 0;
    buf.set(n.data.subarray(position, end), bufOffset);
    return end - position;
  }

  write(buf: Uint8Array, bufOffset: number, length: number, position: number): void {
    if (this.readOnly) throw new KodiakError(SqlState.ioError, `write ${this.path}: EBADF: read-only`);
    const n = this.node();
    this.fs.maybeDiskFull(this.path);
    const end = position + length;
    if (end > n.data.length) {
      const grown = new Uint8Array(Math.max(end, n.data.length * 2, 64));
      grown.set(n.data.subarray(0, n.length));
      n.data = grown;
    }
    if (position > n.length) n.data.fill(0, n.length, position);
    n.data.set(buf.subarray(bufOffset, bufOffset + length), position);
    n.length = Math.max(n.length, end);
    this.fs.bytesWritten += length;
  }

  size(): number {
    return this.node().length;
  }

  truncate(length: number): void {
    const n = this.node();
    if (length > n.data.length) {
      const grown = new Uint8Array(length);
      grown.set(n.data.subarray(0, n.length));
      n.data = grown;
    } else if (length > n.length) n.data.fill(0, n.length, length);
    n.length = length;
  }

  async fsync(): Promise<void> {
    this.fsyncSync();
  }

  fsyncSync(): void {
    const n = this.node();
    this.fs.fsyncCount++;
    n.durable = n.data.slice(0, n.length);
  }

  close(): void {
    this.closed = true;
  }
}
