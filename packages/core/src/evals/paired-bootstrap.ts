import { seededRandom } from "../ml/seeded-random.ts";
import { quantile } from "./confidence-interval.ts";

/** The mean difference of paired scores (b − a) with its bootstrap 95 % interval and p-value. */
export interface PairedBootstrapResult {
  meanDifference: number;
  low: number;
  high: number;
  /** Two-sided: twice the share of resamples on the other side of zero from the observed difference. */
  pValue: number;
  resamples: number;
}

/**
 * Paired bootstrap of the mean score difference between two versions on the same examples: resample
 * the examples with replacement (seeded, so reports are reproducible) and read the interval and a
 * p-value from the resampled differences. For scores that are not just pass/fail.
 *
 * @example
 * pairedBootstrap([0.2, 0.5, 0.9], [0.4, 0.6, 0.9]).meanDifference // 0.1
 */
export function pairedBootstrap(
  a: readonly number[],
  b: readonly number[],
  options: { resamples?: number; seed?: number } = {},
): PairedBootstrapResult {
  const n = Math.min(a.length, b.length);
  const resamples = options.resamples ?? 2000;
  const d = Array.from({ length: n }, (_, i) => (b[i] as number) - (a[i] as number));
  const meanDifference = n === 0 ? 0 : d.reduce((x, y) => x + y, 0) / n;
  if (n === 0) return { meanDifference, low: 0, high: 0, pValue: 1, resamples: 0 };
  const random = seededRandom(options.seed ?? 1);
  const means: number[] = [];
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += d[Math.floor(random() * n)] as number;
    means.push(sum / n);
  }
  const opposite = means.filter((m) => (meanDifference >= 0 ? m <= 0 : m >= 0)).length;
  const pValue = meanDifference === 0 ? 1 : Math.min(1, (2 * opposite) / resamples);
  return { meanDifference, low: quantile(means, 0.025), high: quantile(means, 0.975), pValue, resamples };
}
