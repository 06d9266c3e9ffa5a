// The CLI's incremental statement splitter: ';' ends a statement only outside quotes, comments
// and dollar quotes, and statements come out as soon as their ';' arrives.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { StatementSplitter, splitStatements } from "../../../client/cli/split.js";

describe("StatementSplitter", () => {
  it("splits on semicolons outside strings, identifiers, comments and dollar quotes", () => {
    assert.deepEqual(
      splitStatements(
        "SELECT 'a;b'; SELECT \"x;y\" FROM t; -- c;\nSELECT 1 /* x; /* nested; */ y; */ ; SELECT $$a;b$$; SELECT $f$ $$; $f$; SELECT E'it\\'s;'; last",
      ),
      [
        "SELECT 'a;b'",
        'SELECT "x;y" FROM t',
        "-- c;\nSELECT 1 /* x; /* nested; */ y; */",
        "SELECT $$a;b$$",
        "SELECT $f$ $$; $f$",
        "SELECT E'it\\'s;'",
        "last",
      ],
    );
  });

  it("yields each statement as soon as it is complete, across pushes split anywhere", () => {
    const sp = new StatementSplitter();
    assert.deepEqual(sp.push("SELECT 'it''"), []);
    assert.equal(sp.pending, true);
    assert.deepEqual(sp.push("s'; SELECT $a"), ["SELECT 'it''s'"]);
    assert.deepEqual(sp.push("b$ ; $ab$;\n"), ["SELECT $ab$ ; $ab$"]);
    assert.equal(sp.pending, false);
    assert.deepEqual(sp.push("SELECT 1 -"), []);
    assert.deepEqual(sp.push("- x;\n;\nSELECT 2; SELECT"), ["SELECT 1 -- x;", "SELECT 2"]);
    assert.equal(sp.finish(), "SELECT");
    assert.equal(sp.finish(), undefined);
  });

  it("drops empty statements and comment-only input", () => {
    assert.deepEqual(splitStatements(";;  ; -- only a comment\n"), []);
    assert.deepEqual(splitStatements("/* x */ SELECT 1;;"), ["/* x */ SELECT 1"]);
  });
});
