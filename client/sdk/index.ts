// The Kodiak TypeScript SDK: connect('kodiak://host:port,host:port/?tls=...') → KodiakClient.
// Errors are KodiakError (code = SQLSTATE, message, position). See README.md "TypeScript SDK".
export { KodiakError, SqlState } from "../../util/index.js";
export type { Row } from "./arrow.js";
export {
  type ClientOptions,
  type ClusterStatus,
  connect,
  KodiakClient,
  type Transaction,
  type TransactionOptions,
} from "./client.js";
export { type CopyOptions, type CopyRow, type CopySource, encodeCsvRow, encodeTextRow } from "./copy.js";
export type { CallOptions, ColumnInfo, QueryResult, StatementOutcome } from "./session.js";
export { type ConnectionConfig, DEFAULT_GRPC_PORT, type HostPort, parseKodiakUrl } from "./url.js";
export type { Param, TypedParam } from "./values.js";
