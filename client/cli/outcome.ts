// What the CLI prints for one statement, whichever backend ran it (gRPC coordinator or embedded
// engine). Values use the SDK's JavaScript types: null, boolean, number, bigint, string,
// Uint8Array, arrays of those.

export interface OutcomeColumn {
  name: string;
  /** PostgreSQL type name ("int4", "text", …). */
  type: string;
}

export interface Outcome {
  command: string;
  rowCount: number;
  /** Undefined for statements that return no rows. */
  columns: OutcomeColumn[] | undefined;
  rows: unknown[][];
  notices: { severity: string; code: string; message: string }[];
}
