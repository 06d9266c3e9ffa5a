// What operators need to decide when to spill: the work_mem budget, the session's temp space and
// a cheap estimate of how many bytes a row occupies on the JS heap. Estimates, not measurements:
// they only have to grow with the data so that work_mem bounds the operator's working set.
import { Decimal } from "../../types/decimal.js";
import type { Row, Value } from "../../types/values.js";
import type { TempSpace } from "./temp-space.js";

export interface SpillContext {
  /** work_mem in bytes: the most one sort, hash table or aggregation keeps in memory. */
  readonly workMemBytes: number;
  readonly temp: TempSpace;
  /** EXPLAIN ANALYZE lines per operator ("Sort Method: external merge  Disk: 120kB"). */
  readonly notes: Map<object, string[]>;
}

/** Fixed cost of a row array and of one slot in it (V8: header + pointer per element). */
const ROW_OVERHEAD_BYTES = 32;
const SLOT_BYTES = 8;

export function estimateValueBytes(v: Value): number {
  if (v === null || typeof v === "boolean") return 0;
  if (typeof v === "number") return 16;
  if (typeof v === "string") return 24 + v.length;
  if (typeof v === "bigint") return 24;
  if (v instanceof Decimal) return 64;
  if (v instanceof Uint8Array) return 96 + v.length;
  let n = ROW_OVERHEAD_BYTES;
  for (const e of v) n += SLOT_BYTES + estimateValueBytes(e);
  return n;
}

export function estimateRowBytes(row: Row): number {
  let n = ROW_OVERHEAD_BYTES;
  for (const v of row) n += SLOT_BYTES + estimateValueBytes(v);
  return n;
}

/** Rows measured exactly before the meter starts sampling. */
const METER_EXACT_ROWS = 256;
/** After that, one row in this many is measured and counted for all of them. */
const METER_SAMPLE_EVERY = 16;

/**
 * Running byte estimate of a stream of rows that measures the first rows exactly and then one row
 * in METER_SAMPLE_EVERY, so operators that never spill pay little for knowing they need not.
 */
export class RowSizeMeter {
  bytes = 0;
  private n = 0;
  add(row: Row): number {
    const i = this.n++;
    if (i < METER_EXACT_ROWS) this.bytes += estimateRowBytes(row);
    else if (i % METER_SAMPLE_EVERY === 0) this.bytes += METER_SAMPLE_EVERY * estimateRowBytes(row);
    return this.bytes;
  }
  reset(): void {
    this.bytes = 0;
    this.n = 0;
  }
}

/** Records an EXPLAIN ANALYZE line for an operator (kept once per distinct text). */
export function noteSpill(ctx: SpillContext | undefined, node: object, line: string): void {
  if (!ctx) return;
  const lines = ctx.notes.get(node) ?? [];
  if (!lines.includes(line)) lines.push(line);
  ctx.notes.set(node, lines);
}

export function kilobytes(bytes: number): string {
  return `${Math.ceil(bytes / 1024)}kB`;
}
