// Exact decimal numbers for NUMERIC: an unscaled bigint and a scale (digits after the point).
// Pure arithmetic, no I/O; division and scale rules follow PostgreSQL's numeric.c closely enough
// that results print the same digits.
import { KodiakError, SqlState } from "../../util/index.js";

/** PostgreSQL's NUMERIC_MIN_SIG_DIGITS: division keeps at least this many significant digits. */
const MIN_SIG_DIGITS = 16;
/** Largest scale produced by division (PostgreSQL NUMERIC_MAX_DISPLAY_SCALE). */
const MAX_DISPLAY_SCALE = 1000;

const pow10Cache: bigint[] = [];
export function pow10(n: number): bigint {
  if (n < 64) {
    let v = pow10Cache[n];
    if (v === undefined) {
      v = 10n ** BigInt(n);
      pow10Cache[n] = v;
    }
    return v;
  }
  return 10n ** BigInt(n);
}

export class Decimal {
  constructor(
    readonly unscaled: bigint,
    readonly scale: number,
  ) {}

  static fromBigInt(v: bigint): Decimal {
    return new Decimal(v, 0);
  }

  static fromNumber(v: number): Decimal {
    if (!Number.isFinite(v)) throw new KodiakError(SqlState.featureNotSupported, "cannot convert infinity or NaN to numeric");
    if (Number.isInteger(v) && Math.abs(v) < 2 ** 53) return new Decimal(BigInt(v), 0);
    // Shortest round-trip text, as PostgreSQL's float8 -> numeric does.
    return Decimal.parse(String(v));
  }

  /** Parses decimal text ("12.50", "-1e3", ".5"); throws 22P02 on anything else. */
  static parse(text: string): Decimal {
    const m = /^\s*([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?\s*$/.exec(text);
    if (!m || (m[2] === "" && (m[3] === undefined || m[3] === ""))) {
      throw new KodiakError(SqlState.invalidTextRepresentation, `invalid input syntax for type numeric: "${text}"`);
    }
    const frac = m[3] ?? "";
    let unscaled = BigInt((m[2] || "0") + frac);
    let scale = frac.length;
    const exp = m[4] ? Number(m[4]) : 0;
    if (Math.abs(exp) > 100000) throw new KodiakError(SqlState.numericValueOutOfRange, "value overflows numeric format");
    scale -= exp;
    if (scale < 0) {
      unscaled *= pow10(-scale);
      scale = 0;
    }
    if (m[1] === "-") unscaled = -unscaled;
    return new Decimal(unscaled, scale);
  }

  withScale(scale: number): Decimal {
    if (scale === this.scale) return this;
    if (scale > this.scale) return new Decimal(this.unscaled * pow10(scale - this.scale), scale);
    // Round half away from zero, as PostgreSQL.
    const div = pow10(this.scale - scale);
    const q = this.unscaled / div;
    const r = this.unscaled % div;
    const twice = (r < 0n ? -r : r) * 2n;
    const adj = twice >= div ? (this.unscaled < 0n ? -1n : 1n) : 0n;
    return new Decimal(q + adj, scale);
  }

  add(o: Decimal): Decimal {
    const s = Math.max(this.scale, o.scale);
    return new Decimal(this.withScale(s).unscaled + o.withScale(s).unscaled, s);
  }
  sub(o: Decimal): Decimal {
    const s = Math.max(this.scale, o.scale);
    return new Decimal(this.withScale(s).unscaled - o.withScale(s).unscaled, s);
  }
  mul(o: Decimal): Decimal {
    return new Decimal(this.unscaled * o.unscaled, this.scale + o.scale);
  }
  neg(): Decimal {
    return new Decimal(-this.unscaled, this.scale);
  }
  abs(): Decimal {
    return this.unscaled < 0n ? this.neg() : this;
  }
  sign(): number {
    return this.unscaled < 0n ? -1 : this.unscaled > 0n ? 1 : 0;
  }
  isZero(): boolean {
    return this.unscaled === 0n;
  }

  /** PostgreSQL's weight (base-10000 digits) and first base-10000 digit of |this|. */
  private base10000(): [number, bigint] {
    const a = this.unscaled < 0n ? -this.unscaled : this.unscaled;
    if (a === 0n) return [0, 0n];
    const w10 = a.toString().length - this.scale - 1;
    const w4 = Math.floor(w10 / 4);
    const shift = -w4 * 4 - this.scale;
    const first = shift >= 0 ? a * pow10(shift) : a / pow10(-shift);
    return [w4, first];
  }

  /** Division with PostgreSQL's select_div_scale rule (at least 16 significant digits). */
  div(o: Decimal): Decimal {
    if (o.unscaled === 0n) throw new KodiakError(SqlState.divisionByZero, "division by zero");
    const [w1, f1] = this.base10000();
    const [w2, f2] = o.base10000();
    let qweight = w1 - w2;
    if (f1 <= f2) qweight--;
    let rscale = MIN_SIG_DIGITS - qweight * 4;
    rscale = Math.max(rscale, this.scale, o.scale, 0);
    rscale = Math.min(rscale, MAX_DISPLAY_SCALE);
    return this.divScale(o, rscale);
  }

  divScale(o: Decimal, rscale: number): Decimal {
    if (o.unscaled === 0n) throw new KodiakError(SqlState.divisionByZero, "division by zero");
    // (a/10^sa) / (b/10^sb) = a*10^(sb + rscale + 1 - sa) / b, then round off the extra digit.
    const shift = o.scale + rscale + 1 - this.scale;
    let num = this.unscaled;
    let den = o.unscaled;
    if (shift >= 0) num *= pow10(shift);
    else den *= pow10(-shift);
    const q = num / den;
    return new Decimal(q, rscale + 1).withScale(rscale);
  }

  /** Truncating integer division and remainder (PostgreSQL's numeric % keeps the dividend's sign). */
  mod(o: Decimal): Decimal {
    if (o.unscaled === 0n) throw new KodiakError(SqlState.divisionByZero, "division by zero");
    const s = Math.max(this.scale, o.scale);
    return new Decimal(this.withScale(s).unscaled % o.withScale(s).unscaled, s);
  }

  compare(o: Decimal): number {
    const s = Math.max(this.scale, o.scale);
    const a = this.withScale(s).unscaled;
    const b = o.withScale(s).unscaled;
    return a < b ? -1 : a > b ? 1 : 0;
  }

  /** Integer part toward zero. */
  trunc(): bigint {
    return this.unscaled / pow10(this.scale);
  }

  toNumber(): number {
    return Number(this.toString());
  }

  toString(): string {
    const neg = this.unscaled < 0n;
    let digits = (neg ? -this.unscaled : this.unscaled).toString();
    if (this.scale === 0) return (neg ? "-" : "") + digits;
    if (digits.length <= this.scale) digits = "0".repeat(this.scale - digits.length + 1) + digits;
    const cut = digits.length - this.scale;
    return `${neg ? "-" : ""}${digits.slice(0, cut)}.${digits.slice(cut)}`;
  }

  /** Removes trailing fractional zeros (used for hashing so 1.0 and 1.00 group together). */
  normalized(): Decimal {
    let u = this.unscaled;
    let s = this.scale;
    while (s > 0 && u % 10n === 0n) {
      u /= 10n;
      s--;
    }
    return new Decimal(u, s);
  }
}
