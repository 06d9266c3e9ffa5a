// The coordinator's HTTP endpoint: /healthz (the process serves), /readyz (a leader is known and
// the catalog is loaded: 200 or 503 with the reason), /metrics (Prometheus text). Loopback by
// default; every request is answered from memory within a bounded time.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Metric } from "./metrics.js";
import { renderMetrics } from "./metrics.js";

/** Bound on computing readiness or metrics for one request. */
export const HTTP_HANDLER_TIMEOUT_MS = 2_000;
/** Connections the HTTP endpoint holds at once. */
export const MAX_HTTP_CONNECTIONS = 64;

export interface HttpHandlers {
  readiness(): Promise<{ ready: boolean; reason: string }>;
  metrics(): Promise<Metric[]>;
}

export interface HttpEndpoint {
  readonly port: number;
  readonly address: string;
  close(): Promise<void>;
}

function bounded<T>(p: Promise<T>, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what} took longer than ${HTTP_HANDLER_TIMEOUT_MS} ms`)), HTTP_HANDLER_TIMEOUT_MS);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}

async function handle(h: HttpHandlers, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? "/").split("?")[0];
  const send = (code: number, body: string, type = "text/plain; charset=utf-8") => {
    res.writeHead(code, { "content-type": type, "cache-control": "no-store" });
    res.end(body);
  };
  if (req.method !== "GET" && req.method !== "HEAD") return send(405, "method not allowed\n");
  try {
    if (path === "/healthz") return send(200, "ok\n");
    if (path === "/readyz") {
      const r = await bounded(h.readiness(), "readiness");
      return send(r.ready ? 200 : 503, `${r.ready ? "ready" : "not ready"}: ${r.reason}\n`);
    }
    if (path === "/metrics")
      return send(200, renderMetrics(await bounded(h.metrics(), "metrics")), "text/plain; version=0.0.4; charset=utf-8");
    return send(404, "not found: try /healthz, /readyz or /metrics\n");
  } catch (e) {
    return send(503, `error: ${e instanceof Error ? e.message : String(e)}\n`);
  }
}

export async function startHttpEndpoint(handlers: HttpHandlers, host = "127.0.0.1", port = 0): Promise<HttpEndpoint> {
  const server: Server = createServer((req, res) => {
    handle(handlers, req, res).catch(() => res.destroy());
  });
  server.maxConnections = MAX_HTTP_CONNECTIONS;
  server.headersTimeout = HTTP_HANDLER_TIMEOUT_MS * 2;
  server.requestTimeout = HTTP_HANDLER_TIMEOUT_MS * 2;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    port: bound,
    address: `${host}:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
