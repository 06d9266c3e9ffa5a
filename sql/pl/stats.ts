// Statistical helpers over arrays (section 11): mean, median, variance, stddev (sample),
// percentile (continuous, linear interpolation) and corr (Pearson). NULL elements are ignored;
// results are DOUBLE or NULL. Pure functions over numbers.

import { SqlState } from "../../util/index.js";
import { PlError } from "./errors.js";

export type Nums = readonly (number | null)[];

const present = (xs: Nums): number[] => xs.filter((x): x is number => x !== null);

export function mean(xs: Nums): number | null {
  const v = present(xs);
  return v.length === 0 ? null : v.reduce((a, b) => a + b, 0) / v.length;
}

export function percentile(xs: Nums, p: number): number | null {
  if (!(p >= 0 && p <= 1)) throw new PlError(SqlState.numericValueOutOfRange, `percentile ${p} is not between 0 and 1`);
  const v = present(xs).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const pos = p * (v.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return v[lo]! + (v[hi]! - v[lo]!) * (pos - lo);
}

export const median = (xs: Nums): number | null => percentile(xs, 0.5);

export function variance(xs: Nums): number | null {
  const v = present(xs);
  if (v.length < 2) return null;
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  return v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1);
}

export function stddev(xs: Nums): number | null {
  const v = variance(xs);
  return v === null ? null : Math.sqrt(v);
}

export function corr(xs: Nums, ys: Nums): number | null {
  if (xs.length !== ys.length) throw new PlError(SqlState.invalidParameterValue, "corr() needs arrays of the same length");
  const pairs: [number, number][] = [];
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    const y = ys[i];
    if (x !== null && x !== undefined && y !== null && y !== undefined) pairs.push([x, y]);
  }
  if (pairs.length < 2) return null;
  const mx = pairs.reduce((a, p) => a + p[0], 0) / pairs.length;
  const my = pairs.reduce((a, p) => a + p[1], 0) / pairs.length;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (const [x, y] of pairs) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
    syy += (y - my) ** 2;
  }
  if (sxx === 0 || syy === 0) return null;
  return sxy / Math.sqrt(sxx * syy);
}
