// Date/time arithmetic on the canonical text forms used for date, timestamp[tz] and interval
// values: interval parsing/formatting (PostgreSQL "postgres" style), timestamp ± interval,
// timestamp differences, EXTRACT/date_part fields and date_trunc. All in UTC; no clock access.
import { KodiakError, SqlState } from "../../util/index.js";

export interface Interval {
  months: number;
  days: number;
  micros: number;
}

const MICROS_PER_SECOND = 1_000_000;
const MICROS_PER_DAY = 86_400 * MICROS_PER_SECOND;

const UNITS: Record<string, [keyof Interval, number]> = {
  microsecond: ["micros", 1],
  microseconds: ["micros", 1],
  us: ["micros", 1],
  millisecond: ["micros", 1000],
  milliseconds: ["micros", 1000],
  ms: ["micros", 1000],
  second: ["micros", MICROS_PER_SECOND],
  seconds: ["micros", MICROS_PER_SECOND],
  sec: ["micros", MICROS_PER_SECOND],
  secs: ["micros", MICROS_PER_SECOND],
  s: ["micros", MICROS_PER_SECOND],
  minute: ["micros", 60 * MICROS_PER_SECOND],
  minutes: ["micros", 60 * MICROS_PER_SECOND],
  min: ["micros", 60 * MICROS_PER_SECOND],
  mins: ["micros", 60 * MICROS_PER_SECOND],
  m: ["micros", 60 * MICROS_PER_SECOND],
  hour: ["micros", 3600 * MICROS_PER_SECOND],
  hours: ["micros", 3600 * MICROS_PER_SECOND],
  h: ["micros", 3600 * MICROS_PER_SECOND],
  hr: ["micros", 3600 * MICROS_PER_SECOND],
  hrs: ["micros", 3600 * MICROS_PER_SECOND],
  day: ["days", 1],
  days: ["days", 1],
  d: ["days", 1],
  week: ["days", 7],
  weeks: ["days", 7],
  w: ["days", 7],
  month: ["months", 1],
  months: ["months", 1],
  mon: ["months", 1],
  mons: ["months", 1],
  year: ["months", 12],
  years: ["months", 12],
  y: ["months", 12],
  yr: ["months", 12],
  yrs: ["months", 12],
  decade: ["months", 120],
  decades: ["months", 120],
  century: ["months", 1200],
  centuries: ["months", 1200],
};

function badInterval(text: string): KodiakError {
  return new KodiakError(SqlState.invalidDatetimeFormat, `invalid input syntax for type interval: "${text}"`);
}

