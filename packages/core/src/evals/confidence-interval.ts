/** A mean with its 95 % confidence interval. */
export interface MeanWithInterval {
  mean: number;
  low: number;
  high: number;
  /** Scores that counted (nulls are left out). */
  n: number;
}

const Z95 = 1.959963984540054;

/**
 * The mean of scores with a 95 % interval: Wilson's score interval when every score is 0 or 1 (it
 * stays inside [0, 1] and behaves at 0 % and 100 %), else the normal interval of the mean with the
 * sample standard deviation. Undefined when there is no score.
 *
 * @example
 * meanWithInterval([1, 1, 0, 1]) // { mean: 0.75, low: 0.30, high: 0.95, n: 4 }
 */
export function meanWithInterval(scores: readonly number[]): MeanWithInterval | undefined {
  const n = scores.length;
  if (n === 0) return undefined;
  const mean = scores.reduce((a, b) => a + b, 0) / n;
  if (scores.every((s) => s === 0 || s === 1)) {
    const z2 = Z95 * Z95;
    const centre = (mean + z2 / (2 * n)) / (1 + z2 / n);
    const half = (Z95 / (1 + z2 / n)) * Math.sqrt((mean * (1 - mean)) / n + z2 / (4 * n * n));
    return { mean, low: Math.max(0, centre - half), high: Math.min(1, centre + half), n };
  }
  const variance = n > 1 ? scores.reduce((a, s) => a + (s - mean) ** 2, 0) / (n - 1) : 0;
  const half = Z95 * Math.sqrt(variance / n);
  return { mean, low: mean - half, high: mean + half, n };
}

/** The q-quantile (0..1) of numbers, by nearest rank; NaN for none. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] as number;
}
