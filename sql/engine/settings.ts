// Session settings with PostgreSQL's names and defaults, as SET/SHOW/RESET and pgwire's
// ParameterStatus see them. Unknown names are accepted by SET only when they look like
// extension settings ("x.y"), otherwise 42704, as in PostgreSQL.
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type FileSystem, KodiakError, nodeFileSystem, SqlState } from "../../util/index.js";
import { type SpillContext, TempSpace } from "../plan/spill/index.js";

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
  work_mem: "64MB",
  temp_file_limit: "16GB",
  index_backfill_chunk_size: "4MB",
};

/** Fixed by the server: SHOW-able, never SET (55P02). */
export const READ_ONLY_SETTINGS: ReadonlySet<string> = new Set([
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
    if (READ_ONLY_SETTINGS.has(n)) throw new KodiakError("55P02", `parameter "${n}" cannot be changed`);
    if (!(n in DEFAULT_SETTINGS) && !n.includes(".") && !this.values.has(n)) {
      throw new KodiakError(SqlState.undefinedObject, `unrecognized configuration parameter "${n}"`);
    }
    if (value !== undefined) VALIDATE[n]?.(value);
    if (value === undefined) this.values.delete(n);
    else this.values.set(n, n in MEMORY_SETTINGS ? formatKilobytes(parseMemorySetting(n, value)) : value);
  }
  reset(name: string): void {
    if (name === "all") this.values.clear();
    else this.values.delete(name.toLowerCase());
  }
  /** A memory setting (work_mem, temp_file_limit) in bytes; negative means unlimited. */
  bytes(name: "work_mem" | "temp_file_limit" | "index_backfill_chunk_size"): number {
    const kb = parseMemorySetting(name, this.get(name) ?? DEFAULT_SETTINGS[name]);
    return kb < 0 ? -1 : kb * 1024;
  }
  all(): [string, string][] {
    const keys = new Set([...Object.keys(DEFAULT_SETTINGS), ...this.values.keys()]);
    return [...keys].sort().map((k) => [k, this.get(k) ?? ""]);
  }
}

/** Memory settings: PostgreSQL's base unit (kB) and valid range in kB. */
const MEMORY_SETTINGS: Readonly<Record<string, { min: number; max: number }>> = {
  work_mem: { min: 64, max: 2147483647 },
  temp_file_limit: { min: -1, max: 2147483647 },
  /** Bytes one CREATE INDEX backfill commit writes: well under the 48 MiB Raft command limit. */
  index_backfill_chunk_size: { min: 64, max: 16 * 1024 },
};

const UNIT_KB: Readonly<Record<string, number>> = { B: 1 / 1024, kB: 1, MB: 1024, GB: 1024 ** 2, TB: 1024 ** 3 };

/** Parses '4MB', '512kB', '1.5GB' or a bare number of kB as PostgreSQL does (units case-sensitive). */
export function parseMemorySetting(name: string, value: string): number {
  const range = MEMORY_SETTINGS[name];
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*$/.exec(value);
  const unit = m?.[2] ?? "";
  if (!m || (unit !== "" && !(unit in UNIT_KB))) {
    throw new KodiakError(SqlState.invalidParameterValue, `invalid value for parameter "${name}": "${value}"`, {
      hint: unit ? 'Valid units for this parameter are "B", "kB", "MB", "GB", and "TB".' : undefined,
    });
  }
  const kb = Math.ceil(Number(m[1]) * (unit === "" ? 1 : UNIT_KB[unit]));
  if (range && (kb < range.min || kb > range.max)) {
    throw new KodiakError(
      SqlState.invalidParameterValue,
      `${kb} kB is outside the valid range for parameter "${name}" (${range.min} .. ${range.max})`,
    );
  }
  return kb;
}

/** SHOW form: the largest unit that divides the value exactly ("64MB", "100kB"), as PostgreSQL. */
export function formatKilobytes(kb: number): string {
  if (kb < 0) return String(kb);
  if (kb === 0) return "0";
  for (const [unit, size] of [
    ["TB", 1024 ** 3],
    ["GB", 1024 ** 2],
    ["MB", 1024],
  ] as const) {
    if (kb % size === 0) return `${kb / size}${unit}`;
  }
  return `${kb}kB`;
}

/** Where sessions put spill files unless the engine names a directory. */
export function defaultTempDir(): string {
  return join(tmpdir(), "kodiak-temp");
}

/** The temp space of one session: its files are named per session and removed with it. */
export function sessionTempSpace(fs: FileSystem | undefined, dir: string | undefined): TempSpace {
  return new TempSpace(fs ?? nodeFileSystem, dir ?? defaultTempDir());
}

/** work_mem and temp_file_limit as one statement sees them. */
export function statementSpillContext(settings: Settings, temp: TempSpace): SpillContext {
  temp.limitBytes = settings.bytes("temp_file_limit");
  return { workMemBytes: settings.bytes("work_mem"), temp, notes: new Map() };
}