export function parseInterval(text: string): Interval {
  const iv: Interval = { months: 0, days: 0, micros: 0 };
  let s = text.trim().toLowerCase();
  if (s === "") throw badInterval(text);
  const ago = s.endsWith(" ago");
  if (ago) s = s.slice(0, -4).trim();
  if (s.startsWith("@")) s = s.slice(1).trim();
  const re = /([+-]?\d+(?:\.\d+)?)\s*([a-z]+)|([+-]?)(\d+):(\d{1,2})(?::(\d{1,2}(?:\.\d+)?))?/gy;
  let pos = 0;
  while (pos < s.length) {
    while (s[pos] === " " || s[pos] === ",") pos++;
    if (pos >= s.length) break;
    re.lastIndex = pos;
    const m = re.exec(s);
    if (!m) throw badInterval(text);
    pos = re.lastIndex;
    if (m[1] !== undefined) {
      const unit = UNITS[m[2]];
      if (!unit) throw badInterval(text);
      const n = Number(m[1]);
      const [field, factor] = unit;
      if (field === "months" && !Number.isInteger(n * factor)) {
        const whole = Math.trunc(n * factor);
        iv.months += whole;
        iv.days += Math.round((n * factor - whole) * 30);
      } else if (field === "days" && !Number.isInteger(n * factor)) {
        const whole = Math.trunc(n * factor);
        iv.days += whole;
        iv.micros += Math.round((n * factor - whole) * MICROS_PER_DAY);
      } else iv[field] += Math.round(n * factor);
    } else {
      const sign = m[3] === "-" ? -1 : 1;
      const micros = (Number(m[4]) * 3600 + Number(m[5]) * 60 + Number(m[6] ?? 0)) * MICROS_PER_SECOND;
      iv.micros += sign * Math.round(micros);
    }
  }
  return ago ? { months: -iv.months, days: -iv.days, micros: -iv.micros } : iv;
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${Math.abs(n) === 1 ? "" : "s"}`;
}

export function formatInterval(iv: Interval): string {
  const parts: string[] = [];
  const years = Math.trunc(iv.months / 12);
  const months = iv.months % 12;
  if (years) parts.push(plural(years, "year"));
  if (months) parts.push(`${months} mon${Math.abs(months) === 1 ? "" : "s"}`);
  if (iv.days) parts.push(plural(iv.days, "day"));
  if (iv.micros || parts.length === 0) {
    const neg = iv.micros < 0;
    let us = Math.abs(iv.micros);
    const h = Math.floor(us / (3600 * MICROS_PER_SECOND));
    us -= h * 3600 * MICROS_PER_SECOND;
    const mi = Math.floor(us / (60 * MICROS_PER_SECOND));
    us -= mi * 60 * MICROS_PER_SECOND;
    const sec = Math.floor(us / MICROS_PER_SECOND);
    const frac = us - sec * MICROS_PER_SECOND;
    const fracText = frac ? `.${String(frac).padStart(6, "0").replace(/0+$/, "")}` : "";
    if (iv.micros || parts.length === 0) {
      parts.push(
        `${neg ? "-" : ""}${String(h).padStart(2, "0")}:${String(mi).padStart(2, "0")}:${String(sec).padStart(2, "0")}${fracText}`,
      );
    }
  }
  return parts.join(" ");
}

export function normalizeInterval(text: string): string {
  return formatInterval(parseInterval(text));
}

/** Total length used to order intervals (30-day months, as PostgreSQL). */
export function intervalSortKey(iv: Interval): number {
  return (iv.months * 30 + iv.days) * MICROS_PER_DAY + iv.micros;
}

/** Milliseconds since the epoch and extra microseconds of a canonical timestamp text. */
function tsToMicros(ts: string): number {
  const m = /^(\d{4,})-(\d{2})-(\d{2})(?: (\d{2}):(\d{2}):(\d{2})(\.\d+)?)?/.exec(ts);
  if (!m) throw new KodiakError(SqlState.invalidDatetimeFormat, `invalid timestamp "${ts}"`);
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0));
  const frac = m[7] ? Math.round(Number(m[7]) * MICROS_PER_SECOND) : 0;
  return ms * 1000 + frac;
}

function microsToTs(us: number, tz: boolean): string {
  const ms = Math.floor(us / 1000);
  const rest = us - ms * 1000;
  const d = new Date(ms);
  const iso = d.toISOString();
  const fracMicros = (((ms % 1000) + 1000) % 1000) * 1000 + rest;
  const frac = fracMicros ? `.${String(fracMicros).padStart(6, "0").replace(/0+$/, "")}` : "";
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${frac}${tz ? "+00" : ""}`;
}

/** timestamp ± interval (months first, then days, then time, as PostgreSQL). */
export function addInterval(ts: string, iv: Interval, sign: 1 | -1, tz: boolean): string {
  let us = tsToMicros(ts);
  if (iv.months) {
    const d = new Date(Math.floor(us / 1000));
    const day = d.getUTCDate();
    const target = new Date(
      Date.UTC(
        d.getUTCFullYear(),
        d.getUTCMonth() + sign * iv.months,
        1,
        d.getUTCHours(),
        d.getUTCMinutes(),
        d.getUTCSeconds(),
        d.getUTCMilliseconds(),
      ),
    );
    const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
    target.setUTCDate(Math.min(day, lastDay));
    us = target.getTime() * 1000 + (us % 1000);
  }
  us += sign * (iv.days * MICROS_PER_DAY + iv.micros);
  return microsToTs(us, tz);
}

export function timestampDiff(a: string, b: string): Interval {
  const diff = tsToMicros(a) - tsToMicros(b);
  const days = Math.trunc(diff / MICROS_PER_DAY);
  return { months: 0, days, micros: diff - days * MICROS_PER_DAY };
}

export function scaleInterval(iv: Interval, f: number): Interval {
  const months = iv.months * f;
  const wholeMonths = Math.trunc(months);
  const days = iv.days * f + (months - wholeMonths) * 30;
  const wholeDays = Math.trunc(days);
  return { months: wholeMonths, days: wholeDays, micros: Math.round(iv.micros * f + (days - wholeDays) * MICROS_PER_DAY) };
}

