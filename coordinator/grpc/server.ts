// Starts and stops a gRPC server carrying kodiak.v1.Kodiak and grpc.health.v1.Health over one
// SqlEngine. The returned handle owns the server and the service; close() stops both (bounded).

import { Server, ServerCredentials } from "@grpc/grpc-js";
import { HealthService } from "../../proto/gen/health.js";
import { KodiakService } from "../../proto/gen/kodiak.js";
import type { SqlEngine } from "../../sql/api.js";
import { systemClock } from "../../util/index.js";
import { HealthStatus } from "./health.js";
import { ApiService, type ApiServiceOptions } from "./service.js";

/** Largest request or response message (an Execute result is bounded separately by rows). */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
/** How long close() lets calls finish before cutting them off. */
export const SHUTDOWN_GRACE_MS = 2_000;

export interface ApiServerOptions extends ApiServiceOptions {
  /** Listen address; "127.0.0.1" unless given. */
  host?: string;
  /** 0 = an ephemeral port (see ApiServer.port). */
  port?: number;
}

export interface ApiServer {
  readonly port: number;
  readonly address: string;
  readonly service: ApiService;
  readonly health: HealthStatus;
  close(): Promise<void>;
}

export async function startApiServer(engine: SqlEngine, options: ApiServerOptions = {}): Promise<ApiServer> {
  const host = options.host ?? "127.0.0.1";
  const server = new Server({
    "grpc.max_receive_message_length": MAX_MESSAGE_BYTES,
    "grpc.max_send_message_length": MAX_MESSAGE_BYTES,
  });
  const service = new ApiService(engine, options);
  const health = new HealthStatus();
  health.set("kodiak.v1.Kodiak", true);
  server.addService(KodiakService, service.handlers());
  server.addService(HealthService, health.server());
  const bindHost = host.includes(":") ? `[${host}]` : host;
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${bindHost}:${options.port ?? 0}`, ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
  });
  let closing: Promise<void> | undefined;
  return {
    port,
    address: `${host}:${port}`,
    service,
    health,
    close() {
      closing ??= (async () => {
        health.set("", false);
        health.set("kodiak.v1.Kodiak", false);
        health.close();
        await service.close();
        await new Promise<void>((resolve) => {
          const timer = (options.clock ?? systemClock).setTimeout(() => {
            server.forceShutdown();
            resolve();
          }, SHUTDOWN_GRACE_MS);
          server.tryShutdown(() => {
            timer.cancel();
            resolve();
          });
        });
      })();
      return closing;
    },
  };
}
