// Converts the text forms of date/time values (as SqlValue strings) to and from PostgreSQL's
// binary form: days (int32) or microseconds (int64) since 2000-01-01, infinities at the extremes.

import { KodiakError, SqlState } from "../../util/index.js";

const US_PER_DAY = 86_400_000_000n;
const INT64_MAX = 0x7fffffffffffffffn;
const INT64_MIN = -0x8000000000000000n;
const INT32_MAX = 0x7fffffff;
const INT32_MIN = -0x80000000;

/** Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function civilFromDays(z0: number): [number, number, number] {
  const z = z0 + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp + (mp < 10 ? 3 : -9);
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

const PG_EPOCH_DAYS = daysFromCivil(2000, 1, 1);

function bad(type: string, text: string): KodiakError {
  return new KodiakError(SqlState.invalidDatetimeFormat, `invalid input syntax for type ${type}: "${text}"`);
}

const pad = (n: number, w = 2): string => String(n).padStart(w, "0");

const DATE_RE = /^(\d{4,})-(\d{1,2})-(\d{1,2})/;
const TIME_RE = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6})\d*)?)?/;
const ZONE_RE = /^(?:Z|([+-])(\d{1,2})(?::?(\d{2}))?(?::?(\d{2}))?)$/;

/** Parses the leading date of text; a trailing " BC" (PostgreSQL's era marker) anywhere after it counts. */
function parseDateDays(text: string, type: string): { days: number; rest: string } {
  const bc = text.endsWith(" BC");
  const body = bc ? text.slice(0, -3) : text;
  const m = DATE_RE.exec(body);
  if (m === null) throw bad(type, text);
  let year = Number(m[1]);
  if (bc) year = 1 - year;
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1 || day > 31) throw bad(type, text);
  return { days: daysFromCivil(year, month, day) - PG_EPOCH_DAYS, rest: body.slice(m[0].length) };
}

function parseTimeUs(text: string, type: string): { us: bigint; rest: string } {
  const m = TIME_RE.exec(text);
  if (m === null) throw bad(type, text);
  const frac = (m[4] ?? "").padEnd(6, "0");
  const us = ((BigInt(m[1]!) * 60n + BigInt(m[2]!)) * 60n + BigInt(m[3] ?? "0")) * 1_000_000n + BigInt(frac);
  return { us, rest: text.slice(m[0].length) };
}

function zoneOffsetUs(text: string, type: string, full: string): bigint {
  const t = text.trim();
  if (t === "") return 0n;
  const m = ZONE_RE.exec(t);
  if (m === null) throw bad(type, full);
  if (m[1] === undefined) return 0n;
  const secs = Number(m[2]) * 3600 + Number(m[3] ?? "0") * 60 + Number(m[4] ?? "0");
  return BigInt(m[1] === "-" ? -secs : secs) * 1_000_000n;
}

export function dateToDays(text: string): number {
  if (text === "infinity") return INT32_MAX;
  if (text === "-infinity") return INT32_MIN;
  const { days, rest } = parseDateDays(text, "date");
  if (rest.trim() !== "") throw bad("date", text);
  return days;
}

export function daysToDate(days: number): string {
  if (days === INT32_MAX) return "infinity";
  if (days === INT32_MIN) return "-infinity";
  const [y, m, d] = civilFromDays(days + PG_EPOCH_DAYS);
  return y > 0 ? `${pad(y, 4)}-${pad(m)}-${pad(d)}` : `${pad(1 - y, 4)}-${pad(m)}-${pad(d)} BC`;
}

export function timeToUs(text: string): bigint {
  const { us, rest } = parseTimeUs(text, "time");
  if (rest.trim() !== "") throw bad("time", text);
  return us;
}

function formatTimeOfDay(us: bigint): string {
  const secs = us / 1_000_000n;
  const frac = us % 1_000_000n;
  const h = Number(secs / 3600n);
  const mi = Number((secs / 60n) % 60n);
  const s = Number(secs % 60n);
  const f = frac === 0n ? "" : `.${frac.toString().padStart(6, "0").replace(/0+$/, "")}`;
  return `${pad(h)}:${pad(mi)}:${pad(s)}${f}`;
}

export function usToTime(us: bigint): string {
  return formatTimeOfDay(us);
}

/** timestamp (without zone) or, with withZone, timestamptz normalised to UTC. */
export function timestampToUs(text: string, withZone: boolean): bigint {
  const type = withZone ? "timestamp with time zone" : "timestamp without time zone";
  if (text === "infinity") return INT64_MAX;
  if (text === "-infinity") return INT64_MIN;
  const date = parseDateDays(text, type);
  let rest = date.rest;
  let us = 0n;
  if (rest.startsWith(" ") || rest.startsWith("T")) {
    const t = parseTimeUs(rest.slice(1), type);
    us = t.us;
    rest = t.rest;
  }
  if (!withZone && rest.trim() !== "") throw bad(type, text);
  const offset = withZone ? zoneOffsetUs(rest, type, text) : 0n;
  return BigInt(date.days) * US_PER_DAY + us - offset;
}

export function usToTimestamp(us: bigint, withZone: boolean): string {
  if (us === INT64_MAX) return "infinity";
  if (us === INT64_MIN) return "-infinity";
  let days = us / US_PER_DAY;
  let rem = us % US_PER_DAY;
  if (rem < 0n) {
    rem += US_PER_DAY;
    days -= 1n;
  }
  const date = daysToDate(Number(days));
  const bc = date.endsWith(" BC");
  const base = `${bc ? date.slice(0, -3) : date} ${formatTimeOfDay(rem)}${withZone ? "+00" : ""}`;
  return bc ? `${base} BC` : base;
}
