// PostgreSQL's binary interval (int64 microseconds, int32 days, int32 months) to and from the
// "postgres" IntervalStyle text ("1 year 2 mons -3 days +04:05:06.5") that SqlValues carry.

import { KodiakError, SqlState } from "../../util/index.js";

export interface IntervalParts {
  us: bigint;
  days: number;
  months: number;
}

const US_PER_SECOND = 1_000_000n;
const UNIT_RE = /^(years?|mons?|months?|days?|weeks?|hours?|mins?|minutes?|secs?|seconds?)$/;
const TIME_RE = /^([+-])?(\d+):(\d{2})(?::(\d{2})(?:\.(\d{1,6})\d*)?)?$/;
const NUMBER_RE = /^[+-]?\d+(?:\.\d+)?$/;

function bad(text: string): KodiakError {
  return new KodiakError(SqlState.invalidDatetimeFormat, `invalid input syntax for type interval: "${text}"`);
}

function secondsToUs(seconds: string): bigint {
  const neg = seconds.startsWith("-");
  const [whole, frac = ""] = seconds.replace(/^[+-]/, "").split(".") as [string, string?];
  const us = BigInt(whole) * US_PER_SECOND + BigInt(frac.slice(0, 6).padEnd(6, "0"));
  return neg ? -us : us;
}

/** Parses "postgres"-style interval text (unit words and an optional [+-]HH:MM[:SS[.f]] part). */
export function parseInterval(text: string): IntervalParts {
  const tokens = text.trim().replace(/^@\s*/, "").split(/\s+/);
  const out: IntervalParts = { us: 0n, days: 0, months: 0 };
  if (tokens.length === 1 && tokens[0] === "") throw bad(text);
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i]!;
    const time = TIME_RE.exec(tok);
    if (time !== null) {
      const us =
        ((BigInt(time[2]!) * 60n + BigInt(time[3]!)) * 60n + BigInt(time[4] ?? "0")) * US_PER_SECOND +
        BigInt((time[5] ?? "").padEnd(6, "0"));
      out.us += time[1] === "-" ? -us : us;
      continue;
    }
    const unit = tokens[i + 1]?.toLowerCase();
    if (!NUMBER_RE.test(tok) || unit === undefined || !UNIT_RE.test(unit)) throw bad(text);
    i++;
    const whole = tok.includes(".") ? Number.NaN : Number(tok);
    if (unit.startsWith("year")) out.months += checkedInt(whole, text) * 12;
    else if (unit.startsWith("mon")) out.months += checkedInt(whole, text);
    else if (unit.startsWith("week")) out.days += checkedInt(whole, text) * 7;
    else if (unit.startsWith("day")) out.days += checkedInt(whole, text);
    else if (unit.startsWith("hour")) out.us += secondsToUs(tok) * 3600n;
    else if (unit.startsWith("min")) out.us += secondsToUs(tok) * 60n;
    else out.us += secondsToUs(tok);
  }
  return out;
}

function checkedInt(n: number, text: string): number {
  if (!Number.isSafeInteger(n)) throw bad(text);
  return n;
}

/** PostgreSQL's IntervalStyle "postgres" output. */
export function formatInterval(p: IntervalParts): string {
  const parts: string[] = [];
  let before = false;
  const add = (value: number, unit: string): void => {
    if (value === 0) return;
    parts.push(`${before && value > 0 ? "+" : ""}${value} ${unit}${value !== 1 ? "s" : ""}`);
    before ||= value < 0;
  };
  add(Math.trunc(p.months / 12), "year");
  add(p.months % 12, "mon");
  add(p.days, "day");
  if (parts.length === 0 || p.us !== 0n) {
    const minus = p.us < 0n;
    const abs = minus ? -p.us : p.us;
    const secs = abs / US_PER_SECOND;
    const frac = abs % US_PER_SECOND;
    const hh = String(secs / 3600n).padStart(2, "0");
    const mm = String((secs / 60n) % 60n).padStart(2, "0");
    const ss = String(secs % 60n).padStart(2, "0");
    const f = frac === 0n ? "" : `.${frac.toString().padStart(6, "0").replace(/0+$/, "")}`;
    parts.push(`${minus ? "-" : before ? "+" : ""}${hh}:${mm}:${ss}${f}`);
  }
  return parts.join(" ");
}
