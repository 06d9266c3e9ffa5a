// Session settings with PostgreSQL's names and defaults, as SET/SHOW/RESET and pgwire's
// ParameterStatus see them. Unknown names are accepted by SET only when they look like
// extension settings ("x.y"), otherwise 42704, as in PostgreSQL.
import { KodiakError, SqlState } from "../../util/index.js";

export const DEFAULT_SETTINGS: Readonly<Record<string, string>> = {
  server_version: "15.0",
  server_version_num: "150000",
  server_encoding: "UTF8",
  client_encoding: "UTF8",
  datestyle: "ISO, MDY",
  timezone: "UTC",
  intervalstyle: "postgres",
  integer_datetimes: "on",
  standard_conforming_strings: "on",
  application_name: "",
  search_path: '"$user", public',
  extra_float_digits: "1",
  transaction_isolation: "serializable",
  default_transaction_isolation: "serializable",
  transaction_read_only: "off",
  statement_timeout: "0",
  read_consistency: "linearizable",
  max_staleness: "5s",
  is_superuser: "on",
  session_authorization: "kodiak",
  max_identifier_length: "63",
  lc_messages: "C",
  lc_collate: "C",
  lc_ctype: "C",
};

const READ_ONLY = new Set([
  "server_version",
  "server_version_num",
  "server_encoding",
  "integer_datetimes",
  "max_identifier_length",
  "is_superuser",
  "lc_collate",
  "lc_ctype",
]);

/** A duration setting ("5s", "500ms", "1min", a bare number of milliseconds) in ms; undefined if malformed. */
export function durationSettingMs(value: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|min|h)?\s*$/i.exec(value);
  if (m === null) return undefined;
  const unit = (m[2] ?? "ms").toLowerCase();
  return Number(m[1]) * (unit === "s" ? 1000 : unit === "min" ? 60_000 : unit === "h" ? 3_600_000 : 1);
}

const invalidValue = (name: string, value: string) =>
  new KodiakError(SqlState.invalidParameterValue, `invalid value for parameter "${name}": "${value}"`);

/** Settings whose values are checked on SET (22023 otherwise, as in PostgreSQL). */
const VALIDATE: Record<string, (value: string) => void> = {
  read_consistency: (v) => {
    if (v.toLowerCase() !== "linearizable" && v.toLowerCase() !== "stale") {
      throw new KodiakError(SqlState.invalidParameterValue, `invalid value for parameter "read_consistency": "${v}"`, {
        hint: "Available values: linearizable, stale.",
      });
    }
  },
  max_staleness: (v) => {
    if (durationSettingMs(v) === undefined) throw invalidValue("max_staleness", v);
  },
};

export class Settings {
  private readonly values = new Map<string, string>();
  constructor(startup: Record<string, string> | undefined) {
    for (const [k, v] of Object.entries(startup ?? {})) this.values.set(k.toLowerCase(), v);
  }
  get(name: string): string | undefined {
    const n = name.toLowerCase();
    return this.values.get(n) ?? DEFAULT_SETTINGS[n];
  }
  set(name: string, value: string | undefined): void {
    const n = name.toLowerCase();
    if (READ_ONLY.has(n)) throw new KodiakError("55P02", `parameter "${n}" cannot be changed`);
    if (!(n in DEFAULT_SETTINGS) && !n.includes(".") && !this.values.has(n)) {
      throw new KodiakError(SqlState.undefinedObject, `unrecognized configuration parameter "${n}"`);
    }
    if (value !== undefined) VALIDATE[n]?.(value);
    if (value === undefined) this.values.delete(n);
    else this.values.set(n, value);
  }
  reset(name: string): void {
    if (name === "all") this.values.clear();
    else this.values.delete(name.toLowerCase());
  }
  all(): [string, string][] {
    const keys = new Set([...Object.keys(DEFAULT_SETTINGS), ...this.values.keys()]);
    return [...keys].sort().map((k) => [k, this.get(k) ?? ""]);
  }
}
