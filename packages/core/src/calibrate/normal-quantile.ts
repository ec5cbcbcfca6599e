/*
 * The standard normal distribution's quantile function, for one-sided confidence bounds. Acklam's
 * rational approximation (relative error below 1.15e-9), refined by nothing: a bound's z needs three
 * digits, not nine.
 */

const A = [
  -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
  2.506628277459239,
];
const B = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
const C = [
  -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
  2.938163982698783,
];
const D = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
const LOW = 0.02425;

/**
 * The z with P(Z ≤ z) = p for a standard normal Z, p in (0, 1); ±Infinity at 0 and 1.
 *
 * @example
 * normalQuantile(0.95) // 1.6449
 */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`normalQuantile: p must be in [0, 1], got ${p}`);
  if (p === 0) return Number.NEGATIVE_INFINITY;
  if (p === 1) return Number.POSITIVE_INFINITY;
  const [a0, a1, a2, a3, a4, a5] = A as [number, number, number, number, number, number];
  const [b0, b1, b2, b3, b4] = B as [number, number, number, number, number];
  const [c0, c1, c2, c3, c4, c5] = C as [number, number, number, number, number, number];
  const [d0, d1, d2, d3] = D as [number, number, number, number];
  if (p < LOW || p > 1 - LOW) {
    const q = Math.sqrt(-2 * Math.log(p < LOW ? p : 1 - p));
    const z =
      (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) /
      ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
    return p < LOW ? z : -z;
  }
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) /
    (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1)
  );
}

/**
 * Wilson's lower score bound of a proportion: with one-sided confidence `level`, the true share is
 * at least this, having seen `share` in `n` (possibly fractional, effective) trials. The share
 * itself for `level` 0.5 or less; 0 for no trials.
 */
export function wilsonLowerBound(share: number, n: number, level: number): number {
  if (!(n > 0)) return 0;
  if (level <= 0.5) return share;
  const z = normalQuantile(level);
  const z2 = z * z;
  const centre = share + z2 / (2 * n);
  const half = z * Math.sqrt((share * (1 - share)) / n + z2 / (4 * n * n));
  return Math.max(0, (centre - half) / (1 + z2 / n));
}

/**
 * Wilson's two-sided score interval of a proportion: with confidence `level` (e.g. 0.95), the true
 * share lies between `low` and `high`, having seen `share` in `n` (possibly fractional, effective)
 * trials. `[0, 1]` for no trials.
 *
 * @example
 * wilsonInterval(0.9, 100, 0.95) // { low: 0.8256, high: 0.9448 }
 */
export function wilsonInterval(share: number, n: number, level: number): { low: number; high: number } {
  if (!(n > 0)) return { low: 0, high: 1 };
  const z = normalQuantile(1 - (1 - level) / 2);
  const z2 = z * z;
  const centre = share + z2 / (2 * n);
  const half = z * Math.sqrt((share * (1 - share)) / n + z2 / (4 * n * n));
  const scale = 1 + z2 / n;
  return { low: Math.max(0, (centre - half) / scale), high: Math.min(1, (centre + half) / scale) };
}
