// In-memory ordered key/value state machine: proves the replicated path end to end and stays
// as a test fixture once the storage engine lands. Deterministic: no clock, no randomness;
// malformed commands produce an error result (never throw: every replica must agree).

import { KodiakError, SqlState } from "../../util/index.js";
import { KvCommand, KvResult } from "../../proto/gen/raft.js";
import type { AppliedCommand, StateMachine } from "./api.js";

/** Bound on one scan's result, so a careless caller cannot copy the whole store. */
export const MAX_SCAN_ROWS = 10_000;

function keyString(k: Uint8Array): string {
  return Buffer.from(k.buffer, k.byteOffset, k.byteLength).toString("latin1");
}

function keyBytes(s: string): Uint8Array {
  return Buffer.from(s, "latin1");
}

export class MemoryKvStateMachine implements StateMachine {
  // Sorted keys (latin1 strings compare like their bytes) plus the values.
  private keys: string[] = [];
  private readonly values = new Map<string, Uint8Array>();

  apply(cmd: AppliedCommand): Uint8Array {
    return KvResult.encode(this.applyDecoded(cmd)).finish();
  }

  private applyDecoded(cmd: AppliedCommand): KvResult {
    let c: KvCommand;
    try {
      c = KvCommand.decode(cmd.command);
    } catch {
      return { ok: false, found: false, value: Buffer.alloc(0), current: Buffer.alloc(0), index: cmd.index };
    }
    const base = { index: cmd.index, value: Buffer.alloc(0), current: Buffer.alloc(0) };
    if (c.put !== undefined) {
      this.set(c.put.key, c.put.value);
      return { ...base, ok: true, found: true };
    }
    if (c.delete !== undefined) {
      const found = this.remove(c.delete.key);
      return { ...base, ok: true, found };
    }
    if (c.cas !== undefined) {
      const cur = this.get(c.cas.key);
      const matches = c.cas.expectAbsent ? cur === undefined : cur !== undefined && Buffer.compare(cur, c.cas.expected) === 0;
      if (matches) this.set(c.cas.key, c.cas.value);
      return { ...base, ok: matches, found: cur !== undefined, current: matches || cur === undefined ? Buffer.alloc(0) : Buffer.from(cur) };
    }
    return { ...base, ok: false, found: false };
  }

  get(key: Uint8Array): Uint8Array | undefined {
    return this.values.get(keyString(key));
  }

  /** Keys in [start, end) in byte order, at most `limit` (bounded by MAX_SCAN_ROWS). */
  scan(start: Uint8Array, end: Uint8Array | undefined, limit: number): Array<{ key: Uint8Array; value: Uint8Array }> {
    if (limit > MAX_SCAN_ROWS) throw new KodiakError(SqlState.programLimitExceeded, `scan limit ${limit} exceeds ${MAX_SCAN_ROWS}`);
    const out: Array<{ key: Uint8Array; value: Uint8Array }> = [];
    const endS = end === undefined ? undefined : keyString(end);
    for (let i = this.lowerBound(keyString(start)); i < this.keys.length && out.length < limit; i++) {
      const k = this.keys[i] as string;
      if (endS !== undefined && k >= endS) break;
      out.push({ key: keyBytes(k), value: this.values.get(k) as Uint8Array });
    }
    return out;
  }

  size(): number {
    return this.keys.length;
  }

  snapshot(): Uint8Array {
    // [u32 klen][key][u32 vlen][value]... in key order: the same state gives the same bytes.
    let total = 0;
    for (const k of this.keys) total += 8 + k.length + (this.values.get(k) as Uint8Array).byteLength;
    const out = Buffer.alloc(total);
    let at = 0;
    for (const k of this.keys) {
      const v = this.values.get(k) as Uint8Array;
      at = out.writeUInt32BE(k.length, at);
      at += out.write(k, at, "latin1");
      at = out.writeUInt32BE(v.byteLength, at);
      out.set(v, at);
      at += v.byteLength;
    }
    return out;
  }

  restore(image: Uint8Array): void {
    const buf = Buffer.from(image.buffer, image.byteOffset, image.byteLength);
    const keys: string[] = [];
    const values = new Map<string, Uint8Array>();
    let at = 0;
    const need = (n: number): void => {
      if (at + n > buf.length) throw new KodiakError(SqlState.dataCorrupted, `kv snapshot image truncated at byte ${at}`);
    };
    while (at < buf.length) {
      need(4);
      const kl = buf.readUInt32BE(at);
      at += 4;
      need(kl + 4);
      const k = buf.toString("latin1", at, at + kl);
      at += kl;
      const vl = buf.readUInt32BE(at);
      at += 4;
      need(vl);
      if (keys.length > 0 && (keys[keys.length - 1] as string) >= k) {
        throw new KodiakError(SqlState.dataCorrupted, `kv snapshot image keys out of order at byte ${at}`);
      }
      keys.push(k);
      values.set(k, Uint8Array.from(buf.subarray(at, at + vl)));
      at += vl;
    }
    this.keys = keys;
    this.values.clear();
    for (const [k, v] of values) this.values.set(k, v);
  }

  private set(key: Uint8Array, value: Uint8Array): void {
    const k = keyString(key);
    if (!this.values.has(k)) this.keys.splice(this.lowerBound(k), 0, k);
    this.values.set(k, Uint8Array.from(value));
  }

  private remove(key: Uint8Array): boolean {
    const k = keyString(key);
    if (!this.values.delete(k)) return false;
    this.keys.splice(this.lowerBound(k), 1);
    return true;
  }

  private lowerBound(k: string): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.keys[mid] as string) < k) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
