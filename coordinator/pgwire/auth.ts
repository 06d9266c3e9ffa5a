// Who may connect and how: trust (loopback by default), cleartext password, or SCRAM-SHA-256
// against configured users. Holds derived credentials only; the wire exchange lives in connection-auth.ts.

import { createHash, timingSafeEqual } from "node:crypto";
import { type ScramCredentials, scramCredentials } from "./scram.js";

export interface PgWireAuthOptions {
  /** user → password. Without users every client is trusted (loopback only unless trustRemote). */
  users?: Record<string, string>;
  /** How configured users prove their password; default SCRAM-SHA-256. */
  method?: "scram-sha-256" | "password";
  /** Trust clients from non-loopback addresses when no users are configured (default false). */
  trustRemote?: boolean;
}

export type AuthDecision = { method: "trust" } | { method: "password" | "scram-sha-256" } | { method: "reject"; reason: string };

const digest = (s: string): Buffer => createHash("sha256").update(s).digest();

export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  return address === "::1" || address.startsWith("127.") || address.startsWith("::ffff:127.");
}

export class Authenticator {
  private readonly scram = new Map<string, ScramCredentials>();
  private readonly passwords = new Map<string, Buffer>();
  private readonly method: "scram-sha-256" | "password";

  constructor(private readonly options: PgWireAuthOptions = {}) {
    this.method = options.method ?? "scram-sha-256";
    for (const [user, password] of Object.entries(options.users ?? {})) {
      this.passwords.set(user, digest(password));
      if (this.method === "scram-sha-256") this.scram.set(user, scramCredentials(password));
    }
  }

  decide(remoteAddress: string | undefined): AuthDecision {
    if (this.options.users !== undefined) return { method: this.method };
    if (isLoopback(remoteAddress) || this.options.trustRemote === true) return { method: "trust" };
    return { method: "reject", reason: `no pg_hba.conf entry for host "${remoteAddress ?? "unknown"}": remote trust is disabled` };
  }

  scramCredentials(user: string): ScramCredentials | undefined {
    return this.scram.get(user);
  }

  checkPassword(user: string, password: string): boolean {
    const expected = this.passwords.get(user);
    const actual = digest(password);
    // Compare even for unknown users so timing does not reveal which users exist.
    return timingSafeEqual(expected ?? digest(`\0${password}`), actual) && expected !== undefined;
  }
}
