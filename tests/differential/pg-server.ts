// The differential tests' PostgreSQL: fast (fsync off), thrown away by stop().
import { type PgServer, startPostgres as startServer } from "../support/postgres.js";

export type { PgServer };

export function startPostgres(): Promise<PgServer> {
  return startServer({ durable: false });
}