/** EXTRACT(field FROM value) for timestamps/dates (text) and intervals. */
export function extractField(field: string, value: string, isInterval: boolean): number {
  const f = field.toLowerCase();
  if (isInterval) {
    const iv = parseInterval(value);
    switch (f) {
      case "epoch":
        return intervalSortKey(iv) / MICROS_PER_SECOND;
      case "year":
        return Math.trunc(iv.months / 12);
      case "month":
        return iv.months % 12;
      case "day":
        return iv.days;
      case "hour":
        return Math.trunc(iv.micros / (3600 * MICROS_PER_SECOND));
      case "minute":
        return Math.trunc((iv.micros % (3600 * MICROS_PER_SECOND)) / (60 * MICROS_PER_SECOND));
      case "second":
        return (iv.micros % (60 * MICROS_PER_SECOND)) / MICROS_PER_SECOND;
    }
    throw new KodiakError(SqlState.invalidParameterValue, `unit "${field}" not supported for type interval`);
  }
  const us = tsToMicros(value);
  const d = new Date(Math.floor(us / 1000));
  switch (f) {
    case "epoch":
      return us / MICROS_PER_SECOND;
    case "year":
      return d.getUTCFullYear();
    case "quarter":
      return Math.floor(d.getUTCMonth() / 3) + 1;
    case "month":
      return d.getUTCMonth() + 1;
    case "day":
      return d.getUTCDate();
    case "hour":
      return d.getUTCHours();
    case "minute":
      return d.getUTCMinutes();
    case "second":
      return d.getUTCSeconds() + (us % MICROS_PER_SECOND) / MICROS_PER_SECOND;
    case "milliseconds":
      return d.getUTCSeconds() * 1000 + (us % MICROS_PER_SECOND) / 1000;
    case "microseconds":
      return d.getUTCSeconds() * MICROS_PER_SECOND + (us % MICROS_PER_SECOND);
    case "dow":
      return d.getUTCDay();
    case "isodow":
      return d.getUTCDay() === 0 ? 7 : d.getUTCDay();
    case "doy":
      return (
        Math.floor((Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000) + 1
      );
    case "week": {
      const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
      const dayNum = t.getUTCDay() || 7;
      t.setUTCDate(t.getUTCDate() + 4 - dayNum);
      const yearStart = Date.UTC(t.getUTCFullYear(), 0, 1);
      return Math.ceil(((t.getTime() - yearStart) / 86_400_000 + 1) / 7);
    }
    case "decade":
      return Math.floor(d.getUTCFullYear() / 10);
    case "century":
      return Math.ceil(d.getUTCFullYear() / 100);
  }
  throw new KodiakError(SqlState.invalidParameterValue, `unit "${field}" not recognized for type timestamp`);
}

export function dateTrunc(field: string, ts: string, tz: boolean): string {
  const us = tsToMicros(ts);
  const d = new Date(Math.floor(us / 1000));
  const y = d.getUTCFullYear();
  const mo = d.getUTCMonth();
  let out: number;
  switch (field.toLowerCase()) {
    case "microseconds":
      return microsToTs(us, tz);
    case "milliseconds":
      out = d.getTime();
      break;
    case "second":
      out = Date.UTC(y, mo, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds());
      break;
    case "minute":
      out = Date.UTC(y, mo, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes());
      break;
    case "hour":
      out = Date.UTC(y, mo, d.getUTCDate(), d.getUTCHours());
      break;
    case "day":
      out = Date.UTC(y, mo, d.getUTCDate());
      break;
    case "week": {
      const dow = d.getUTCDay() || 7;
      out = Date.UTC(y, mo, d.getUTCDate() - dow + 1);
      break;
    }
    case "month":
      out = Date.UTC(y, mo, 1);
      break;
    case "quarter":
      out = Date.UTC(y, mo - (mo % 3), 1);
      break;
    case "year":
      out = Date.UTC(y, 0, 1);
      break;
    case "decade":
      out = Date.UTC(y - (y % 10), 0, 1);
      break;
    default:
      throw new KodiakError(SqlState.invalidParameterValue, `unit "${field}" not recognized for type timestamp`);
  }
  return microsToTs(out * 1000, tz);
}
