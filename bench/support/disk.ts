// The floor under every durable write: the disk's raw fsync rate (append + fdatasync loop) and a
// loopback TCP round trip, measured on the same machine in the same run as the peers.

import { closeSync, fdatasyncSync, openSync, unlinkSync, writeSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { join } from "node:path";
import { performance } from "node:perf_hooks";

export interface FsyncRate {
  fsyncsPerSec: number;
  p50Ms: number;
}

/** Appends `blockBytes` and fdatasyncs, for `seconds`, like a log with one record per sync. */
export function measureFsyncRate(dir: string, seconds: number, blockBytes = 4096): FsyncRate {
  const path = join(dir, "fsync-probe");
  const fd = openSync(path, "w");
  const block = new Uint8Array(blockBytes).fill(0x5a);
  const lat: number[] = [];
  try {
    const end = performance.now() + seconds * 1000;
    let offset = 0;
    while (performance.now() < end) {
      const t0 = performance.now();
      writeSync(fd, block, 0, block.length, offset);
      fdatasyncSync(fd);
      lat.push(performance.now() - t0);
      offset += block.length;
    }
  } finally {
    closeSync(fd);
    unlinkSync(path);
  }
  lat.sort((a, b) => a - b);
  return { fsyncsPerSec: lat.length / seconds, p50Ms: lat[Math.floor(lat.length / 2)] ?? Number.NaN };
}

/** Median round trip of a small message over a loopback TCP connection. */
export async function measureLoopbackRttMs(roundTrips = 2000): Promise<number> {
  const server = createServer((sock) => sock.on("data", (d) => sock.write(d)));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const addr = server.address();
  const port = typeof addr === "object" && addr !== null ? addr.port : 0;
  const sock = createConnection({ host: "127.0.0.1", port, noDelay: true });
  await new Promise<void>((resolve) => sock.once("connect", resolve));
  const lat: number[] = [];
  try {
    for (let i = 0; i < roundTrips; i++) {
      const t0 = performance.now();
      await new Promise<void>((resolve) => {
        sock.once("data", () => resolve());
        sock.write("ping");
      });
      lat.push(performance.now() - t0);
    }
  } finally {
    sock.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  lat.sort((a, b) => a - b);
  return lat[Math.floor(lat.length / 2)] ?? Number.NaN;
}
