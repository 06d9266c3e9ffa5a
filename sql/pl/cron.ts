// Cron expressions (section 13): parsing the 5-field syntax and macros, the never-fires check,
// and the next tick strictly after an instant in an IANA time zone (via Intl), with DST rules:
// a missing local time fires shifted forward by the gap; a repeated one fires at the earlier.

import { SqlState } from "../../util/index.js";
import { PlError } from "./errors.js";

export interface CronSchedule {
  readonly minutes: readonly boolean[];
  readonly hours: readonly boolean[];
  readonly doms: readonly boolean[];
  readonly months: readonly boolean[];
  /** 0..6, Sunday = 0 (7 folded to 0). */
  readonly dows: readonly boolean[];
  readonly domStar: boolean;
  readonly dowStar: boolean;
}

const MACROS: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};
const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function bad(msg: string): never {
  throw new PlError(SqlState.invalidParameterValue, `invalid cron expression: ${msg}`);
}

function parseValue(s: string, min: number, max: number, names: readonly string[] | null, nameBase: number): number {
  const byName = names?.indexOf(s.toLowerCase()) ?? -1;
  if (byName >= 0) return byName + nameBase;
  if (!/^\d+$/.test(s)) bad(`"${s}" is not a number`);
  const n = Number(s);
  if (n < min || n > max) bad(`${n} is out of range ${min}-${max}`);
  return n;
}

function parseField(field: string, min: number, max: number, names: readonly string[] | null, nameBase: number): boolean[] {
  const set = new Array<boolean>(max + 1).fill(false);
  for (const item of field.split(",")) {
    const [rangePart, stepPart, extra] = item.split("/");
    if (extra !== undefined || rangePart === undefined || rangePart === "") bad(`bad item "${item}"`);
    let step = 1;
    if (stepPart !== undefined) {
      if (!/^\d+$/.test(stepPart) || Number(stepPart) < 1) bad(`bad step in "${item}"`);
      step = Number(stepPart);
    }
    let lo: number;
    let hi: number;
    if (rangePart === "*") {
      lo = min;
      hi = max;
    } else if (rangePart.includes("-")) {
      const [a, b, more] = rangePart.split("-");
      if (more !== undefined || a === undefined || b === undefined) bad(`bad range "${rangePart}"`);
      lo = parseValue(a, min, max, names, nameBase);
      hi = parseValue(b, min, max, names, nameBase);
      if (lo > hi) bad(`reversed range "${rangePart}"`);
    } else {
      lo = parseValue(rangePart, min, max, names, nameBase);
      hi = stepPart !== undefined ? max : lo;
    }
    for (let i = lo; i <= hi; i += step) set[i] = true;
  }
  return set;
}

export function parseCron(expr: string): CronSchedule {
  const trimmed = expr.trim();
  const text = trimmed.startsWith("@") ? MACROS[trimmed.toLowerCase()] : trimmed;
  if (text === undefined) bad(`unknown macro "${trimmed}"`);
  const fields = text.split(/\s+/);
  if (fields.length !== 5) bad(`expected 5 fields, got ${fields.length}`);
  const [mi, h, dom, mon, dow] = fields as [string, string, string, string, string];
  const dowSet = parseField(dow, 0, 7, DAYS, 0);
  if (dowSet[7]) dowSet[0] = true;
  const s: CronSchedule = {
    minutes: parseField(mi, 0, 59, null, 0),
    hours: parseField(h, 0, 23, null, 0),
    doms: parseField(dom, 1, 31, null, 0),
    months: parseField(mon, 1, 12, MONTHS, 1),
    dows: dowSet.slice(0, 7),
    domStar: dom === "*",
    dowStar: dow === "*",
  };
  if (s.dowStar && !s.domStar) {
    const possible = s.months.some((on, m) => on && m >= 1 && s.doms.some((d, day) => d && day >= 1 && day <= DAYS_IN_MONTH[m - 1]!));
    if (!possible) bad("the schedule can never fire");
  }
  return s;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

export function checkTimeZone(tz: string): void {
  formatterFor(tz);
}

function formatterFor(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat("en-US", {
        timeZone: tz,
        hourCycle: "h23",
        year: "numeric",
        month: "numeric",
        day: "numeric",
        hour: "numeric",
        minute: "numeric",
        second: "numeric",
      });
    } catch {
      throw new PlError(SqlState.invalidParameterValue, `time zone "${tz}" is not recognized`);
    }
    formatters.set(tz, f);
  }
  return f;
}

/** Local wall time of an instant, as "UTC-like" epoch ms. */
function wallMs(instantMs: number, tz: string): number {
  const parts = formatterFor(tz).formatToParts(new Date(instantMs));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  return Date.UTC(get("year"), get("month") - 1, get("day"), get("hour") % 24, get("minute"), get("second"));
}

const offsetAt = (instantMs: number, tz: string): number => wallMs(instantMs, tz) - Math.floor(instantMs / 1000) * 1000;

/** Instant of a local wall time: earlier occurrence if repeated, shifted by the gap if missing. */
export function instantOfWall(wall: number, tz: string): number {
  const before = offsetAt(wall - 86400000, tz);
  const after = offsetAt(wall + 86400000, tz);
  const valid = [wall - before, wall - after].filter((t) => wallMs(t, tz) === wall);
  if (valid.length > 0) return Math.min(...valid);
  return wall - before;
}

function dayMatches(s: CronSchedule, y: number, m: number, d: number): boolean {
  if (!s.months[m]) return false;
  const dow = new Date(Date.UTC(y, m - 1, d)).getUTCDay();
  const domOk = s.doms[d] === true;
  const dowOk = s.dows[dow] === true;
  if (!s.domStar && !s.dowStar) return domOk || dowOk;
  return domOk && dowOk;
}

const MAX_SEARCH_DAYS = 366 * 30;

/** First tick strictly after `afterMs` (epoch ms) in time zone `tz`, or null if none in 30 years. */
export function cronNext(s: CronSchedule, afterMs: number, tz = "UTC"): number | null {
  const startWall = Math.floor(wallMs(afterMs, tz) / 60000) * 60000 + 60000;
  const start = new Date(startWall);
  for (let day = 0; day < MAX_SEARCH_DAYS; day++) {
    const date = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate() + day));
    const y = date.getUTCFullYear();
    const m = date.getUTCMonth() + 1;
    const d = date.getUTCDate();
    if (!dayMatches(s, y, m, d)) continue;
    for (let h = 0; h < 24; h++) {
      if (!s.hours[h]) continue;
      for (let mi = 0; mi < 60; mi++) {
        if (!s.minutes[mi]) continue;
        const wall = Date.UTC(y, m - 1, d, h, mi);
        if (wall < startWall) continue;
        const t = instantOfWall(wall, tz);
        if (t > afterMs) return t;
      }
    }
  }
  return null;
}
