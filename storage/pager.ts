// Pager: logical pages over one data file of fixed-size physical pages, through a bounded page
// cache, with copy-on-write checkpoints. It never overwrites a physical page that the durable
// manifest references, and never interprets page contents beyond header, checksum and map pages.
//
// Invariants:
//  1. Tree code names pages by logical id (lid); phys[lid] is the physical page holding its last
//     written image (0 = never written). Child pointers and leaf links never change on CoW.
//  2. A physical page referenced by the durable manifest (directly or through its map pages) is
//     never written. Writes go to "shadow" pages, allocated since the last durable checkpoint.
//  3. A physical page released from the durable image joins the free list only after the next
//     manifest is durable (pendingFree); a shadow page released is free at once.
//  4. Dirty pages are written at checkpoint, or earlier to their shadow page when the cache must
//     make room (a spill); by (2) a spill can never damage the durable checkpoint.
//  5. Eviction (CLOCK, cache.ts) happens only in relieve(), called between operations, so a page
//     Buffer obtained during an operation stays valid until that operation ends.
//  6. Every page read is checked (checksum, type, logical id) before anyone sees it; a failure is
//     KodiakError XX001 naming the page and the file, never wrong data.
//  7. A checkpoint fixes its image synchronously (pages written, manifest built, shadow set
//     emptied) before its first await, so writes applied while it waits copy pages again and
//     never touch what the pending manifest names.
//  8. The free list is not stored: on open every physical page not named by the manifest (its
//     map pages and the pages they map) is free, including pages past the manifest's count.
//  9. Overflow pages (large values) are written once, straight to a shadow physical page, and
//     never change or enter the cache: reading or freeing a 16 MiB value costs no cache space.
// State: closed -> open(): open -> checkpoint(): open (durable image advanced) -> close(): closed.

import { assert, type FileHandle, type FileSystem, KodiakError, type LockHandle, SqlState } from "../util/index.js";
import { PageCache, type PageCacheStats } from "./cache.js";
import {
  FORMAT_VERSION,
  H_CONTENT,
  H_LINK1,
  H_TYPE,
  OVERFLOW_REF_BYTES,
  PAGE_HEADER_BYTES,
  PageType,
  pageChecksumOk,
  sealPage,
} from "./format.js";
import { decodeManifest, MANIFEST_NAME, type Manifest, type TreeMode, writeManifest } from "./manifest.js";
import { pageLid } from "./slotted.js";

export const DATA_FILE_NAME = "data.kdb";
export const LOCK_FILE_NAME = "LOCK";
const HEADER_MAGIC = Buffer.from("KDBPAGES", "latin1");
const HEADER_PAGE_TYPE = 4;

export interface PagerOptions {
  pageSize: number;
  cacheBytes: number;
  mode: TreeMode;
  fanout: number;
}

/** Tree-level state recorded in the manifest next to the pager's own. */
export interface TreeMeta {
  mode: TreeMode;
  fanout: number;
  appliedIndex: number;
  lastCommitTs: number;
  retentionTs: number;
  rootLid: number;
}

export interface PagerStats extends PageCacheStats {
  pageReads: number;
  pageWrites: number;
  bytesWritten: number;
  filePages: number;
  freePages: number;
}

export class Pager {
  readonly cache: PageCache;
  private phys = new Uint32Array(1024);
  private nextLid = 1;
  private readonly freeLids: number[] = [];
  private pageCount = 1;
  private readonly freePhys: number[] = [];
  private pendingFree: number[] = [];
  private readonly shadow = new Set<number>();
  private mapPhys: number[] = [];
  private readonly dirtyChunks = new Set<number>();
  private readonly entriesPerMapPage: number;
  pageReads = 0;
  pageWrites = 0;
  bytesWritten = 0;

  private constructor(
    private readonly fs: FileSystem,
    readonly dir: string,
    private readonly data: FileHandle,
    private readonly lock: LockHandle,
    readonly pageSize: number,
    cacheBytes: number,
    readonly meta: TreeMeta,
  ) {
    this.cache = new PageCache(pageSize, cacheBytes);
    this.entriesPerMapPage = (pageSize - PAGE_HEADER_BYTES) / 4;
  }

  get dataPath(): string {
    return this.data.path;
  }

