// The one error type users see. Core code throws KodiakError with a SQLSTATE code; protocol
// edges (pgwire, gRPC, CLI) convert it. Never format for a protocol here.

/** SQLSTATE codes used across Kodiak (PostgreSQL's meanings). */
export const SqlState = {
  successfulCompletion: "00000",
  featureNotSupported: "0A000",
  cardinalityViolation: "21000",
  stringDataRightTruncation: "22001",
  numericValueOutOfRange: "22003",
  nullValueNotAllowed: "22004",
  invalidDatetimeFormat: "22007",
  datetimeFieldOverflow: "22008",
  divisionByZero: "22012",
  invalidParameterValue: "22023",
  invalidTextRepresentation: "22P02",
  integrityConstraintViolation: "23000",
  notNullViolation: "23502",
  foreignKeyViolation: "23503",
  uniqueViolation: "23505",
  checkViolation: "23514",
  invalidTransactionState: "25000",
  activeSqlTransaction: "25001",
  noActiveSqlTransaction: "25P01",
  inFailedSqlTransaction: "25P02",
  readOnlySqlTransaction: "25006",
  invalidPassword: "28P01",
  invalidAuthorizationSpecification: "28000",
  invalidSqlStatementName: "26000",
  invalidCursorName: "34000",
  serializationFailure: "40001",
  deadlockDetected: "40P01",
  syntaxError: "42601",
  insufficientPrivilege: "42501",
  undefinedColumn: "42703",
  undefinedFunction: "42883",
  undefinedTable: "42P01",
  undefinedObject: "42704",
  undefinedParameter: "42P02",
  duplicateColumn: "42701",
  duplicateTable: "42P07",
  duplicateObject: "42710",
  duplicateSchema: "42P06",
  duplicateFunction: "42723",
  ambiguousColumn: "42702",
  groupingError: "42803",
  datatypeMismatch: "42804",
  wrongObjectType: "42809",
  invalidColumnReference: "42P10",
  invalidTableDefinition: "42P16",
  cannotCoerce: "42846",
  programLimitExceeded: "54000",
  statementTooComplex: "54001",
  tooManyColumns: "54011",
  insufficientResources: "53000",
  diskFull: "53100",
  outOfMemory: "53200",
  tooManyConnections: "53300",
  objectNotInPrerequisiteState: "55000",
  lockNotAvailable: "55P03",
  queryCanceled: "57014",
  adminShutdown: "57P01",
  cannotConnectNow: "57P03",
  ioError: "58030",
  systemError: "58000",
  configFileError: "F0000",
  raiseException: "P0001",
  noDataFound: "P0002",
  tooManyRows: "P0003",
  assertFailure: "P0004",
  internalError: "XX000",
  dataCorrupted: "XX001",
  indexCorrupted: "XX002",
  protocolViolation: "08P01",
  connectionFailure: "08006",
  connectionException: "08000",
} as const;

export type SqlStateCode = (typeof SqlState)[keyof typeof SqlState] | (string & {});

export interface KodiakErrorFields {
  /** 1-based character offset into the statement text, where one applies. */
  position?: number;
  detail?: string;
  hint?: string;
  /** Where the error came from, for logs (component name). */
  where?: string;
}

export class KodiakError extends Error {
  readonly code: SqlStateCode;
  readonly position: number | undefined;
  readonly detail: string | undefined;
  readonly hint: string | undefined;
  readonly where: string | undefined;

  constructor(code: SqlStateCode, message: string, fields: KodiakErrorFields = {}) {
    super(message);
    this.name = "KodiakError";
    this.code = code;
    this.position = fields.position;
    this.detail = fields.detail;
    this.hint = fields.hint;
    this.where = fields.where;
  }

  /** True for errors a client may retry as-is (serialization failures, leader changes). */
  get retryable(): boolean {
    return this.code === SqlState.serializationFailure || this.code === SqlState.cannotConnectNow;
  }

  toJSON(): { code: string; message: string; position?: number; detail?: string; hint?: string } {
    const out: { code: string; message: string; position?: number; detail?: string; hint?: string } = {
      code: this.code,
      message: this.message,
    };
    if (this.position !== undefined) out.position = this.position;
    if (this.detail !== undefined) out.detail = this.detail;
    if (this.hint !== undefined) out.hint = this.hint;
    return out;
  }
}

export function isKodiakError(e: unknown): e is KodiakError {
  return e instanceof KodiakError;
}

/** Wraps anything thrown into a KodiakError (internal error if it was not one already). */
export function toKodiakError(e: unknown): KodiakError {
  if (e instanceof KodiakError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new KodiakError(SqlState.internalError, message);
}
