// The chaos mesh's fault proxy: bytes pass in order (also when delayed), a blackhole swallows them
// without closing, reset refuses, and healing gives fresh working connections.
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type Server, type Socket, connect } from "node:net";
import { after, before, test } from "node:test";
import { LinkProxy, PASS } from "../../../chaos/link-proxy.js";
import { checkCasHistory, newHistory } from "../../../chaos/workload.js";

let echo: Server;
let echoPort = 0;

before(async () => {
  echo = createServer((s) => s.pipe(s));
  echo.listen(0, "127.0.0.1");
  await once(echo, "listening");
  const a = echo.address();
  echoPort = typeof a === "object" && a !== null ? a.port : 0;
});

after(() => {
  echo.close();
});

async function dial(port: number): Promise<Socket> {
  const s = connect(port, "127.0.0.1");
  s.on("error", () => undefined);
  await once(s, "connect");
  return s;
}

/** Collects what arrives within `ms`. */
async function received(s: Socket, ms: number): Promise<string> {
  let got = "";
  const on = (d: Buffer): void => {
    got += d.toString();
  };
  s.on("data", on);
  await new Promise((r) => setTimeout(r, ms));
  s.off("data", on);
  return got;
}

test("pass forwards both ways", async () => {
  const p = new LinkProxy("127.0.0.1", echoPort);
  const port = await p.listen();
  const s = await dial(port);
  s.write("hello");
  assert.equal(await received(s, 200), "hello");
  s.destroy();
  await p.close();
});

test("delay with jitter holds bytes but never reorders them", async () => {
  let r = 0;
  const p = new LinkProxy("127.0.0.1", echoPort, () => {
    r = (r + 0.37) % 1;
    return r;
  });
  const port = await p.listen();
  p.setMode({ kind: "pass", delayMs: 60, jitterMs: 40 });
  const s = await dial(port);
  const started = Date.now();
  const want = Array.from({ length: 20 }, (_, i) => `<${i}>`).join("");
  for (let i = 0; i < 20; i++) {
    s.write(`<${i}>`);
    await new Promise((res) => setTimeout(res, 2));
  }
  let got = "";
  s.on("data", (d: Buffer) => {
    got += d.toString();
  });
  while (got.length < want.length && Date.now() - started < 5000) await new Promise((res) => setTimeout(res, 10));
  assert.equal(got, want);
  // Delayed going to the echo server and again coming back.
  assert.ok(Date.now() - started >= 120, `arrived after ${Date.now() - started} ms`);
  s.destroy();
  await p.close();
});

test("blackhole swallows bytes on open connections; healing drops them and new ones work", async () => {
  const p = new LinkProxy("127.0.0.1", echoPort);
  const port = await p.listen();
  const old = await dial(port);
  p.setMode({ kind: "blackhole" });
  old.write("lost");
  assert.equal(await received(old, 200), "");
  assert.equal(old.destroyed, false, "a partition does not close the dialer's socket");
  const during = await dial(port);
  during.write("also lost");
  assert.equal(await received(during, 200), "");
  const closed = new Promise((res) => old.once("close", res));
  p.setMode(PASS);
  await closed;
  const fresh = await dial(port);
  fresh.write("back");
  assert.equal(await received(fresh, 200), "back");
  for (const s of [during, fresh]) s.destroy();
  await p.close();
});

test("reset refuses new connections and cuts open ones", async () => {
  const p = new LinkProxy("127.0.0.1", echoPort);
  const port = await p.listen();
  const open = await dial(port);
  const cut = new Promise((res) => open.once("close", res));
  p.setMode({ kind: "reset" });
  await cut;
  const s = connect(port, "127.0.0.1");
  s.on("error", () => undefined);
  await new Promise((res) => s.once("close", res));
  assert.equal(p.current.kind, "reset");
  await p.close();
});

test("the CAS check reports a value set twice or lost", () => {
  const ok = newHistory();
  ok.casAcked.push(1, 2, 3);
  checkCasHistory(ok, 3);
  assert.deepEqual(ok.violations, []);
  const twice = newHistory();
  twice.casAcked.push(1, 2, 2);
  checkCasHistory(twice, 2);
  assert.match(twice.violations.join("\n"), /both set the counter to 2/);
  const lost = newHistory();
  lost.casAcked.push(1, 2, 3);
  checkCasHistory(lost, 2);
  assert.match(lost.violations.join("\n"), /ended at 2/);
});
