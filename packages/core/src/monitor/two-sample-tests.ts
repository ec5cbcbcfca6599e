/** A test statistic and its p-value. */
export interface TestResult {
  statistic: number;
  /** Probability of a statistic at least this large when both samples come from one distribution. */
  pValue: number;
}

/**
 * Two-sample Kolmogorov–Smirnov test: the largest gap between the empirical CDFs of `a` and `b`,
 * with the asymptotic p-value (Stephens' small-sample correction). Ties are handled by stepping
 * over equal values together, so discrete data (word counts) gives no spurious gaps.
 *
 * @example
 * ksTest([1, 2, 3], [7, 8, 9]); // { statistic: 1, pValue: ≈0.04 }
 */
export function ksTest(a: readonly number[], b: readonly number[]): TestResult {
  if (a.length === 0 || b.length === 0) return { statistic: 0, pValue: 1 };
  const x = [...a].sort((p, q) => p - q);
  const y = [...b].sort((p, q) => p - q);
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i] as number, y[j] as number);
    while (i < x.length && x[i] === v) i++;
    while (j < y.length && y[j] === v) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  const n = (x.length * y.length) / (x.length + y.length);
  const sqrtN = Math.sqrt(n);
  return { statistic: d, pValue: kolmogorovTail((sqrtN + 0.12 + 0.11 / sqrtN) * d) };
}

/** P(K > t) for the Kolmogorov distribution. */
function kolmogorovTail(t: number): number {
  if (t < 0.2) return 1;
  let sum = 0;
  for (let k = 1; k <= 100; k++) {
    const term = 2 * (k % 2 === 1 ? 1 : -1) * Math.exp(-2 * k * k * t * t);
    sum += term;
    if (Math.abs(term) < 1e-12) break;
  }
  return Math.min(1, Math.max(0, sum));
}

/**
 * Chi-square test of homogeneity for two samples counted over the same categories: does the
 * category mix of `recent` differ from `baseline`'s? Categories whose expected count is below 5
 * in either sample are pooled into one, so that the chi-square approximation holds.
 *
 * @example
 * chiSquareTest({ a: 50, b: 50 }, { a: 90, b: 10 }); // pValue ≪ 0.01
 */
export function chiSquareTest(
  baseline: Readonly<Record<string, number>>,
  recent: Readonly<Record<string, number>>,
): TestResult & { df: number } {
  const keys = [...new Set([...Object.keys(baseline), ...Object.keys(recent)])];
  const n1 = keys.reduce((s, k) => s + (baseline[k] ?? 0), 0);
  const n2 = keys.reduce((s, k) => s + (recent[k] ?? 0), 0);
  if (n1 === 0 || n2 === 0) return { statistic: 0, df: 0, pValue: 1 };
  const cells: [number, number][] = [];
  const pooled: [number, number] = [0, 0];
  for (const k of keys) {
    const o1 = baseline[k] ?? 0;
    const o2 = recent[k] ?? 0;
    const total = o1 + o2;
    if ((total * n1) / (n1 + n2) < 5 || (total * n2) / (n1 + n2) < 5) {
      pooled[0] += o1;
      pooled[1] += o2;
    } else cells.push([o1, o2]);
  }
  if (pooled[0] + pooled[1] > 0) cells.push(pooled);
  if (cells.length < 2) return { statistic: 0, df: 0, pValue: 1 };
  let statistic = 0;
  for (const [o1, o2] of cells) {
    const total = o1 + o2;
    const e1 = (total * n1) / (n1 + n2);
    const e2 = (total * n2) / (n1 + n2);
    if (e1 > 0) statistic += (o1 - e1) ** 2 / e1;
    if (e2 > 0) statistic += (o2 - e2) ** 2 / e2;
  }
  const df = cells.length - 1;
  return { statistic, df, pValue: upperGammaRegularised(df / 2, statistic / 2) };
}

/**
 * Population stability index of `recent` against `baseline`, over the bins of the baseline's
 * deciles: under 0.1 stable, 0.1–0.25 a moderate shift, over 0.25 a major one (the usual reading).
 */
export function populationStabilityIndex(baseline: readonly number[], recent: readonly number[]): number {
  if (baseline.length === 0 || recent.length === 0) return 0;
  const sorted = [...baseline].sort((p, q) => p - q);
  const edges = [
    ...new Set(
      [1, 2, 3, 4, 5, 6, 7, 8, 9].map((d) => sorted[Math.floor((d * sorted.length) / 10)] as number),
    ),
  ];
  const binOf = (v: number) => edges.filter((e) => v >= e).length;
  const share = (values: readonly number[]) => {
    const counts = new Array<number>(edges.length + 1).fill(0);
    for (const v of values) counts[binOf(v)] = (counts[binOf(v)] ?? 0) + 1;
    // Half a count in empty bins keeps the logarithm finite.
    return counts.map((c) => Math.max(c, 0.5) / values.length);
  };
  const p = share(baseline);
  const q = share(recent);
  return p.reduce((s, pi, i) => s + ((q[i] as number) - pi) * Math.log((q[i] as number) / pi), 0);
}

/** P(X ≥ k) for X ~ Binomial(n, p): how surprising `k` hits out of `n` are at rate `p`. */
export function binomialTail(k: number, n: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  let logTerm = n * Math.log1p(-p); // log P(X = 0)
  let below = 0;
  for (let i = 0; i < k; i++) {
    below += Math.exp(logTerm);
    logTerm += Math.log((n - i) / (i + 1)) + Math.log(p) - Math.log1p(-p);
  }
  return Math.min(1, Math.max(0, 1 - below));
}

/** Q(s, x), the regularised upper incomplete gamma function (series or continued fraction). */
function upperGammaRegularised(s: number, x: number): number {
  if (x <= 0) return 1;
  const lnPrefix = -x + s * Math.log(x) - logGamma(s);
  if (x < s + 1) {
    let term = 1 / s;
    let sum = term;
    for (let n = 1; n < 500; n++) {
      term *= x / (s + n);
      sum += term;
      if (term < sum * 1e-14) break;
    }
    return Math.max(0, 1 - sum * Math.exp(lnPrefix));
  }
  // Lentz's continued fraction.
  let b = x + 1 - s;
  let c = 1 / 1e-300;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 500; i++) {
    const an = -i * (i - s);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < 1e-300) d = 1e-300;
    c = b + an / c;
    if (Math.abs(c) < 1e-300) c = 1e-300;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-14) break;
  }
  return Math.min(1, Math.exp(lnPrefix) * h);
}

/** ln Γ(x) by the Lanczos approximation. */
function logGamma(x: number): number {
  const g = [
    76.18009172947146, -86.50532032941678, 24.01409824083091, -1.231739572450155, 0.1208650973866179e-2,
    -0.5395239384953e-5,
  ];
  let y = x;
  const t = x + 5.5 - (x + 0.5) * Math.log(x + 5.5);
  let sum = 1.000000000190015;
  for (const c of g) sum += c / ++y;
  return -t + Math.log((2.5066282746310007 * sum) / x);
}
