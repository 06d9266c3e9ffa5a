// Parses connection strings: kodiak://host:port[,host:port...][/database][?tls=true&ca=FILE&user=U&timeout=MS].
// Pure: no I/O (the CA file is read by the client when it connects).

import { KodiakError, SqlState } from "../../util/index.js";

/** The coordinator's gRPC port when a URL gives none. */
export const DEFAULT_GRPC_PORT = 7433;
/** Coordinators one URL may list. */
export const MAX_URL_HOSTS = 32;

export interface HostPort {
  host: string;
  port: number;
}

export interface ConnectionConfig {
  /** Coordinators in the order they are tried. */
  hosts: HostPort[];
  database: string;
  user: string;
  /** Use TLS (`tls=true|1|require`). */
  tls: boolean;
  /** PEM file with the CA that signed the coordinators' certificates (`ca=`), when tls is on. */
  caFile: string | undefined;
  /** Per-call deadline in milliseconds (`timeout=`), 0 = the client default. */
  timeoutMs: number;
}

function bad(url: string, why: string): KodiakError {
  return new KodiakError(SqlState.connectionException, `invalid connection URL "${url}": ${why}`);
}

function parseHostPort(url: string, text: string): HostPort {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::(\d+))?$/.exec(text);
  if (m === null) throw bad(url, `bad host "${text}"`);
  const port = m[3] === undefined ? DEFAULT_GRPC_PORT : Number(m[3]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw bad(url, `bad port in "${text}"`);
  return { host: m[1] ?? m[2]!, port };
}

function parseBool(url: string, name: string, v: string): boolean {
  if (["true", "1", "require", "on", "yes"].includes(v)) return true;
  if (["false", "0", "disable", "off", "no", ""].includes(v)) return false;
  throw bad(url, `bad value "${v}" for ${name}`);
}

export function parseKodiakUrl(url: string): ConnectionConfig {
  const m = /^kodiak:\/\/([^/?#]*)(\/[^?#]*)?(\?[^#]*)?$/.exec(url.trim());
  if (m === null) throw bad(url, "expected kodiak://host:port[,host:port]/[database][?options]");
  const hostList = m[1]!.split(",").filter((h) => h !== "");
  if (hostList.length === 0) throw bad(url, "no host");
  if (hostList.length > MAX_URL_HOSTS) throw bad(url, `more than ${MAX_URL_HOSTS} hosts`);
  const config: ConnectionConfig = {
    hosts: hostList.map((h) => parseHostPort(url, h)),
    database: decodeURIComponent((m[2] ?? "/").slice(1)) || "kodiak",
    user: "kodiak",
    tls: false,
    caFile: undefined,
    timeoutMs: 0,
  };
  for (const [k, v] of new URLSearchParams(m[3] ?? "")) {
    switch (k) {
      case "tls":
      case "sslmode":
        config.tls = parseBool(url, k, v);
        break;
      case "ca":
        config.caFile = v;
        break;
      case "user":
        config.user = v;
        break;
      case "timeout": {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 0) throw bad(url, `bad timeout "${v}"`);
        config.timeoutMs = n;
        break;
      }
      default:
        throw bad(url, `unknown option "${k}"`);
    }
  }
  return config;
}
