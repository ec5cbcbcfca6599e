/** The outcome of McNemar's exact test on paired pass/fail results. */
export interface McNemarResult {
  /** Pairs right before and wrong now. */
  regressions: number;
  /** Pairs wrong before and right now. */
  improvements: number;
  /** Two-sided exact p-value (binomial with p = 1/2 on the discordant pairs); 1 when there are none. */
  pValue: number;
}

/**
 * McNemar's exact test: whether two versions' accuracies differ on the same examples, from the pairs
 * where exactly one of them is right. Exact (binomial), so it holds for the few discordant pairs a
 * small dataset has.
 *
 * @example
 * mcnemarExact(1, 9).pValue // 0.0215
 */
export function mcnemarExact(regressions: number, improvements: number): McNemarResult {
  const n = regressions + improvements;
  if (n === 0) return { regressions, improvements, pValue: 1 };
  const k = Math.min(regressions, improvements);
  // P(X <= k) for X ~ Binomial(n, 1/2), summed in log space so that large n does not overflow.
  let tail = 0;
  let logChoose = 0;
  for (let i = 0; i <= k; i++) {
    if (i > 0) logChoose += Math.log(n - i + 1) - Math.log(i);
    tail += Math.exp(logChoose - n * Math.LN2);
  }
  return { regressions, improvements, pValue: Math.min(1, 2 * tail) };
}