  /** Opens (or creates) the pager of a data directory. Throws before touching anything on bad input. */
  static async open(fs: FileSystem, dir: string, opts: PagerOptions): Promise<Pager> {
    fs.mkdirp(dir);
    const lock = fs.lock(`${dir}/${LOCK_FILE_NAME}`);
    try {
      const mpath = `${dir}/${MANIFEST_NAME}`;
      if (!fs.exists(mpath)) return await Pager.create(fs, dir, lock, opts);
      const m = decodeManifest(fs.readFile(mpath), mpath);
      const data = fs.open(`${dir}/${DATA_FILE_NAME}`);
      try {
        const meta: TreeMeta = {
          mode: m.mode,
          fanout: m.fanout,
          appliedIndex: m.appliedIndex,
          lastCommitTs: m.lastCommitTs,
          retentionTs: m.retentionTs,
          rootLid: m.rootLid,
        };
        const pager = new Pager(fs, dir, data, lock, m.pageSize, opts.cacheBytes, meta);
        pager.load(m);
        return pager;
      } catch (e) {
        data.close();
        throw e;
      }
    } catch (e) {
      lock.release();
      throw e;
    }
  }

  private static async create(fs: FileSystem, dir: string, lock: LockHandle, opts: PagerOptions): Promise<Pager> {
    const path = `${dir}/${DATA_FILE_NAME}`;
    if (fs.exists(path)) {
      const f = fs.open(path, { readOnly: true });
      const size = f.size();
      f.close();
      // A data file with at most its header page is a creation that crashed before its first
      // manifest: nothing of value in it. Anything bigger without a manifest is not ours to reuse.
      if (size > opts.pageSize) {
        throw new KodiakError(SqlState.dataCorrupted, `data file ${path} exists (${size} bytes) but ${dir}/${MANIFEST_NAME} is missing`, {
          hint: "refusing to overwrite it; restore the manifest or move the directory away",
        });
      }
    }
    const data = fs.open(path, { create: true });
    const header = Buffer.alloc(opts.pageSize);
    header[H_TYPE] = HEADER_PAGE_TYPE;
    HEADER_MAGIC.copy(header, PAGE_HEADER_BYTES);
    header.writeUInt32LE(FORMAT_VERSION, PAGE_HEADER_BYTES + 8);
    header.writeUInt32LE(opts.pageSize, PAGE_HEADER_BYTES + 12);
    sealPage(header);
    data.truncate(0);
    data.write(header, 0, header.length, 0);
    await data.fsync();
    await fs.fsyncDir(dir);
    const meta: TreeMeta = { mode: opts.mode, fanout: opts.fanout, appliedIndex: 0, lastCommitTs: 0, retentionTs: 0, rootLid: 0 };
    const pager = new Pager(fs, dir, data, lock, opts.pageSize, opts.cacheBytes, meta);
    await writeManifest(fs, dir, pager.manifest());
    return pager;
  }

  private corrupt(what: string): KodiakError {
    return new KodiakError(SqlState.dataCorrupted, `${what} in data file ${this.data.path}`);
  }

