// Public API of the coordinator's client-facing gRPC service (kodiak.v1.Kodiak + health).
// Other folders import from here only.
export { type AdmissionLimits, AdmissionController, DEFAULT_ADMISSION_LIMITS } from "./admission.js";
export { arrowSchemaFor, encodeArrowIpc } from "./arrow.js";
export { type ClusterStatusInfo, type ClusterStatusSource, localClusterStatus, type NodeStatusInfo } from "./cluster.js";
export { ERROR_METADATA_KEY, grpcStatusFor, toServiceError } from "./errors.js";
export { HealthStatus } from "./health.js";
export { type ApiServer, type ApiServerOptions, startApiServer } from "./server.js";
export { ApiService, type ApiServiceOptions, type ApiStats, parseTimeoutMs } from "./service.js";
export type { ClusterStatusResponse } from "../../proto/gen/kodiak.js";
export { DEFAULT_SESSION_LIMITS, type SessionLimits } from "./sessions.js";
