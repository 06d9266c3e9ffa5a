// Row triggers through TriggerRuntime with a fake table: BEFORE may change NEW, skip with
// RETURN NULL or reject with RAISE; AFTER sees NEW read-only; WHEN filters; nesting is bounded.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { SqlValue } from "../../../sql/api.js";
import { Budget, type HostResult, MemoryCatalog, PlSession, type PlType, type PlValue, TriggerRuntime } from "../../../sql/pl/index.js";
import { KodiakError, systemClock } from "../../../util/index.js";
import { StubHost } from "./harness.js";

const rowType: PlType = {
  k: "struct",
  name: null,
  fields: [
    { name: "id", type: { k: "int32" } },
    { name: "qty", type: { k: "int32" } },
  ],
};
const row = (id: number, qty: number | null): PlValue => ({
  t: rowType,
  v: {
    fields: new Map<string, PlValue>([
      ["id", { t: { k: "int32" }, v: id }],
      ["qty", { t: { k: "int32" }, v: qty }],
    ]),
  },
});
const qtyOf = (r: PlValue | null) => (r === null ? "skipped" : (r.v as { fields: Map<string, PlValue> }).fields.get("qty")!.v);

function setup(host = new StubHost()) {
  const catalog = new MemoryCatalog();
  const session = new PlSession({
    host,
    catalog,
    clock: systemClock,
    tableRowType: (t) => (t === "it" || t === "r" ? rowType : undefined),
  });
  const runtime = new TriggerRuntime(catalog);
  const env = session.env(Budget.unlimited(systemClock));
  const run = async (sql: string) => {
    for await (const _ of session.run(sql)) {
      // drain
    }
  };
  return { session, runtime, env, run, catalog };
}

describe("triggers", () => {
  it("BEFORE may change NEW (PLG-067 logic)", async () => {
    const { runtime, env, run } = setup();
    await run("CREATE TRIGGER clamp BEFORE INSERT OR UPDATE ON it { IF NEW.qty < 0 { SET NEW.qty = 0 } };");
    assert.equal(qtyOf(runtime.before("it", "INSERT", { old: null, new: row(1, -5) }, env)), 0);
    assert.equal(qtyOf(runtime.before("it", "UPDATE", { old: row(1, 0), new: row(1, 7) }, env)), 7);
  });
  it("RETURN NULL skips the row, RAISE rejects it (PLG-068/069 logic)", async () => {
    const { runtime, env, run } = setup();
    await run(
      "CREATE TYPE too_big AS EXCEPTION('too big'); CREATE TRIGGER a_skip BEFORE INSERT ON it { IF NEW.qty = 0 { RETURN NULL } }; CREATE TRIGGER b_cap BEFORE INSERT ON it { IF NEW.qty > 100 { RAISE too_big } };",
    );
    assert.equal(qtyOf(runtime.before("it", "INSERT", { old: null, new: row(1, 0) }, env)), "skipped");
    assert.equal(qtyOf(runtime.before("it", "INSERT", { old: null, new: row(2, 3) }, env)), 3);
    assert.throws(() => runtime.before("it", "INSERT", { old: null, new: row(3, 500) }, env), {
      code: "P0001",
      message: "too_big: too big",
    });
  });
  it("a trailing expression does not replace the row; RETURN row does", async () => {
    const { runtime, env, run } = setup();
    await run(
      "CREATE TRIGGER t1 BEFORE INSERT ON it { {id: 9, qty: 9} }; CREATE TRIGGER t2 BEFORE UPDATE ON it { RETURN {id: NEW.id, qty: 42} };",
    );
    assert.equal(qtyOf(runtime.before("it", "INSERT", { old: null, new: row(1, 1) }, env)), 1);
    assert.equal(qtyOf(runtime.before("it", "UPDATE", { old: row(1, 1), new: row(1, 2) }, env)), 42);
  });
  it("EXECUTE FUNCTION runs a RETURNS TRIGGER function (PLG-072 logic) and AFTER cannot assign NEW (55000)", async () => {
    const { runtime, env, run } = setup();
    await run(
      "CREATE FUNCTION stamp() RETURNS TRIGGER { SET NEW.qty = 77 }; CREATE TRIGGER st BEFORE INSERT ON it EXECUTE FUNCTION stamp(); CREATE TRIGGER af AFTER INSERT ON it { SET NEW.qty = 1 };",
    );
    assert.equal(qtyOf(runtime.before("it", "INSERT", { old: null, new: row(1, null) }, env)), 77);
    assert.throws(() => runtime.after("it", "INSERT", [{ old: null, new: row(1, 77) }], env), { code: "55000" });
  });
  it("definition errors: missing table 42P01, missing function 42883, duplicate 42710, DROP missing 42704, WHEN on OLD for INSERT 42P17", async () => {
    const { run } = setup();
    await assert.rejects(run("CREATE TRIGGER t BEFORE INSERT ON missing_table { };"), { code: "42P01" });
    await assert.rejects(run("CREATE TRIGGER t BEFORE INSERT ON it EXECUTE FUNCTION nope();"), { code: "42883" });
    await run("CREATE TRIGGER t BEFORE INSERT ON it { };");
    await assert.rejects(run("CREATE TRIGGER t BEFORE INSERT ON it { };"), { code: "42710" });
    await run("DROP TRIGGER IF EXISTS nope ON it;");
    await assert.rejects(run("DROP TRIGGER nope ON it;"), { code: "42704" });
    await assert.rejects(run("CREATE TRIGGER w BEFORE INSERT ON it WHEN (OLD.qty > 1) { };"), { code: "42P17" });
    await assert.rejects(run("CREATE TRIGGER s BEFORE INSERT ON it FOR EACH STATEMENT { };"), { code: "0A000" });
  });
  for (const [limit, expectError] of [
    [17, false],
    [18, true],
  ] as const) {
    it(`triggers firing triggers: chain to ${limit} ${expectError ? "exceeds" : "stays within"} depth 16 (PLG-07${limit === 17 ? 5 : 6} logic)`, async () => {
      let inserted = 0;
      const holder: { rt?: TriggerRuntime; env?: ReturnType<PlSession["env"]> } = {};
      const host = new (class extends StubHost {
        override execute(sql: string, params: readonly { value: SqlValue }[]): HostResult {
          if (!sql.startsWith("INSERT INTO r")) return super.execute(sql, params);
          const n = Number(params[0]!.value) + 1;
          inserted++;
          holder.rt!.after("r", "INSERT", [{ old: null, new: row(n, n) }], holder.env!);
          return { rowCount: 1 };
        }
      })();
      const { runtime, env, run } = setup(host);
      holder.rt = runtime;
      holder.env = env;
      await run(`CREATE TRIGGER chain AFTER INSERT ON r WHEN (NEW.id < ${limit}) { INSERT INTO r VALUES ({NEW.id} + 1) };`);
      inserted = 1;
      const p = () => runtime.after("r", "INSERT", [{ old: null, new: row(1, 1) }], env);
      if (expectError) assert.throws(p, (e: unknown) => e instanceof KodiakError && e.code === "54001");
      else {
        p();
        assert.equal(inserted, 17);
      }
    });
  }
});
