// Public API of the PostgreSQL wire protocol server: the embeddable PgWireServer, its options,
// and the reference text/binary value codecs (usable by engines for formatText/parseText).
export type { PgWireAuthOptions } from "./auth.js";
export { decodeBinary, encodeBinary } from "./binary-codec.js";
export { MAX_FRAME_BYTES } from "./constants.js";
export { DEFAULT_SERVER_VERSION } from "./parameter-status.js";
export { DEFAULT_MAX_CONNECTIONS, PgWireServer, type PgWireServerOptions, type PgWireStats, type StatementAdmission } from "./server.js";
export { formatFloat, formatTextValue, parseArrayText, parseTextValue } from "./text-format.js";
