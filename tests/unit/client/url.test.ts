// kodiak:// connection strings: hosts, default port, database, options, and clear errors.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_GRPC_PORT, KodiakError, parseKodiakUrl } from "../../../client/sdk/index.js";

describe("parseKodiakUrl", () => {
  it("reads several coordinators in order, with the default port where none is given", () => {
    const c = parseKodiakUrl("kodiak://a.example:7000,b.example,[::1]:7002/");
    assert.deepEqual(c.hosts, [
      { host: "a.example", port: 7000 },
      { host: "b.example", port: DEFAULT_GRPC_PORT },
      { host: "::1", port: 7002 },
    ]);
    assert.equal(c.database, "kodiak");
    assert.equal(c.tls, false);
  });

  it("reads the database and the tls, ca, user and timeout options", () => {
    const c = parseKodiakUrl("kodiak://h:1/sales?tls=true&ca=/etc/ca.pem&user=alice&timeout=2500");
    assert.equal(c.database, "sales");
    assert.equal(c.tls, true);
    assert.equal(c.caFile, "/etc/ca.pem");
    assert.equal(c.user, "alice");
    assert.equal(c.timeoutMs, 2500);
    assert.equal(parseKodiakUrl("kodiak://h:1?tls=0").tls, false);
  });

  it("rejects malformed URLs with a connection-exception SQLSTATE", () => {
    for (const bad of [
      "postgres://h:1/",
      "kodiak://",
      "kodiak://h:99999/",
      "kodiak://h:1/?tls=maybe",
      "kodiak://h:1/?bogus=1",
      "kodiak://h:x/",
    ]) {
      assert.throws(
        () => parseKodiakUrl(bad),
        (e: unknown) => e instanceof KodiakError && e.code === "08000" && e.message.includes(bad),
        bad,
      );
    }
  });
});
