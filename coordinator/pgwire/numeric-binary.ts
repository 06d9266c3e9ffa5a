// PostgreSQL's binary numeric: int16 ndigits, int16 weight, int16 sign, int16 dscale, then
// base-10000 digits. Converts to and from exact decimal strings (SqlValue for numeric); no floats.

import { KodiakError, SqlState } from "../../util/index.js";
import { ByteReader } from "./byte-reader.js";
import { ByteWriter } from "./byte-writer.js";

const SIGN_POS = 0x0000;
const SIGN_NEG = 0x4000;
const SIGN_NAN = 0xc000;
const SIGN_PINF = 0xd000;
const SIGN_NINF = 0xf000;
const NUMERIC_RE = /^([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
/** Exponents beyond this are rejected rather than expanded into huge digit strings. */
const MAX_EXPONENT = 100_000;

function header(w: ByteWriter, ndigits: number, weight: number, sign: number, dscale: number): void {
  w.int16(ndigits)
    .int16(weight)
    .uint8(sign >> 8)
    .uint8(sign & 0xff)
    .int16(dscale);
}

export function encodeNumeric(text: string): Buffer {
  const w = new ByteWriter(16);
  const t = text.trim();
  const special = t.toLowerCase();
  if (special === "nan") header(w, 0, 0, SIGN_NAN, 0);
  else if (special === "infinity" || special === "+infinity") header(w, 0, 0, SIGN_PINF, 0);
  else if (special === "-infinity") header(w, 0, 0, SIGN_NINF, 0);
  else encodeFinite(w, t);
  return w.take();
}

function encodeFinite(w: ByteWriter, text: string): void {
  const m = NUMERIC_RE.exec(text);
  if (m === null || (m[2] === "" && (m[3] ?? "") === "")) {
    throw new KodiakError(SqlState.invalidTextRepresentation, `invalid input syntax for type numeric: "${text}"`);
  }
  const exp = Number(m[4] ?? "0");
  if (Math.abs(exp) > MAX_EXPONENT) throw new KodiakError(SqlState.numericValueOutOfRange, "value overflows numeric format");
  let intPart = m[2]!;
  let fracPart = m[3] ?? "";
  // Apply the exponent by moving the decimal point.
  if (exp > 0) {
    const moved = fracPart.padEnd(exp, "0");
    intPart += moved.slice(0, exp);
    fracPart = moved.slice(exp);
  } else if (exp < 0) {
    const moved = intPart.padStart(-exp, "0");
    fracPart = moved.slice(moved.length + exp) + fracPart;
    intPart = moved.slice(0, moved.length + exp);
  }
  const dscale = fracPart.length;
  intPart = intPart.replace(/^0+/, "");
  const intPadded = intPart.padStart(Math.ceil(intPart.length / 4) * 4, "0");
  const fracPadded = fracPart.padEnd(Math.ceil(fracPart.length / 4) * 4, "0");
  const groups: number[] = [];
  for (let i = 0; i < intPadded.length; i += 4) groups.push(Number(intPadded.slice(i, i + 4)));
  for (let i = 0; i < fracPadded.length; i += 4) groups.push(Number(fracPadded.slice(i, i + 4)));
  let weight = intPadded.length / 4 - 1;
  let first = 0;
  while (first < groups.length && groups[first] === 0) {
    first++;
    weight--;
  }
  let last = groups.length;
  while (last > first && groups[last - 1] === 0) last--;
  const digits = groups.slice(first, last);
  if (digits.length === 0) {
    header(w, 0, 0, SIGN_POS, dscale);
    return;
  }
  header(w, digits.length, weight, m[1] === "-" ? SIGN_NEG : SIGN_POS, dscale);
  for (const d of digits) w.int16(d);
}

export function decodeNumeric(bytes: Buffer): string {
  const r = new ByteReader(bytes, "binary numeric");
  const ndigits = r.int16();
  const weight = r.int16();
  const sign = r.int16() & 0xffff;
  const dscale = r.int16();
  if (sign === SIGN_NAN) return "NaN";
  if (sign === SIGN_PINF) return "Infinity";
  if (sign === SIGN_NINF) return "-Infinity";
  if ((sign !== SIGN_POS && sign !== SIGN_NEG) || ndigits < 0 || dscale < 0) {
    throw new KodiakError(SqlState.invalidParameterValue, 'invalid sign or size in external "numeric" value');
  }
  const digits: number[] = [];
  for (let i = 0; i < ndigits; i++) {
    const d = r.int16();
    if (d < 0 || d > 9999) throw new KodiakError(SqlState.invalidParameterValue, 'invalid digit in external "numeric" value');
    digits.push(d);
  }
  r.done();
  const at = (k: number): number => (k >= 0 && k < ndigits ? digits[k]! : 0);
  let intPart = "0";
  if (weight >= 0) {
    intPart = String(at(0));
    for (let k = 1; k <= weight; k++) intPart += String(at(k)).padStart(4, "0");
  }
  let frac = "";
  const fracGroups = Math.ceil(dscale / 4);
  for (let k = weight + 1; k <= weight + fracGroups; k++) frac += String(at(k)).padStart(4, "0");
  frac = frac.slice(0, dscale);
  const isZero = digits.every((d) => d === 0);
  const signText = sign === SIGN_NEG && !isZero ? "-" : "";
  return dscale > 0 ? `${signText}${intPart}.${frac}` : `${signText}${intPart}`;
}
