// `{name}` interpolation reaches SQL only as bound parameters ($n with the variable's type) or,
// in relation position, as one quoted identifier — never as pasted text (section 5.2).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { newSession, runScript } from "./harness.js";

describe("interpolation into SQL", () => {
  it("value position becomes a typed bound parameter", async () => {
    const { session, host } = newSession();
    await runScript("SET v = 'a''); DROP TABLE p; --'; SELECT count(*) FROM p WHERE name = {v};", session);
    const last = host.executed[host.executed.length - 1]!;
    assert.equal(last.sql, "SELECT count(*) FROM p WHERE name = $1");
    assert.deepEqual(last.params, ["a'); DROP TABLE p; --"]);
  });
  it("relation position becomes one quoted identifier", async () => {
    const { session, host } = newSession();
    await runScript("SET tn = 'p; DROP TABLE \"x\"'; FROM {tn};", session);
    assert.equal(host.executed[0]!.sql, 'FROM "p; DROP TABLE ""x"""');
    assert.deepEqual(host.executed[0]!.params, []);
  });
  it("relation position needs TEXT (42804) and not NULL (22004)", async () => {
    const out = await runScript("SET tn = 7; FROM {tn}; SET tn = NULL::TEXT; FROM {tn};");
    assert.deepEqual(
      out.map((o) => ("error" in o ? o.error : "ok")),
      ["ok", "42804", "ok", "22004"],
    );
  });
  it("any other position is a syntax error, and '{x}' in a string is text", async () => {
    const out = await runScript("SET c = 'id'; SELECT 1 FROM t ORDER BY {c}.x; CREATE INDEX ON {c} (a); SELECT '{c}';");
    assert.deepEqual(
      out.map((o) => ("error" in o ? o.error : o.rows)),
      [[], "42601", "42601", [["{c}"]]],
    );
  });
  it("fields of variables and NEW-like structs can be interpolated", async () => {
    const { session, host } = newSession();
    await runScript("SET p = {id: 4, name: 'x'}; INSERT INTO t VALUES ({p.id}, {p.name});", session);
    assert.equal(host.executed[0]!.sql, "INSERT INTO t VALUES ($1, $2)");
    assert.deepEqual(host.executed[0]!.params, [4, "x"]);
  });
  it("PL bodies send their SQL with parameters too", async () => {
    const { session, host } = newSession();
    await runScript("DO { LET k = 42; TRY { DELETE FROM t WHERE id = {k} } CATCH { _ => NULL } };", session);
    const del = host.executed.find((e) => e.sql.startsWith("DELETE"));
    assert.deepEqual(del, { sql: "DELETE FROM t WHERE id = $1", params: [42] });
  });
});
