// grpc.health.v1.Health: Check and Watch over a small status table ("" = the whole server).
// Watch streams end when the server stops (HealthStatus.close), so none outlives its owner.

import type { ServerUnaryCall, ServerWritableStream, sendUnaryData } from "@grpc/grpc-js";
import { status } from "@grpc/grpc-js";
import {
  type HealthCheckRequest,
  HealthCheckResponse,
  HealthCheckResponse_ServingStatus as Serving,
  type HealthServer,
} from "../../proto/gen/health.js";

/** Watchers per server; more are refused with RESOURCE_EXHAUSTED. */
export const MAX_HEALTH_WATCHERS = 256;

export class HealthStatus {
  private readonly statuses = new Map<string, Serving>([["", Serving.SERVING]]);
  private readonly watchers = new Set<{ service: string; send: (s: Serving) => void; end: () => void }>();

  set(service: string, serving: boolean): void {
    const s = serving ? Serving.SERVING : Serving.NOT_SERVING;
    if (this.statuses.get(service) === s) return;
    this.statuses.set(service, s);
    for (const w of this.watchers) if (w.service === service) w.send(s);
  }

  get(service: string): Serving | undefined {
    return this.statuses.get(service);
  }

  close(): void {
    for (const w of [...this.watchers]) w.end();
    this.watchers.clear();
  }

  server(): HealthServer {
    return {
      check: (call: ServerUnaryCall<HealthCheckRequest, HealthCheckResponse>, callback: sendUnaryData<HealthCheckResponse>) => {
        const s = this.statuses.get(call.request.service);
        if (s === undefined) callback({ code: status.NOT_FOUND, details: `unknown service "${call.request.service}"` });
        else callback(null, HealthCheckResponse.fromPartial({ status: s }));
      },
      watch: (call: ServerWritableStream<HealthCheckRequest, HealthCheckResponse>) => {
        if (this.watchers.size >= MAX_HEALTH_WATCHERS) {
          call.emit("error", { code: status.RESOURCE_EXHAUSTED, details: "too many health watchers" });
          return;
        }
        const service = call.request.service;
        const w = {
          service,
          send: (s: Serving) => call.write(HealthCheckResponse.fromPartial({ status: s })),
          end: () => {
            this.watchers.delete(w);
            call.end();
          },
        };
        this.watchers.add(w);
        call.on("cancelled", () => this.watchers.delete(w));
        w.send(this.statuses.get(service) ?? Serving.SERVICE_UNKNOWN);
      },
    };
  }
}
