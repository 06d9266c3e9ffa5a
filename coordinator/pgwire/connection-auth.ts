// The authentication step of startup: trust, cleartext password, or SCRAM-SHA-256 over
// AuthenticationSASL/SASLContinue/SASLFinal. Any failure is FATAL 28P01/28000/08P01.

import { SqlState } from "../../util/index.js";
import type { Authenticator } from "./auth.js";
import { backend } from "./backend.js";
import { ByteReader } from "./byte-reader.js";
import type { ByteWriter } from "./byte-writer.js";
import { SCRAM_MECHANISM, ScramExchange } from "./scram.js";
import { fatal } from "./wire-errors.js";

export interface AuthIo {
  readonly out: ByteWriter;
  flush(): Promise<void>;
  /** Body of the next 'p' message; throws FATAL if something else or nothing arrives. */
  readPasswordMessage(): Promise<Buffer>;
}

function authFailed(user: string): never {
  throw fatal(SqlState.invalidPassword, `password authentication failed for user "${user}"`);
}

export async function authenticate(io: AuthIo, auth: Authenticator, user: string, remoteAddress: string | undefined): Promise<void> {
  const decision = auth.decide(remoteAddress);
  switch (decision.method) {
    case "trust":
      break;
    case "reject":
      throw fatal(SqlState.invalidAuthorizationSpecification, decision.reason);
    case "password": {
      backend.authenticationCleartextPassword(io.out);
      await io.flush();
      const password = new ByteReader(await io.readPasswordMessage(), "password message").cstring();
      if (!auth.checkPassword(user, password)) authFailed(user);
      break;
    }
    case "scram-sha-256":
      await scram(io, auth, user);
      break;
  }
  backend.authenticationOk(io.out);
}

async function scram(io: AuthIo, auth: Authenticator, user: string): Promise<void> {
  backend.authenticationSasl(io.out, [SCRAM_MECHANISM]);
  await io.flush();
  const initial = new ByteReader(await io.readPasswordMessage(), "SASLInitialResponse");
  const mechanism = initial.cstring();
  if (mechanism !== SCRAM_MECHANISM) throw fatal(SqlState.protocolViolation, `client selected an invalid SASL authentication mechanism`);
  const length = initial.int32();
  const clientFirst = length < 0 ? "" : initial.bytes(length).toString("utf8");
  const exchange = new ScramExchange(auth.scramCredentials(user));
  const first = exchange.clientFirst(clientFirst);
  if (!first.ok) throw fatal(SqlState.protocolViolation, first.reason);
  backend.authenticationSaslContinue(io.out, first.message);
  await io.flush();
  const final = exchange.clientFinal((await io.readPasswordMessage()).toString("utf8"));
  if (!final.ok) authFailed(user);
  backend.authenticationSaslFinal(io.out, final.message);
}
