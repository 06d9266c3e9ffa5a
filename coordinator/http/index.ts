// Public API of the coordinator's HTTP endpoint: /healthz, /readyz, /metrics (Prometheus text).
// Other folders import from here only.
export { coordinatorMetrics } from "./coordinator-metrics.js";
export { type Metric, type MetricSample, renderMetrics } from "./metrics.js";
export { HTTP_HANDLER_TIMEOUT_MS, type HttpEndpoint, type HttpHandlers, MAX_HTTP_CONNECTIONS, startHttpEndpoint } from "./server.js";