  private load(m: Manifest): void {
    const ps = this.pageSize;
    const header = Buffer.alloc(ps);
    if (this.data.read(header, 0, ps, 0) < ps) throw this.corrupt("truncated header page");
    if (!header.subarray(PAGE_HEADER_BYTES, PAGE_HEADER_BYTES + 8).equals(HEADER_MAGIC)) throw this.corrupt("bad magic in header page");
    const version = header.readUInt32LE(PAGE_HEADER_BYTES + 8);
    if (version > FORMAT_VERSION) {
      throw new KodiakError(
        SqlState.featureNotSupported,
        `data file ${this.data.path} has format version ${version}; this build reads ${FORMAT_VERSION}`,
      );
    }
    if (!pageChecksumOk(header)) throw this.corrupt("checksum mismatch in header page 0");
    if (header.readUInt32LE(PAGE_HEADER_BYTES + 12) !== ps) throw this.corrupt(`page size differs from the manifest's ${ps}`);
    const fileSize = this.data.size();
    if (fileSize < m.pageCount * ps) {
      throw this.corrupt(`truncated file: ${fileSize} bytes but the manifest needs ${m.pageCount} pages of ${ps} bytes`);
    }
    this.pageCount = Math.max(m.pageCount, Math.floor(fileSize / ps));
    this.nextLid = Math.max(1, m.nextLid);
    this.ensureLidCapacity(this.nextLid);
    this.mapPhys = m.mapPages.slice();
    const page = Buffer.alloc(ps);
    m.mapPages.forEach((p, chunk) => {
      if (p === 0 || p >= m.pageCount) {
        throw this.corrupt(`manifest points past the end of the file (map page ${p}, file has ${m.pageCount} pages)`);
      }
      this.readPhysical(p, page, `map page ${chunk} (physical ${p})`);
      if (page[H_TYPE] !== PageType.Map || pageLid(page) !== chunk) throw this.corrupt(`physical page ${p} is not map page ${chunk}`);
      const first = chunk * this.entriesPerMapPage;
      const n = Math.min(this.entriesPerMapPage, this.nextLid - first);
      for (let i = 0; i < n; i++) this.phys[first + i] = page.readUInt32LE(PAGE_HEADER_BYTES + 4 * i);
    });
    const used = new Uint8Array(this.pageCount);
    used[0] = 1;
    for (const p of m.mapPages) used[p] = 1;
    for (let lid = 1; lid < this.nextLid; lid++) {
      const p = this.phys[lid] as number;
      if (p === 0) this.freeLids.push(lid);
      else if (p >= m.pageCount) throw this.corrupt(`manifest points past the end of the file (page ${lid} at physical ${p})`);
      else used[p] = 1;
    }
    if (m.rootLid >= this.nextLid || (m.rootLid !== 0 && this.phys[m.rootLid] === 0))
      throw this.corrupt(`manifest root page ${m.rootLid} is not in use`);
    for (let p = this.pageCount - 1; p >= 1; p--) if (used[p] === 0) this.freePhys.push(p);
  }

  private readPhysical(p: number, into: Buffer, what: string): void {
    const n = this.data.read(into, 0, this.pageSize, p * this.pageSize);
    this.pageReads++;
    if (n < this.pageSize) throw this.corrupt(`${what} is truncated`);
    if (!pageChecksumOk(into)) throw this.corrupt(`checksum mismatch in ${what}`);
  }

  private ensureLidCapacity(n: number): void {
    if (n <= this.phys.length) return;
    let len = this.phys.length;
    while (len < n) len *= 2;
    const grown = new Uint32Array(len);
    grown.set(this.phys);
    this.phys = grown;
  }

  private manifest(): Manifest {
    return {
      formatVersion: FORMAT_VERSION,
      pageSize: this.pageSize,
      mode: this.meta.mode,
      fanout: this.meta.fanout,
      appliedIndex: this.meta.appliedIndex,
      lastCommitTs: this.meta.lastCommitTs,
      retentionTs: this.meta.retentionTs,
      rootLid: this.meta.rootLid,
      nextLid: this.nextLid,
      pageCount: this.pageCount,
      mapPages: this.mapPhys.slice(),
    };
  }

  /** The page with logical id lid, read and verified on a miss. */
  get(lid: number): Buffer {
    const hit = this.cache.lookup(lid);
    if (hit !== undefined) {
      this.cache.hits++;
      return hit;
    }
    this.cache.misses++;
    assert(lid > 0 && lid < this.nextLid, `page ${lid} is allocated`);
    const p = this.phys[lid] as number;
    assert(p !== 0, `page ${lid} has been written before it is read`);
    const buf = this.cache.allocBuffer();
    this.readPhysical(p, buf, `page ${lid} (physical ${p})`);
    const type = buf[H_TYPE];
    if ((type !== PageType.Leaf && type !== PageType.Internal) || pageLid(buf) !== lid) {
      throw this.corrupt(`page ${lid} (physical ${p}) holds type ${type} page ${pageLid(buf)}`);
    }
    this.cache.insert(lid, buf);
    return buf;
  }

  /** A new zeroed, dirty page in the cache. */
  allocate(): { lid: number; page: Buffer } {
    const lid = this.newLid();
    const page = this.cache.allocBuffer();
    page.fill(0);
    this.cache.insert(lid, page);
    this.cache.markDirty(lid);
    return { lid, page };
  }

  private newLid(): number {
    let lid = this.freeLids.pop();
    if (lid === undefined) {
      lid = this.nextLid++;
      this.ensureLidCapacity(this.nextLid);
    }
    return lid;
  }

