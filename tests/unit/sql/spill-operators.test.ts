// The spilling operators driven directly with a tiny work_mem: multi-pass external merge sort stays
// stable, a hash join on one skewed key (cannot be split by partitioning) still gives the in-memory
// result, and every temp file is gone afterwards.
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import type { Col, Env } from "../../../sql/plan/context.js";
import { HashJoinNode, type JoinType } from "../../../sql/plan/nodes.js";
import { MERGE_FANIN_MAX, type SpillContext, SpillingHashJoinNode, sortRowsBounded, TempSpace } from "../../../sql/plan/spill/index.js";
import { RowsNode } from "../../../sql/plan/spill/hash-join.js";
import { T } from "../../../sql/types/types.js";
import type { Row } from "../../../sql/types/values.js";
import { nodeFileSystem } from "../../../util/index.js";

const dir = mkdtempSync(join(tmpdir(), "kodiak-spill-ops-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function spillContext(workMemBytes: number): SpillContext {
  return { workMemBytes, temp: new TempSpace(nodeFileSystem, dir), notes: new Map() };
}

function env(spill: SpillContext | undefined): Env {
  return {
    params: [],
    outer: [],
    txn: undefined as never,
    catalog: undefined as never,
    cache: new Map(),
    signal: undefined,
    stats: undefined,
    spill,
  };
}

test("external merge sort over more runs than one merge takes is stable and equals Array.sort", () => {
  const rows: Row[] = [];
  for (let i = 0; i < 30_000; i++) rows.push([(i * 7919) % 97, `r${i}`, i]);
  const cmp = (a: Row, b: Row) => (a[0] as number) - (b[0] as number);
  const ctx = spillContext(4096);
  const node = {};
  const sorted = sortRowsBounded(rows, cmp, ctx, node);
  assert.deepEqual(sorted, rows.slice().sort(cmp));
  assert.match(ctx.notes.get(node)?.[0] ?? "", /^Sort Method: external merge {2}Disk: \d+kB$/);
  assert.ok(30_000 * 40 > 4096 * MERGE_FANIN_MAX, "the input must need more than one merge pass");
  assert.equal(ctx.temp.openFiles, 0);
  assert.deepEqual(readdirSync(dir), []);
});

test("a grace hash join on one skewed key, with NULL keys, equals the in-memory join for every join type", () => {
  const cols = (n: string): Col[] => [
    { rel: n, name: "k", type: T.int4 },
    { rel: n, name: "v", type: T.text },
  ];
  const left: Row[] = [];
  const right: Row[] = [];
  for (let i = 0; i < 300; i++) left.push([i % 10 === 0 ? null : i < 200 ? 1 : i, `l${i}`]);
  for (let i = 0; i < 200; i++) right.push([i % 7 === 0 ? null : i < 100 ? 1 : i + 150, `r${i}`]);
  const key = (r: Row) => r[0];
  const canon = (rs: Row[]) => rs.map((r) => JSON.stringify(r)).sort();
  for (const type of ["inner", "left", "right", "full", "semi", "anti"] as JoinType[]) {
    const args = [new RowsNode(cols("a"), left), new RowsNode(cols("b"), right), type, [key], [key], undefined, ""] as const;
    const expected = new HashJoinNode(...args).run(env(undefined));
    const ctx = spillContext(2048);
    const node = new SpillingHashJoinNode(...args);
    const got = node.run(env(ctx));
    assert.deepEqual(canon(got), canon(expected), type);
    assert.match(ctx.notes.get(node)?.[0] ?? "", /^Batches: \d+ {2}Disk Usage: \d+kB$/, type);
    assert.equal(ctx.temp.openFiles, 0);
  }
  assert.deepEqual(readdirSync(dir), []);
});
