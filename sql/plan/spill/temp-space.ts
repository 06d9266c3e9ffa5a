// Temporary files for operators that spill past work_mem. One TempSpace per session: it names
// files uniquely, counts their bytes against temp_file_limit (53400 beyond it) and removes every
// file it handed out at statement end, on error and on session close. Files are scratch data:
// never fsynced, never reopened after the statement.
import { join } from "node:path";
import { assert, type FileHandle, type FileSystem, KodiakError } from "../../../util/index.js";
import type { Row } from "../../types/values.js";
import { ByteSink, decodeRowAt, encodeRow } from "./row-codec.js";

/** Rows are written in blocks of about this size (one write call per block). */
export const SPILL_WRITE_BLOCK_BYTES = 256 * 1024;
/** Readers fetch this much per read call (grown for a row larger than it). */
export const SPILL_READ_BLOCK_BYTES = 64 * 1024;

/** Process-wide counters (exported as metrics; tests read them to see that spilling happened). */
export const spillCounters = { filesCreated: 0, filesRemoved: 0, bytesWritten: 0 };

let nextSpaceId = 0;
/** Directories already swept for files of dead processes (once per process and directory). */
const sweptDirs = new Set<string>();
const FILE_NAME_RE = /^kodiak_tmp_(\d+)_\d+_\d+\.spill$/;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Removes spill files left by processes that died mid-statement (kill -9, crash). */
function sweepDeadProcessFiles(fs: FileSystem, dir: string): void {
  if (sweptDirs.has(dir)) return;
  sweptDirs.add(dir);
  for (const name of fs.readdir(dir)) {
    const m = FILE_NAME_RE.exec(name);
    if (m && Number(m[1]) !== process.pid && !processAlive(Number(m[1]))) fs.unlink(join(dir, name));
  }
}

export class TempSpace {
  private readonly files = new Set<SpillFile>();
  private nextFile = 0;
  private usedBytes = 0;
  private dirReady = false;
  /** temp_file_limit in bytes for the running statement; negative: unlimited. */
  limitBytes = -1;
  private readonly prefix: string;

  constructor(
    private readonly fs: FileSystem,
    readonly dir: string,
  ) {
    this.prefix = `kodiak_tmp_${process.pid}_${nextSpaceId++}_`;
  }

  /** Bytes of temporary files currently held. */
  get bytesInUse(): number {
    return this.usedBytes;
  }

  get openFiles(): number {
    return this.files.size;
  }

  /** A new file; `blockBytes` is its write buffer (smaller for the many files of a partitioning). */
  create(blockBytes = SPILL_WRITE_BLOCK_BYTES): SpillFile {
    if (!this.dirReady) {
      this.fs.mkdirp(this.dir);
      sweepDeadProcessFiles(this.fs, this.dir);
      this.dirReady = true;
    }
    const path = join(this.dir, `${this.prefix}${this.nextFile++}.spill`);
    const f = new SpillFile(this, this.fs.open(path, { create: true, exclusive: true }), blockBytes);
    this.files.add(f);
    spillCounters.filesCreated++;
    return f;
  }

  /** Called by a file before it grows by `bytes`. */
  charge(bytes: number): void {
    if (this.limitBytes >= 0 && this.usedBytes + bytes > this.limitBytes) {
      throw new KodiakError("53400", `temporary file size exceeds temp_file_limit (${Math.floor(this.limitBytes / 1024)}kB)`);
    }
    this.usedBytes += bytes;
    spillCounters.bytesWritten += bytes;
  }

  /** Forgets and deletes one file (its bytes no longer count). */
  release(f: SpillFile): void {
    if (!this.files.delete(f)) return;
    this.usedBytes -= f.bytes;
    f.handle.close();
    this.fs.unlink(f.handle.path);
    spillCounters.filesRemoved++;
  }

  /** Statement end, error, session close: removes every file still held. */
  removeAll(): void {
    for (const f of [...this.files]) this.release(f);
    assert(this.usedBytes === 0, "temp space accounting: bytes left after removing every file");
  }
}

/** An append-only file of rows, then read back sequentially (possibly several times). */
export class SpillFile {
  bytes = 0;
  rowCount = 0;
  private readonly sink: ByteSink;
  constructor(
    private readonly space: TempSpace,
    readonly handle: FileHandle,
    private readonly blockBytes: number,
  ) {
    this.sink = new ByteSink(blockBytes + 1024);
  }

  write(row: Row): void {
    encodeRow(this.sink, row);
    this.rowCount++;
    if (this.sink.length >= this.blockBytes) this.flush();
  }

  flush(): void {
    const n = this.sink.length;
    if (n === 0) return;
    this.space.charge(n);
    this.handle.write(this.sink.buf, 0, n, this.bytes);
    this.bytes += n;
    this.sink.clear();
  }

  /** Reads every row back in write order (flushes pending writes first). */
  *rows(): Generator<Row> {
    this.flush();
    let buf = Buffer.allocUnsafe(SPILL_READ_BLOCK_BYTES);
    let start = 0;
    let end = 0;
    let filePos = 0;
    const fill = (need: number): boolean => {
      if (end - start >= need) return true;
      if (start > 0) {
        buf.copy(buf, 0, start, end);
        end -= start;
        start = 0;
      }
      if (need > buf.length) {
        const bigger = Buffer.allocUnsafe(Math.max(need, buf.length * 2));
        buf.copy(bigger, 0, 0, end);
        buf = bigger;
      }
      while (end < need && filePos < this.bytes) {
        const n = this.handle.read(buf, end, Math.min(buf.length - end, this.bytes - filePos), filePos);
        assert(n > 0, "spill file shorter than written");
        end += n;
        filePos += n;
      }
      return end - start >= need;
    };
    while (fill(4)) {
      const len = buf.readUInt32LE(start);
      assert(fill(4 + len), "spill file: truncated row");
      const { row, next } = decodeRowAt(buf, start);
      start = next;
      yield row;
    }
  }

  remove(): void {
    this.space.release(this);
  }
}
