// A FileSystem wrapper that one process incarnation writes through. When the simulator crashes
// that process, it fences the wrapper: every later call (from promises still in flight inside the
// dead incarnation's WAL) throws, so a dead process can never touch the disk its successor reads.

import { type FileHandle, type FileSystem, KodiakError, type LockHandle, type OpenOptions, SqlState } from "../../util/index.js";

function dead(): never {
  throw new KodiakError(SqlState.ioError, "process crashed (simulated)");
}

export class FencedFileSystem implements FileSystem {
  private fenced = false;

  constructor(private readonly inner: FileSystem) {}

  fence(): void {
    this.fenced = true;
  }

  private check(): void {
    if (this.fenced) dead();
  }

  private live<T>(fn: () => T): T {
    this.check();
    return fn();
  }

  open(path: string, options?: OpenOptions): FileHandle {
    this.check();
    const h = this.inner.open(path, options);
    return {
      path: h.path,
      read: (buf, off, len, pos) => this.live(() => h.read(buf, off, len, pos)),
      write: (buf, off, len, pos) => this.live(() => h.write(buf, off, len, pos)),
      size: () => this.live(() => h.size()),
      truncate: (len) => this.live(() => h.truncate(len)),
      fsync: async () => {
        this.check();
        await h.fsync();
        this.check();
      },
      fsyncSync: () => this.live(() => h.fsyncSync()),
      close: () => {
        if (!this.fenced) h.close();
      },
    };
  }

  exists(path: string): boolean {
    this.check();
    return this.inner.exists(path);
  }

  readdir(path: string): string[] {
    this.check();
    return this.inner.readdir(path);
  }

  mkdirp(path: string): void {
    this.check();
    this.inner.mkdirp(path);
  }

  rename(from: string, to: string): void {
    this.check();
    this.inner.rename(from, to);
  }

  unlink(path: string): void {
    this.check();
    this.inner.unlink(path);
  }

  async fsyncDir(path: string): Promise<void> {
    this.check();
    await this.inner.fsyncDir(path);
    this.check();
  }

  fsyncDirSync(path: string): void {
    this.check();
    this.inner.fsyncDirSync(path);
  }

  lock(path: string): LockHandle {
    this.check();
    const l = this.inner.lock(path);
    return { release: () => (this.fenced ? undefined : l.release()) };
  }

  readFile(path: string): Uint8Array {
    this.check();
    return this.inner.readFile(path);
  }
}
