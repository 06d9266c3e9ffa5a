// SCRAM-SHA-256 (RFC 5802/7677) server side, as PostgreSQL does it: no channel binding, the
// user name comes from the startup packet (the SCRAM n= attribute is ignored). Pure crypto, no I/O.

import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from "node:crypto";

export const SCRAM_MECHANISM = "SCRAM-SHA-256";
export const SCRAM_ITERATIONS = 4096;
const NONCE_BYTES = 18;
const SALT_BYTES = 16;

export interface ScramCredentials {
  salt: Buffer;
  iterations: number;
  storedKey: Buffer;
  serverKey: Buffer;
}

const hmac = (key: Buffer, data: string): Buffer => createHmac("sha256", key).update(data).digest();
const sha256 = (data: Buffer): Buffer => createHash("sha256").update(data).digest();

/** Derives what the server stores for a password (the password itself is not needed afterwards). */
export function scramCredentials(
  password: string,
  salt: Buffer = randomBytes(SALT_BYTES),
  iterations = SCRAM_ITERATIONS,
): ScramCredentials {
  const salted = pbkdf2Sync(password.normalize("NFKC"), salt, iterations, 32, "sha256");
  return { salt, iterations, storedKey: sha256(hmac(salted, "Client Key")), serverKey: hmac(salted, "Server Key") };
}

export type ScramStep = { ok: true; message: string } | { ok: false; reason: string };

/** One authentication exchange: client-first → server-first, client-final → server-final. */
export class ScramExchange {
  private clientFirstBare = "";
  private serverFirst = "";
  private nonce = "";
  private gs2Header = "";

  /** credentials undefined (unknown user) still runs the exchange with dummy keys, then fails. */
  constructor(private readonly credentials: ScramCredentials | undefined) {}

  private get creds(): ScramCredentials {
    return this.credentials ?? DUMMY_CREDENTIALS;
  }

  clientFirst(message: string): ScramStep {
    const m = /^([ny]|p=[^,]*),([^,]*),(.*)$/.exec(message);
    if (m === null) return { ok: false, reason: "malformed SCRAM message" };
    if (m[1]!.startsWith("p=")) return { ok: false, reason: "channel binding is not supported" };
    this.gs2Header = `${m[1]},${m[2]},`;
    this.clientFirstBare = m[3]!;
    const clientNonce = /(?:^|,)r=([^,]+)/.exec(this.clientFirstBare)?.[1];
    if (clientNonce === undefined) return { ok: false, reason: "malformed SCRAM message: missing nonce" };
    this.nonce = clientNonce + randomBytes(NONCE_BYTES).toString("base64");
    this.serverFirst = `r=${this.nonce},s=${this.creds.salt.toString("base64")},i=${this.creds.iterations}`;
    return { ok: true, message: this.serverFirst };
  }

  clientFinal(message: string): ScramStep {
    const proofAt = message.lastIndexOf(",p=");
    if (proofAt < 0) return { ok: false, reason: "malformed SCRAM message: missing proof" };
    const withoutProof = message.slice(0, proofAt);
    const attrs = new Map(withoutProof.split(",").map((kv) => [kv.slice(0, 1), kv.slice(2)] as const));
    if (attrs.get("c") !== Buffer.from(this.gs2Header).toString("base64"))
      return { ok: false, reason: "SCRAM channel binding check failed" };
    if (attrs.get("r") !== this.nonce) return { ok: false, reason: "SCRAM nonce mismatch" };
    const proof = Buffer.from(message.slice(proofAt + 3), "base64");
    const authMessage = `${this.clientFirstBare},${this.serverFirst},${withoutProof}`;
    const signature = hmac(this.creds.storedKey, authMessage);
    if (proof.length !== signature.length) return { ok: false, reason: "invalid SCRAM proof" };
    const clientKey = Buffer.alloc(proof.length);
    for (let i = 0; i < proof.length; i++) clientKey[i] = proof[i]! ^ signature[i]!;
    if (this.credentials === undefined || !timingSafeEqual(sha256(clientKey), this.creds.storedKey)) {
      return { ok: false, reason: "password authentication failed" };
    }
    return { ok: true, message: `v=${hmac(this.creds.serverKey, authMessage).toString("base64")}` };
  }
}

const DUMMY_CREDENTIALS = scramCredentials("", Buffer.alloc(SALT_BYTES), SCRAM_ITERATIONS);