  /**
   * Writes value as a chain of overflow pages (invariant 9) and returns the reference a
   * PutOverflow cell stores (u32 first lid, u32 length). onPage sees every lid allocated.
   */
  writeOverflow(value: Buffer, onPage?: (lid: number) => void): Buffer {
    const per = this.pageSize - PAGE_HEADER_BYTES;
    const n = Math.max(1, Math.ceil(value.length / per));
    const lids: number[] = [];
    for (let i = 0; i < n; i++) {
      const lid = this.newLid();
      lids.push(lid);
      onPage?.(lid);
    }
    const page = this.overflowScratch();
    for (let i = 0; i < n; i++) {
      const lid = lids[i] as number;
      const from = i * per;
      const len = Math.min(per, value.length - from);
      page.fill(0, 0, PAGE_HEADER_BYTES);
      page[H_TYPE] = PageType.Overflow;
      page.writeUInt32LE(lid, 12);
      page.writeUInt32LE(lids[i + 1] ?? 0, H_LINK1);
      page.writeUInt32LE(len, H_CONTENT);
      value.copy(page, PAGE_HEADER_BYTES, from, from + len);
      page.fill(0, PAGE_HEADER_BYTES + len);
      sealPage(page);
      const p = this.allocPhys();
      this.phys[lid] = p;
      this.dirtyChunks.add(Math.floor(lid / this.entriesPerMapPage));
      this.writePhysical(p, page);
    }
    const ref = Buffer.alloc(OVERFLOW_REF_BYTES);
    ref.writeUInt32LE(lids[0] as number, 0);
    ref.writeUInt32LE(value.length, 4);
    return ref;
  }

  private scratchPage: Buffer | undefined;
  private overflowScratch(): Buffer {
    this.scratchPage ??= Buffer.alloc(this.pageSize);
    return this.scratchPage;
  }

  /** Reads and verifies overflow page lid into the scratch page; returns it. */
  private readOverflowPage(lid: number, what: string): Buffer {
    if (lid <= 0 || lid >= this.nextLid || this.phys[lid] === 0) throw this.corrupt(`${what} names unallocated page ${lid}`);
    const p = this.phys[lid] as number;
    const page = this.overflowScratch();
    this.readPhysical(p, page, `overflow page ${lid} (physical ${p})`);
    if (page[H_TYPE] !== PageType.Overflow || pageLid(page) !== lid) {
      throw this.corrupt(`page ${lid} (physical ${p}) holds type ${page[H_TYPE]} page ${pageLid(page)}, not an overflow page`);
    }
    return page;
  }

  /** The value a PutOverflow reference names, verified page by page. */
  readOverflow(ref: Buffer): Buffer {
    const first = ref.readUInt32LE(0);
    const total = ref.readUInt32LE(4);
    const out = Buffer.allocUnsafe(total);
    let at = 0;
    let lid = first;
    do {
      const page = this.readOverflowPage(lid, `overflow value of ${total} bytes at page ${first}`);
      const len = page.readUInt32LE(H_CONTENT);
      if (len > this.pageSize - PAGE_HEADER_BYTES || at + len > total) throw this.corrupt(`overflow page ${lid} holds more than its value`);
      page.copy(out, at, PAGE_HEADER_BYTES, PAGE_HEADER_BYTES + len);
      at += len;
      lid = page.readUInt32LE(H_LINK1);
    } while (lid !== 0);
    if (at !== total) throw this.corrupt(`overflow chain at page ${first} holds ${at} of ${total} bytes`);
    return out;
  }

  /** Frees every page of the chain a PutOverflow reference names. */
  freeOverflow(ref: Buffer): void {
    const first = ref.readUInt32LE(0);
    const lids: number[] = [];
    let lid = first;
    do {
      lids.push(lid);
      lid = this.readOverflowPage(lid, `overflow chain at page ${first}`).readUInt32LE(H_LINK1);
      if (lids.length > this.nextLid) throw this.corrupt(`overflow chain at page ${first} loops`);
    } while (lid !== 0);
    for (const l of lids) this.free(l);
  }

  markDirty(lid: number): void {
    assert(this.cache.has(lid), `page ${lid} is cached when dirtied`);
    this.cache.markDirty(lid);
  }

  /** Releases a logical page (invariant 3 decides when its physical page is reusable). */
  free(lid: number): void {
    this.releasePhys(this.phys[lid] as number);
    this.phys[lid] = 0;
    this.dirtyChunks.add(Math.floor(lid / this.entriesPerMapPage));
    this.cache.forget(lid);
    this.freeLids.push(lid);
  }

