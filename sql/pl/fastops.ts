// Binary operators specialised once per operator for the compiled evaluator: integer and float
// operands of the same family take an allocation-light fast path with the exact results, errors
// and messages of ops.ts; everything else (NULLs, unknown literals, text, dates, NUMERIC, arrays)
// goes to the general `binary`. Never a different answer than ops.ts, only a shorter way to it.

import { SqlState } from "../../util/index.js";
import { plError } from "./errors.js";
import { type BinaryOp, binary } from "./ops.js";
import { T } from "./types.js";
import type { PlValue } from "./values.js";

export type BinaryFn = (l: PlValue, r: PlValue) => PlValue;

/** Shared immutable booleans: values are never mutated, so comparisons need not allocate. */
export const TRUE: PlValue = { t: T.bool, v: true };
export const FALSE: PlValue = { t: T.bool, v: false };

const INT64_MIN = -9223372036854775808n;
const INT64_MAX = 9223372036854775807n;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const INT16_MIN = -32768;
const INT16_MAX = 32767;

/** Integer kinds ranked as numericPromote ranks them; 0 = not an integer. */
function intRank(k: string): number {
  return k === "int32" ? 2 : k === "int64" ? 3 : k === "int16" ? 1 : 0;
}

function outOfRange(rank: number): never {
  throw plError(SqlState.numericValueOutOfRange, `${rank === 3 ? "bigint" : rank === 2 ? "integer" : "smallint"} out of range`);
}

function divZero(): never {
  throw plError(SqlState.divisionByZero, "division by zero");
}

function futureCheck(l: PlValue, r: PlValue): void {
  if (l.t.k === "future" || r.t.k === "future")
    throw plError(SqlState.datatypeMismatch, "a FUTURE must be awaited before it is used as a value");
}

/** The general path, with the FUTURE check the evaluator does before `binary`. */
function slow(op: BinaryOp): BinaryFn {
  return (l, r) => {
    futureCheck(l, r);
    return binary(op, l, r);
  };
}

function int64Result(op: string, a: bigint, b: bigint): PlValue {
  let x: bigint;
  switch (op) {
    case "+":
      x = a + b;
      break;
    case "-":
      x = a - b;
      break;
    case "*":
      x = a * b;
      break;
    case "/":
      if (b === 0n) divZero();
      x = a / b;
      break;
    default:
      if (b === 0n) divZero();
      x = a % b;
  }
  if (x > INT64_MAX || x < INT64_MIN) outOfRange(3);
  return { t: T.int64, v: x };
}

/** int16/int32 arithmetic on doubles: every result that fits is exact (see the division note). */
function smallIntResult(op: string, rank: number, a: number, b: number): PlValue {
  let x: number;
  switch (op) {
    case "+":
      x = a + b;
      break;
    case "-":
      x = a - b;
      break;
    case "*":
      // A product that fits in 32 bits is exact in a double; one that does not stays out of range.
      x = a * b;
      break;
    case "/":
      if (b === 0) divZero();
      // |a| < 2^31: a non-integral quotient is at least 1/|b| from an integer, more than its
      // rounding error, so truncating the double quotient truncates the exact one.
      x = Math.trunc(a / b);
      break;
    default:
      if (b === 0) divZero();
      x = a % b;
  }
  if (rank === 2 ? x > INT32_MAX || x < INT32_MIN : x > INT16_MAX || x < INT16_MIN) outOfRange(rank);
  // `| 0` turns -0 (from `%` or `*`) into 0, as the BigInt path of ops.ts produces.
  return { t: rank === 2 ? T.int32 : T.int16, v: x | 0 };
}

function floatResult(op: string, real: boolean, a: number, b: number): PlValue {
  let x: number;
  switch (op) {
    case "+":
      x = a + b;
      break;
    case "-":
      x = a - b;
      break;
    case "*":
      x = a * b;
      break;
    case "/":
      if (b === 0) divZero();
      x = a / b;
      break;
    default:
      if (b === 0) divZero();
      x = a % b;
  }
  if (!Number.isFinite(x) && Number.isFinite(a) && Number.isFinite(b))
    throw plError(SqlState.numericValueOutOfRange, "value out of range: overflow");
  return real ? { t: T.real, v: Math.fround(x) } : { t: T.double, v: x };
}

