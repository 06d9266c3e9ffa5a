// Fuzz: parsing random input (token soup from the PL-Grizzly/SQL vocabulary and raw strings)
// either succeeds or fails with a syntax error (KodiakError 42601) — never anything else.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { KodiakError } from "../../../util/index.js";
import { newSession } from "./harness.js";

const TOKENS = [
  "SELECT",
  "FROM",
  "WHERE",
  "DO",
  "LET",
  "SET",
  "IF",
  "ELSE",
  "MATCH",
  "TRY",
  "CATCH",
  "RAISE",
  "FOR",
  "IN",
  "WHILE",
  "BREAK",
  "CONTINUE",
  "RETURN",
  "CREATE",
  "FUNCTION",
  "TYPE",
  "AS",
  "STRUCT",
  "EXCEPTION",
  "RETURNS",
  "TRIGGER",
  "CRON",
  "JOB",
  "SCHEDULE",
  "AWAIT",
  "ALL",
  "CONTAINS",
  "INSERT",
  "INTO",
  "VALUES",
  "self",
  "x",
  "y",
  "f",
  "INT64",
  "TEXT",
  "{",
  "}",
  "(",
  ")",
  "[",
  "]",
  ";",
  ",",
  ":",
  "::",
  ".",
  "..",
  "|>",
  "->",
  "=>",
  "==",
  "!=",
  "&&",
  "||",
  "+",
  "-",
  "*",
  "/",
  "%",
  "^",
  "=",
  "<",
  ">",
  "_",
  "|",
  "1",
  "2.5",
  "0x1F",
  "'s'",
  "NULL",
  "TRUE",
  '"Q"',
  "$$d$$",
  "--c\n",
  "/* c */",
];

const soup = fc.array(fc.constantFrom(...TOKENS), { maxLength: 30 }).map((ts) => ts.join(" "));

function parsesOrSyntaxError(text: string): void {
  const { session } = newSession();
  try {
    session.parse(text);
  } catch (e) {
    assert.ok(e instanceof KodiakError, `non-KodiakError thrown for ${JSON.stringify(text)}: ${String(e)}`);
    assert.equal(e.code, "42601", `${e.code} ${e.message} for ${JSON.stringify(text)}`);
  }
}

describe("parser fuzz", () => {
  it("token soup parses or fails with 42601", () => {
    fc.assert(fc.property(soup, parsesOrSyntaxError), { numRuns: 400, seed: 20261125 });
  });
  it("arbitrary strings parse or fail with 42601", () => {
    fc.assert(fc.property(fc.string({ maxLength: 60 }), parsesOrSyntaxError), { numRuns: 400, seed: 7 });
  });
  it("regression: well-formed PL fragments still parse", () => {
    const { session } = newSession();
    assert.equal(session.parse("DO { LET x = [1,2] |> MAP(v -> v * 2); IF x CONTAINS 4 { SET r = 1 } }; SELECT {r};").length, 2);
  });
});
