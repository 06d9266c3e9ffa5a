// PostgreSQL wire protocol v3 constants: message type bytes, startup request codes and the limits
// this server enforces. No logic here; every other pgwire file names these instead of raw numbers.

const code = (c: string): number => c.charCodeAt(0);

/** Type bytes of messages a client sends after startup. */
export const FrontendCode = {
  bind: code("B"),
  close: code("C"),
  copyData: code("d"),
  copyDone: code("c"),
  copyFail: code("f"),
  describe: code("D"),
  execute: code("E"),
  flush: code("H"),
  functionCall: code("F"),
  parse: code("P"),
  /** PasswordMessage, SASLInitialResponse and SASLResponse share this byte; the state decides. */
  password: code("p"),
  query: code("Q"),
  sync: code("S"),
  terminate: code("X"),
} as const;

/** Type bytes of messages this server sends. */
export const BackendCode = {
  authentication: code("R"),
  backendKeyData: code("K"),
  bindComplete: code("2"),
  closeComplete: code("3"),
  commandComplete: code("C"),
  copyData: code("d"),
  copyDone: code("c"),
  copyInResponse: code("G"),
  copyOutResponse: code("H"),
  dataRow: code("D"),
  emptyQueryResponse: code("I"),
  negotiateProtocolVersion: code("v"),
  errorResponse: code("E"),
  noData: code("n"),
  noticeResponse: code("N"),
  parameterDescription: code("t"),
  parameterStatus: code("S"),
  parseComplete: code("1"),
  portalSuspended: code("s"),
  readyForQuery: code("Z"),
  rowDescription: code("T"),
} as const;

/** The int32 after the length in an untyped startup-phase packet. */
export const StartupCode = {
  protocol3: 196608, // 3 << 16 | 0
  sslRequest: 80877103,
  cancelRequest: 80877102,
  gssEncRequest: 80877104,
} as const;

/** Sub-codes of the Authentication ('R') message. */
export const AuthCode = {
  ok: 0,
  cleartextPassword: 3,
  sasl: 10,
  saslContinue: 11,
  saslFinal: 12,
} as const;

/** Field type bytes of ErrorResponse / NoticeResponse. */
export const ErrorField = {
  severity: code("S"),
  severityNonLocalized: code("V"),
  code: code("C"),
  message: code("M"),
  detail: code("D"),
  hint: code("H"),
  position: code("P"),
  where: code("W"),
} as const;

/** Largest typed message accepted (length word included); larger → 08P01 and the connection closes. */
export const MAX_FRAME_BYTES = 64 * 1024 * 1024;
/** Largest startup-phase packet (PostgreSQL uses 10000 as well). */
export const MAX_STARTUP_FRAME_BYTES = 10_000;
/** Once this many bytes wait unprocessed in a connection, it stops reading the socket. */
export const READ_HIGH_WATER_BYTES = 1024 * 1024;
/** Pending output is written to the socket once it grows beyond this (and always before waiting for input). */
export const WRITE_FLUSH_BYTES = 64 * 1024;
/** Bounds on per-connection extended-protocol objects. */
export const MAX_PREPARED_STATEMENTS = 10_000;
export const MAX_PORTALS = 1_000;
/** Most parameters in one Bind (the protocol's own limit: an int16 count). */
export const MAX_BIND_PARAMETERS = 65_535;
