// Output formats of `kodiak sql`: psql-like tables, CSV quoting, jsonl lines (exact shape from the
// SQL issue), and the caret under an error position.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatError, locate } from "../../../client/cli/caret.js";
import { commandTag, formatCsv, formatLine, formatTable, jsonlError, jsonlLine } from "../../../client/cli/format.js";
import type { Outcome } from "../../../client/cli/outcome.js";
import { KodiakError } from "../../../util/index.js";

const query: Outcome = {
  command: "SELECT",
  rowCount: 2,
  columns: [
    { name: "id", type: "int4" },
    { name: "name", type: "text" },
    { name: "big", type: "int8" },
    { name: "price", type: "numeric" },
  ],
  rows: [
    [1, "alice", 9007199254740993n, "1.50"],
    [22, null, 5n, "-0.25"],
  ],
  notices: [],
};

describe("output formats", () => {
  it("aligns a table like psql: centered headers, right-aligned numbers, a row count", () => {
    assert.equal(
      formatTable(query),
      [
        " id | name  |       big        | price",
        "----+-------+------------------+-------",
        "  1 | alice | 9007199254740993 |  1.50",
        " 22 |       |                5 | -0.25",
        "(2 rows)",
        "",
        "",
      ].join("\n"),
    );
    assert.equal(formatTable({ ...query, rows: [query.rows[0]!] }).includes("(1 row)"), true);
  });

  it("prints command tags as psql does", () => {
    const cmd = (command: string, rowCount: number): Outcome => ({ command, rowCount, columns: undefined, rows: [], notices: [] });
    assert.equal(commandTag(cmd("INSERT", 3)), "INSERT 0 3");
    assert.equal(commandTag(cmd("UPDATE", 2)), "UPDATE 2");
    assert.equal(commandTag(cmd("CREATE TABLE", 0)), "CREATE TABLE");
    assert.equal(formatTable(cmd("DELETE", 0)), "DELETE 0\n");
  });

  it("quotes CSV fields that need it and leaves NULL empty", () => {
    const o: Outcome = { ...query, columns: [{ name: "a", type: "text" }], rows: [['say "hi", ok'], [null], [""]] };
    assert.equal(formatCsv(o), 'a\n"say ""hi"", ok"\n\n""\n');
  });

  it("prints line mode as column = value blocks", () => {
    assert.equal(formatLine({ ...query, rows: [query.rows[1]!] }), "   id = 22\n name = NULL\n  big = 5\nprice = -0.25\n");
  });

  it("writes jsonl exactly as specified: columns/types/rows, command/rows_affected, error", () => {
    assert.equal(
      jsonlLine(query),
      '{"columns":["id","name","big","price"],"types":["int4","text","int8","numeric"],"rows":[[1,"alice","9007199254740993","1.50"],[22,null,5,"-0.25"]]}\n',
    );
    assert.equal(
      jsonlLine({ command: "INSERT", rowCount: 4, columns: undefined, rows: [], notices: [] }),
      '{"command":"INSERT","rows_affected":4}\n',
    );
    assert.equal(
      jsonlError(new KodiakError("42P01", 'relation "t" does not exist', { position: 15 })),
      '{"error":{"code":"42P01","message":"relation \\"t\\" does not exist","position":15}}\n',
    );
    assert.equal(jsonlError(new KodiakError("57014", "canceled")), '{"error":{"code":"57014","message":"canceled"}}\n');
    const special: Outcome = {
      ...query,
      columns: [
        { name: "f", type: "float8" },
        { name: "b", type: "bool" },
        { name: "x", type: "bytea" },
        { name: "a", type: "_int8" },
      ],
      rows: [[Number.NaN, true, new Uint8Array([1, 255]), [1n, null]]],
    };
    assert.equal(JSON.parse(jsonlLine(special)).rows[0].join("|"), "NaN|true|\\x01ff|1,");
    assert.deepEqual(JSON.parse(jsonlLine(special)).rows[0][3], [1, null]);
  });
});

describe("error caret", () => {
  it("finds the line and column of a 1-based position", () => {
    assert.deepEqual(locate("SELECT *\nFROM nope\nWHERE x", 15), { line: 2, text: "FROM nope", column: 5 });
    assert.deepEqual(locate("SELECT 1", 1), { line: 1, text: "SELECT 1", column: 0 });
  });

  it("puts the caret under the offending character, after the LINE prefix", () => {
    const err = new KodiakError("42P01", 'relation "nope" does not exist', { position: 15, hint: "check the name" });
    assert.equal(
      formatError(err, "SELECT * FROM nope"),
      [
        'ERROR:  42P01: relation "nope" does not exist',
        "LINE 1: SELECT * FROM nope",
        "                      ^",
        "HINT:  check the name",
        "",
      ].join("\n"),
    );
    const multi = formatError(new KodiakError("42703", "column x", { position: 24 }), "SELECT *\nFROM t\nWHERE  x = 1");
    assert.equal(multi.split("\n")[1], "LINE 3: WHERE  x = 1");
    assert.equal(multi.split("\n")[2]!.indexOf("^"), "LINE 3: WHERE  ".length);
  });

  it("shows no caret without a position", () => {
    assert.equal(formatError(new KodiakError("40001", "conflict"), "COMMIT"), "ERROR:  40001: conflict\n");
  });
});
