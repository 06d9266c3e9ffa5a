// The deployment files (deploy/) checked without Docker or Kubernetes: every command they run is
// accepted by the real flag parsers, the nodes agree on peers and cluster id, coordinators point at
// exactly those nodes, the Kubernetes pod script derives the right node id from the pod ordinal,
// and the runtime image's production dependencies cover every package the shipped code imports.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { parseCoordinatorFlags } from "../../../coordinator/main.js";
import { type NodeFlags, parseNodeFlags } from "../../../node/server/flags.js";

const ROOT = resolve(import.meta.dirname, "..", "..", "..", "..");
const read = (p: string): string => readFileSync(join(ROOT, p), "utf8");

/** Every `key: [ ... ]` flow sequence of strings in a YAML text (as the formatter lays them out). */
function flowSequences(yaml: string, key: string): string[][] {
  return [...yaml.matchAll(new RegExp(`^\\s*${key}:\\s*(\\[[^\\]]*\\])`, "gm"))].map(
    (m) => JSON.parse((m[1] as string).replace(/,\s*\]$/, "]")) as string[],
  );
}

function nodeFlags(argv: string[]): NodeFlags {
  const f = parseNodeFlags(argv);
  assert.notEqual(f, "help");
  return f as NodeFlags;
}

function peersText(peers: ReadonlyMap<number, string>): string {
  return [...peers].map(([id, a]) => `${id}=${a}`).join(",");
}

test("compose: three nodes with one peer list and cluster id, a coordinator on exactly those nodes", () => {
  const commands = flowSequences(read("deploy/compose.yaml"), "command");
  const nodes = commands.filter((c) => c[0] === "node").map((c) => nodeFlags(c.slice(1)));
  assert.deepEqual(
    nodes.map((n) => n.id),
    [1, 2, 3],
  );
  const peers = new Set(nodes.map((n) => peersText(n.peers)));
  assert.equal(peers.size, 1, "every node has the same --peers");
  assert.equal(new Set(nodes.map((n) => n.clusterId)).size, 1);
  for (const n of nodes) assert.ok(n.peers.has(n.id), `node ${n.id} is in its own peer list`);
  const coord = commands.filter((c) => c[0] === "coordinator").map((c) => parseCoordinatorFlags(c.slice(1)));
  assert.equal(coord.length, 1);
  const flags = coord[0];
  assert.ok(flags !== undefined && flags !== "help");
  assert.equal(peersText(flags.nodes), [...peers][0]);
  assert.ok(flags.pg !== undefined, "pgwire is served");
  assert.ok(flags.pgTrustRemote, "container clients are not loopback: trust is explicit");
  // Published ports bind the host's loopback only.
  const published = flowSequences(read("deploy/compose.yaml"), "ports").flat();
  assert.ok(published.length > 0);
  for (const p of published) assert.match(p, /^127\.0\.0\.1:/);
});

test("kubernetes: the pod script turns ordinals 0..2 into node ids 1..3 with one peer list", () => {
  const yaml = read("deploy/kubernetes/kodiak.yaml");
  const block = /# BEGIN node script\n([\s\S]*?)\n\s*# END node script/.exec(yaml)?.[1];
  assert.ok(block !== undefined, "node script markers present");
  const script = block
    .split("\n")
    .map((l) => l.trim())
    .join("\n");
  // A stand-in `node` that prints its arguments, first on PATH: the script's exec runs it.
  const dir = mkdtempSync(join(tmpdir(), "kodiak-deploy-"));
  try {
    writeFileSync(join(dir, "node"), '#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done\n');
    chmodSync(join(dir, "node"), 0o755);
    const flags = [0, 1, 2].map((ordinal) => {
      const out = execFileSync("/bin/sh", ["-c", script], {
        env: { PATH: `${dir}:/usr/bin:/bin`, HOSTNAME: `kodiak-node-${ordinal}` },
        encoding: "utf8",
      });
      const argv = out.trimEnd().split("\n");
      assert.deepEqual(argv.slice(0, 2), ["/kodiak/bin/kodiak.js", "node"]);
      return nodeFlags(argv.slice(2));
    });
    assert.deepEqual(
      flags.map((f) => f.id),
      [1, 2, 3],
    );
    assert.equal(new Set(flags.map((f) => peersText(f.peers))).size, 1);
    const peers = (flags[0] as NodeFlags).peers;
    assert.equal(peers.get(2), "kodiak-node-1.kodiak-nodes:7000", "node id = ordinal + 1, addressed by the pod's DNS name");
    const args = flowSequences(yaml, "args").find((a) => a[0] === "coordinator");
    assert.ok(args !== undefined);
    const coord = parseCoordinatorFlags(args.slice(1));
    assert.ok(coord !== "help");
    assert.equal(peersText(coord.nodes), peersText(peers));
    assert.equal(coord.pgUsersFile, "/etc/kodiak/pg-users/users", "coordinators require passwords from the mounted Secret");
    assert.match(yaml, /secretName: kodiak-pg-users/);
    assert.match(yaml, /replicas: 3/);
    assert.match(yaml, /publishNotReadyAddresses: true/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("image: the entrypoint exists and shipped code imports only production dependencies", () => {
  const dockerfile = read("deploy/Dockerfile");
  assert.match(dockerfile, /ENTRYPOINT \["node", "\/kodiak\/bin\/kodiak\.js"\]/);
  assert.ok(existsSync(join(ROOT, "bin", "kodiak.js")));
  assert.match(read(".dockerignore"), /^node_modules$/m);
  const pkg = JSON.parse(read("package.json")) as { dependencies: Record<string, string> };
  const allowed = new Set(Object.keys(pkg.dependencies));
  const missing = new Set<string>();
  for (const dir of ["util", "proto", "storage", "node", "sql", "coordinator", "client"]) {
    for (const f of readdirSync(join(ROOT, "dist", dir), { recursive: true })) {
      if (!String(f).endsWith(".js")) continue;
      const src = readFileSync(join(ROOT, "dist", dir, String(f)), "utf8");
      for (const m of src.matchAll(/(?:from |import\()\s*"([^".][^"]*)"/g)) {
        const spec = m[1] as string;
        if (spec.startsWith("node:")) continue;
        const name = spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : (spec.split("/")[0] as string);
        if (!allowed.has(name)) missing.add(`${name} (dist/${dir}/${String(f)})`);
      }
    }
  }
  assert.deepEqual([...missing], [], "packages imported at run time must be in dependencies");
});