  private releasePhys(p: number): void {
    if (p === 0) return;
    if (this.shadow.delete(p)) this.freePhys.push(p);
    else this.pendingFree.push(p);
  }

  private allocPhys(): number {
    const p = this.freePhys.pop() ?? this.pageCount++;
    this.shadow.add(p);
    return p;
  }

  private writePhysical(p: number, page: Buffer): void {
    this.data.write(page, 0, this.pageSize, p * this.pageSize);
    this.pageWrites++;
    this.bytesWritten += this.pageSize;
  }

  /** Writes a dirty page to its shadow location (invariant 2) and marks it clean. */
  private writeOut(lid: number, page: Buffer): void {
    const t = page[H_TYPE];
    assert((t === PageType.Leaf || t === PageType.Internal) && pageLid(page) === lid, `page ${lid} image is well-formed before write`);
    sealPage(page);
    let p = this.phys[lid] as number;
    if (!this.shadow.has(p)) {
      const fresh = this.allocPhys();
      this.releasePhys(p);
      p = fresh;
      this.phys[lid] = p;
      this.dirtyChunks.add(Math.floor(lid / this.entriesPerMapPage));
    }
    this.writePhysical(p, page);
    this.cache.clean(lid);
  }

  /** Evicts least recently used pages (spilling dirty ones) until the cache is within budget. */
  relieve(): void {
    if (!this.cache.overBudget()) return;
    const victims = this.cache.victims(this.cache.size - this.cache.capacityPages);
    for (const lid of victims) {
      if (this.cache.isDirty(lid)) {
        const page = this.cache.peek(lid) as Buffer;
        this.writeOut(lid, page);
        this.cache.spills++;
      }
      this.cache.evict(lid);
    }
  }

  /**
   * Makes the current image durable: dirty pages and map pages to shadow locations, fsync, then
   * the manifest (temp, fsync, rename, fsync dir). On failure the previous manifest stays the
   * durable one and this pager stays usable (a later checkpoint retries).
   */
  async checkpoint(): Promise<void> {
    for (const lid of this.cache.dirtyIds()) this.writeOut(lid, this.cache.peek(lid) as Buffer);
    const chunks = Math.ceil(this.nextLid / this.entriesPerMapPage);
    for (let c = 0; c < chunks; c++) if (this.mapPhys[c] === undefined) this.dirtyChunks.add(c);
    const page = Buffer.alloc(this.pageSize);
    for (const c of [...this.dirtyChunks].sort((a, b) => a - b)) {
      page.fill(0);
      page[H_TYPE] = PageType.Map;
      page.writeUInt32LE(c, 12);
      const first = c * this.entriesPerMapPage;
      const n = Math.max(0, Math.min(this.entriesPerMapPage, this.nextLid - first));
      for (let i = 0; i < n; i++) page.writeUInt32LE(this.phys[first + i] as number, PAGE_HEADER_BYTES + 4 * i);
      sealPage(page);
      let p = this.mapPhys[c] ?? 0;
      if (!this.shadow.has(p)) {
        const fresh = this.allocPhys();
        this.releasePhys(p);
        p = fresh;
        this.mapPhys[c] = p;
      }
      this.writePhysical(p, page);
      this.dirtyChunks.delete(c);
    }
    // Everything below the first await is fixed now: the manifest image, and the pages it names
    // stop being shadow pages, so writes that run while we wait copy them instead (invariant 2).
    const manifest = this.manifest();
    const toFree = this.pendingFree;
    this.pendingFree = [];
    this.shadow.clear();
    try {
      await this.data.fsync();
      await writeManifest(this.fs, this.dir, manifest);
    } catch (e) {
      this.pendingFree.push(...toFree);
      throw e;
    }
    for (const p of toFree) this.freePhys.push(p);
  }

  stats(): PagerStats {
    return {
      ...this.cache.stats(),
      pageReads: this.pageReads,
      pageWrites: this.pageWrites,
      bytesWritten: this.bytesWritten,
      filePages: this.pageCount,
      freePages: this.freePhys.length + this.pendingFree.length,
    };
  }

  /** Physical page currently holding logical page lid (0 = not yet written); for tests and tools. */
  physicalOf(lid: number): number {
    return this.phys[lid] ?? 0;
  }

  /** Logical pages in use (for tests and space accounting). */
  livePages(): number {
    return this.nextLid - 1 - this.freeLids.length;
  }

  close(): void {
    this.data.close();
    this.lock.release();
  }
}