function arithmetic(op: BinaryOp): BinaryFn {
  const general = slow(op);
  const mixed: BinaryFn = (l, r) => {
    const lv = l.v;
    const rv = r.v;
    if (lv !== null && rv !== null) {
      const lk = l.t.k;
      const rk = r.t.k;
      const lr = intRank(lk);
      const rr = intRank(rk);
      if (lr !== 0 && rr !== 0) {
        if (lr === 3 || rr === 3) {
          return int64Result(op, typeof lv === "bigint" ? lv : BigInt(lv as number), typeof rv === "bigint" ? rv : BigInt(rv as number));
        }
        return smallIntResult(op, Math.max(lr, rr), lv as number, rv as number);
      }
      if (lk === "double" && rk === "double") return floatResult(op, false, lv as number, rv as number);
    }
    return general(l, r);
  };
  // INT32 op INT32, the most common case, without a switch or a range lookup. Only `*`, `/` and
  // `%` can produce -0 from integers; `| 0` makes it 0 as the BigInt path would.
  const int32 = T.int32;
  switch (op) {
    case "+":
      return (l, r) => {
        const lv = l.v;
        const rv = r.v;
        if (l.t !== int32 || r.t !== int32 || lv === null || rv === null) return mixed(l, r);
        const x = (lv as number) + (rv as number);
        if (x > INT32_MAX || x < INT32_MIN) outOfRange(2);
        return { t: int32, v: x };
      };
    case "-":
      return (l, r) => {
        const lv = l.v;
        const rv = r.v;
        if (l.t !== int32 || r.t !== int32 || lv === null || rv === null) return mixed(l, r);
        const x = (lv as number) - (rv as number);
        if (x > INT32_MAX || x < INT32_MIN) outOfRange(2);
        return { t: int32, v: x };
      };
    case "*":
      return (l, r) => {
        const lv = l.v;
        const rv = r.v;
        if (l.t !== int32 || r.t !== int32 || lv === null || rv === null) return mixed(l, r);
        const x = (lv as number) * (rv as number);
        if (x > INT32_MAX || x < INT32_MIN) outOfRange(2);
        return { t: int32, v: x | 0 };
      };
    case "%":
      return (l, r) => {
        const lv = l.v;
        const rv = r.v;
        if (l.t !== int32 || r.t !== int32 || lv === null || rv === null || rv === 0) return mixed(l, r);
        return { t: int32, v: ((lv as number) % (rv as number)) | 0 };
      };
    default:
      return mixed;
  }
}

function isFloatOrInt(k: string): boolean {
  return k === "int32" || k === "int64" || k === "double" || k === "int16" || k === "real";
}

/** compareValues' numeric branch, for two non-NULL int/float operands. */
function compareNumbers(a: number | bigint, b: number | bigint): number {
  if (typeof a === "bigint" && typeof b === "bigint") return a < b ? -1 : a > b ? 1 : 0;
  const x = Number(a);
  const y = Number(b);
  if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) ? (Number.isNaN(y) ? 0 : 1) : -1;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Comparison on floats (and ints against floats) as compareValues does; else the general path. */
function comparison(op: BinaryOp): BinaryFn {
  const general = slow(op);
  const test: (c: number) => boolean =
    op === "="
      ? (c) => c === 0
      : op === "<>"
        ? (c) => c !== 0
        : op === "<"
          ? (c) => c < 0
          : op === ">"
            ? (c) => c > 0
            : op === "<="
              ? (c) => c <= 0
              : (c) => c >= 0;
  return (l, r) => {
    const lv = l.v;
    const rv = r.v;
    if (lv !== null && rv !== null && isFloatOrInt(l.t.k) && isFloatOrInt(r.t.k)) {
      return test(compareNumbers(lv as number | bigint, rv as number | bigint)) ? TRUE : FALSE;
    }
    return general(l, r);
  };
}

const isInt = (x: PlValue): boolean => x.v !== null && intRank(x.t.k) !== 0;

/** Integer comparisons, one function per operator so each stays monomorphic: JavaScript compares
 * number and bigint exactly, which is compareValues' answer for integers of any width. */
function intComparison(op: BinaryOp): BinaryFn {
  const other = comparison(op);
  switch (op) {
    case "=":
      return (l, r) =>
        isInt(l) && isInt(r) ? ((l.v as number) <= (r.v as number) && (l.v as number) >= (r.v as number) ? TRUE : FALSE) : other(l, r);
    case "<>":
      return (l, r) =>
        isInt(l) && isInt(r) ? ((l.v as number) <= (r.v as number) && (l.v as number) >= (r.v as number) ? FALSE : TRUE) : other(l, r);
    case "<":
      return (l, r) => (isInt(l) && isInt(r) ? ((l.v as number) < (r.v as number) ? TRUE : FALSE) : other(l, r));
    case ">":
      return (l, r) => (isInt(l) && isInt(r) ? ((l.v as number) > (r.v as number) ? TRUE : FALSE) : other(l, r));
    case "<=":
      return (l, r) => (isInt(l) && isInt(r) ? ((l.v as number) <= (r.v as number) ? TRUE : FALSE) : other(l, r));
    default:
      return (l, r) => (isInt(l) && isInt(r) ? ((l.v as number) >= (r.v as number) ? TRUE : FALSE) : other(l, r));
  }
}

/** The operator's function, chosen once when the expression is compiled. */
export function binaryFn(op: BinaryOp): BinaryFn {
  switch (op) {
    case "+":
    case "-":
    case "*":
    case "/":
    case "%":
      return arithmetic(op);
    case "=":
    case "<>":
    case "<":
    case ">":
    case "<=":
    case ">=":
      return intComparison(op);
    default:
      return slow(op);
  }
}
