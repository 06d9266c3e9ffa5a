// Sort that stays within work_mem: rows are gathered until the budget is used, sorted into a run
// on disk, and the runs are merged (several passes when there are more than MERGE_FANIN_MAX).
// Stable like Array.prototype.sort: ties keep input order (earlier run first during merges), so
// the result is identical with or without spilling.
import type { Row } from "../../types/values.js";
import { kilobytes, noteSpill, RowSizeMeter, type SpillContext } from "./memory.js";
import type { SpillFile } from "./temp-space.js";

/** Runs merged at once; each open run holds one read block in memory. */
export const MERGE_FANIN_MAX = 32;

export type RowCompare = (a: Row, b: Row) => number;

export function sortRowsBounded(input: Iterable<Row>, cmp: RowCompare, ctx: SpillContext | undefined, node: object): Row[] {
  let buffer: Row[] = [];
  const meter = new RowSizeMeter();
  const runs: SpillFile[] = [];
  try {
    for (const row of input) {
      buffer.push(row);
      if (ctx && meter.add(row) > ctx.workMemBytes && buffer.length > 1) {
        runs.push(writeRun(buffer, cmp, ctx));
        buffer = [];
        meter.reset();
      }
    }
    if (runs.length === 0) {
      buffer.sort(cmp);
      noteSpill(ctx, node, `Sort Method: quicksort  Memory: ${kilobytes(meter.bytes)}`);
      return buffer;
    }
    if (buffer.length > 0) runs.push(writeRun(buffer, cmp, ctx!));
    buffer = [];
    const disk = runs.reduce((n, r) => n + r.bytes, 0);
    const out = mergeAll(runs, cmp, ctx!);
    noteSpill(ctx, node, `Sort Method: external merge  Disk: ${kilobytes(disk)}`);
    return out;
  } finally {
    for (const r of runs) r.remove();
  }
}

function writeRun(rows: Row[], cmp: RowCompare, ctx: SpillContext): SpillFile {
  rows.sort(cmp);
  const f = ctx.temp.create();
  for (const r of rows) f.write(r);
  f.flush();
  return f;
}

/** Merges runs (in order) until one pass produces the result. */
function mergeAll(runs: SpillFile[], cmp: RowCompare, ctx: SpillContext): Row[] {
  let level = runs.slice();
  while (level.length > MERGE_FANIN_MAX) {
    const next: SpillFile[] = [];
    for (let i = 0; i < level.length; i += MERGE_FANIN_MAX) {
      const group = level.slice(i, i + MERGE_FANIN_MAX);
      const f = ctx.temp.create();
      runs.push(f);
      for (const r of mergeRuns(group, cmp)) f.write(r);
      f.flush();
      for (const g of group) g.remove();
      next.push(f);
    }
    level = next;
  }
  return [...mergeRuns(level, cmp)];
}

interface HeapEntry {
  row: Row;
  run: number;
  it: Iterator<Row>;
}

/** K-way merge with a binary min-heap; ties go to the lower run number (stability). */
export function* mergeRuns(runs: readonly SpillFile[], cmp: RowCompare): Generator<Row> {
  const less = (a: HeapEntry, b: HeapEntry): boolean => {
    const c = cmp(a.row, b.row);
    return c < 0 || (c === 0 && a.run < b.run);
  };
  const heap: HeapEntry[] = [];
  const push = (e: HeapEntry): void => {
    heap.push(e);
    let i = heap.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(heap[i], heap[p])) break;
      [heap[i], heap[p]] = [heap[p], heap[i]];
      i = p;
    }
  };
  const siftDown = (): void => {
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && less(heap[l], heap[m])) m = l;
      if (r < heap.length && less(heap[r], heap[m])) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m], heap[i]];
      i = m;
    }
  };
  runs.forEach((f, run) => {
    const it = f.rows();
    const first = it.next();
    if (!first.done) push({ row: first.value, run, it });
  });
  while (heap.length > 0) {
    const top = heap[0];
    yield top.row;
    const nx = top.it.next();
    if (nx.done) {
      const last = heap.pop()!;
      if (heap.length > 0) {
        heap[0] = last;
        siftDown();
      }
    } else {
      top.row = nx.value;
      siftDown();
    }
  }
}
