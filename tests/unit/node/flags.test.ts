import assert from "node:assert/strict";
import { test } from "node:test";
import { parseNodeFlags } from "../../../node/server/flags.js";

const base = ["--id", "1", "--data", "/tmp/x", "--listen", "127.0.0.1:7001", "--peers", "1=127.0.0.1:7001,2=127.0.0.1:7002"];

test("valid flags parse with defaults for the timing options", () => {
  const f = parseNodeFlags(base);
  assert.ok(f !== "help");
  assert.equal(f.id, 1);
  assert.equal(f.peers.get(2), "127.0.0.1:7002");
  assert.equal(f.tickMs, 100);
  assert.equal(f.electionTicks, 10);
  assert.equal(f.join, false);
  const g = parseNodeFlags([...base, "--join", "--tick-ms=50"]);
  assert.ok(g !== "help");
  assert.equal(g.join, true);
  assert.equal(g.tickMs, 50);
});

test("invalid flags are usage errors naming the problem", () => {
  const cases: Array<[string[], RegExp]> = [
    [base.slice(2), /missing required option --id/],
    [[...base, "--bogus"], /unknown option '--bogus'/],
    [["--id", "0", ...base.slice(2)], /--id must be in 1/],
    [["--id", "x", ...base.slice(2)], /--id needs a positive integer/],
    [["--id", "3", ...base.slice(2)], /must list this node \(id 3\)/],
    [[...base.slice(0, 6), "--peers", "1=127.0.0.1:7001,1=127.0.0.1:7002"], /listed twice/],
    [[...base.slice(0, 6), "--peers", "1=nohost"], /not HOST:PORT/],
    [[...base.slice(0, 4), "--listen", "127.0.0.1:99999", ...base.slice(6)], /port in 1..65535/],
    [[...base, "--heartbeat-ticks", "10"], /smaller than --election-ticks/],
    [[...base, "--tick-ms"], /needs a value/],
    [[...base, "--id", "1"], /given twice/],
  ];
  for (const [argv, re] of cases) assert.throws(() => parseNodeFlags(argv), re, argv.join(" "));
});

test("--help is recognised anywhere", () => {
  assert.equal(parseNodeFlags(["--bogus-later", "--help"].slice(1)), "help");
});
