// grpc.health.v1.Health for a node: SERVING once the runtime runs, NOT_SERVING while it stops.
// Watch sends the current status and then an update on every change, until the client leaves.

import type * as grpc from "@grpc/grpc-js";
import { status } from "@grpc/grpc-js";
import {
  type HealthCheckRequest,
  type HealthCheckResponse,
  HealthCheckResponse_ServingStatus,
  type HealthServer,
} from "../../proto/gen/health.js";

/** Bound on open Watch streams (each holds a listener). */
export const MAX_HEALTH_WATCHERS = 64;

export class HealthState {
  private serving = false;
  private readonly watchers = new Set<(s: HealthCheckResponse_ServingStatus) => void>();

  set(serving: boolean): void {
    this.serving = serving;
    for (const w of this.watchers) w(this.status());
  }

  status(): HealthCheckResponse_ServingStatus {
    return this.serving ? HealthCheckResponse_ServingStatus.SERVING : HealthCheckResponse_ServingStatus.NOT_SERVING;
  }

  impl(): HealthServer {
    return {
      check: (_call: grpc.ServerUnaryCall<HealthCheckRequest, HealthCheckResponse>, cb: grpc.sendUnaryData<HealthCheckResponse>) => {
        cb(null, { status: this.status() });
      },
      watch: (call: grpc.ServerWritableStream<HealthCheckRequest, HealthCheckResponse>) => {
        if (this.watchers.size >= MAX_HEALTH_WATCHERS) {
          call.destroy(Object.assign(new Error("too many health watchers"), { code: status.RESOURCE_EXHAUSTED }));
          return;
        }
        const send = (status: HealthCheckResponse_ServingStatus): void => {
          call.write({ status });
        };
        this.watchers.add(send);
        call.on("cancelled", () => this.watchers.delete(send));
        call.on("close", () => this.watchers.delete(send));
        send(this.status());
      },
    };
  }
}
