// The INSERT ... VALUES fast path builds exactly the grammar's AST (nodes, positions, statement
// span) for plain literal rows, and declines (undefined) everything it does not fully understand,
// so such text keeps the grammar's behaviour and errors.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { parseFastInsert } from "../../../sql/parser/fast-insert.js";
import { parseWithGrammar } from "../../../sql/parser/parse.js";

const space = fc.constantFrom(" ", "  ", "\n", "\t", " \r\n ");
const literal = fc.oneof(
  fc.integer({ min: -1_000_000, max: 1_000_000 }).map(String),
  fc.constantFrom("0", "007", "-0", "99999999999999999999999", "1.5", "-2.50", "0.00", "123456789.123456789"),
  fc.string({ maxLength: 12 }).map((s) => `'${s.replace(/'/g, "''")}'`),
  fc.constantFrom("NULL", "null", "TRUE", "false", "True", "''", "'it''s'", "'é ü 漢'"),
);

function insertText(): fc.Arbitrary<string> {
  return fc
    .record({
      lead: fc.constantFrom("", " ", "\n  "),
      verb: fc.constantFrom("INSERT INTO", "insert into", "Insert  Into"),
      table: fc.constantFrom("t", "lineitem", "s.t", '"Mixed Case"', 'x."q""uote"', "T_1"),
      cols: fc.option(fc.constantFrom("(a)", "(a, b)", '( "A" ,b_2 )'), { nil: undefined }),
      width: fc.integer({ min: 1, max: 5 }),
      rows: fc.integer({ min: 1, max: 6 }),
      lits: fc.array(literal, { minLength: 30, maxLength: 30 }),
      sp: fc.array(space, { minLength: 8, maxLength: 8 }),
      tail: fc.constantFrom("", ";", " ;", "; ", "\n"),
    })
    .map(({ lead, verb, table, cols, width, rows, lits, sp, tail }) => {
      const rowTexts: string[] = [];
      for (let r = 0; r < rows; r++) {
        const items = Array.from({ length: width }, (_x, c) => lits[(r * width + c) % lits.length]);
        rowTexts.push(`(${sp[r % 8].trim() === "" ? "" : ""}${items.join(r % 2 === 0 ? ", " : `${sp[(r + 1) % 8]},${sp[r % 8]}`)})`);
      }
      return `${lead}${verb} ${table}${cols === undefined ? "" : ` ${cols}`}${sp[0]}VALUES${sp[1]}${rowTexts.join(`,${sp[2]}`)}${tail}`;
    });
}

test("plain literal INSERTs: the fast path builds the grammar's AST exactly", () => {
  fc.assert(
    fc.property(insertText(), (text) => {
      const fast = parseFastInsert(text);
      assert.ok(fast !== undefined, `fast path declined: ${text}`);
      assert.deepStrictEqual(fast, parseWithGrammar(text));
    }),
    { numRuns: 300, seed: 21 },
  );
});

test("anything beyond plain literals is left to the grammar", () => {
  const declined = [
    "INSERT INTO t VALUES (1 + 2)",
    "INSERT INTO t VALUES (-x)",
    "INSERT INTO t VALUES ('a' 'b')",
    "INSERT INTO t VALUES (1e5)",
    "INSERT INTO t VALUES (1_000)",
    "INSERT INTO t VALUES (.5)",
    "INSERT INTO t VALUES (1.)",
    "INSERT INTO t VALUES (E'\\n')",
    "INSERT INTO t VALUES ($1)",
    "INSERT INTO t VALUES (DEFAULT)",
    "INSERT INTO t VALUES ('x'::text)",
    "INSERT INTO t VALUES (DATE '2020-01-01')",
    "INSERT INTO t VALUES (1), (1, 2)",
    "INSERT INTO t VALUES (1) RETURNING *",
    "INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING",
    "INSERT INTO t VALUES (1); SELECT 1",
    "INSERT INTO t VALUES (1) -- comment",
    "INSERT INTO t /* c */ VALUES (1)",
    "INSERT INTO select VALUES (1)",
    "INSERT INTO a.b.c VALUES (1)",
    "INSERT INTO t AS x VALUES (1)",
    "INSERT INTO t DEFAULT VALUES",
    "INSERT INTO t SELECT 1",
    "INSERT INTO t VALUES ()",
    "INSERT INTO t VALUES ('unterminated)",
    "INSERT INTO t VALUES (1",
    "INSERT INTO tä VALUES (1)",
    "WITH x AS (SELECT 1) INSERT INTO t VALUES (1)",
    "SELECT 1",
  ];
  for (const text of declined) assert.equal(parseFastInsert(text), undefined, text);
});
