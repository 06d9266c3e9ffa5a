// Reference model for storage tests: a sorted in-memory MVCC map with the engine's documented
// semantics (versions by commit timestamp, tombstones, range deletes that tombstone live keys).
// Deliberately naive and obviously correct; never used by production code.

import type { WriteOp } from "../../storage/index.js";

interface Version {
  ts: number;
  value: Buffer | null;
}

export class MvccModel {
  private readonly keys = new Map<string, Version[]>();

  clone(): MvccModel {
    const m = new MvccModel();
    for (const [k, v] of this.keys)
      m.keys.set(
        k,
        v.map((x) => ({ ...x })),
      );
    return m;
  }

  private setVersion(hex: string, ts: number, value: Buffer | null): void {
    let vs = this.keys.get(hex);
    if (vs === undefined) {
      vs = [];
      this.keys.set(hex, vs);
    }
    const top = vs[0];
    if (top !== undefined && top.ts === ts) top.value = value;
    else vs.unshift({ ts, value });
  }

  apply(ops: readonly WriteOp[], ts: number): void {
    for (const op of ops) {
      if (op.type === "put") this.setVersion(Buffer.from(op.key).toString("hex"), ts, Buffer.from(op.value));
      else if (op.type === "delete") this.setVersion(Buffer.from(op.key).toString("hex"), ts, null);
      else {
        for (const [hex, vs] of this.keys) {
          const k = Buffer.from(hex, "hex");
          if (Buffer.compare(k, Buffer.from(op.start)) < 0) continue;
          if (op.end !== undefined && Buffer.compare(k, Buffer.from(op.end)) >= 0) continue;
          if (vs[0]?.value !== null && vs[0] !== undefined) this.setVersion(hex, ts, null);
        }
      }
    }
  }

  get(key: Uint8Array, ts: number): Buffer | undefined {
    const vs = this.keys.get(Buffer.from(key).toString("hex"));
    const v = vs?.find((x) => x.ts <= ts);
    return v?.value ?? undefined;
  }

  latestCommitTs(key: Uint8Array): number {
    return this.keys.get(Buffer.from(key).toString("hex"))?.[0]?.ts ?? 0;
  }

  scan(
    opts: { start?: Uint8Array; end?: Uint8Array; prefix?: Uint8Array; reverse?: boolean; limit?: number },
    ts: number,
  ): [string, string][] {
    const out: [string, string][] = [];
    const sorted = [...this.keys.keys()].map((h) => Buffer.from(h, "hex")).sort(Buffer.compare);
    for (const k of sorted) {
      if (opts.start !== undefined && Buffer.compare(k, Buffer.from(opts.start)) < 0) continue;
      if (opts.end !== undefined && Buffer.compare(k, Buffer.from(opts.end)) >= 0) continue;
      if (opts.prefix !== undefined && !k.subarray(0, opts.prefix.length).equals(Buffer.from(opts.prefix))) continue;
      const v = this.get(k, ts);
      if (v !== undefined) out.push([k.toString("hex"), v.toString("hex")]);
    }
    if (opts.reverse) out.reverse();
    return opts.limit === undefined ? out : out.slice(0, opts.limit);
  }

  allKeys(): Buffer[] {
    return [...this.keys.keys()].map((h) => Buffer.from(h, "hex")).sort(Buffer.compare);
  }
}
