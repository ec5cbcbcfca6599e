import { plural } from "../format/plural.ts";
import { LocalEmbedder } from "../ml/local-embedder.ts";
import { VectorIndex } from "../ml/vector-index.ts";
import {
  binomialTail,
  chiSquareTest,
  ksTest,
  populationStabilityIndex,
  type TestResult,
} from "./two-sample-tests.ts";

/** One baseline example: a text, and its label when known. */
export interface BaselineItem {
  text: string;
  label?: string;
}

/** One recent input, as traced: what the chain answered and how. */
export interface RecentItem {
  text: string;
  /** ISO time the run started. */
  startedAt: string;
  /** The label the chain answered with, if any. */
  label?: string;
  /** The cascade tier that answered. */
  tier?: string;
  /** `done`, `deferred`, `error`, ... */
  status: string;
}

/** Options of {@link skewReport}. */
export interface SkewOptions {
  /** Tiers whose answers count as escalations (default `["llm"]`). */
  escalationTiers?: readonly string[];
  /** A p-value below this flags a shift (default 0.01; the format tests share it, Bonferroni). */
  alpha?: number;
  /** Share of baseline items allowed to be "far" from the rest of the baseline (default 0.02). */
  farShare?: number;
  /** Time slices of the escalation and deferral trend (default 4). */
  buckets?: number;
  /** At most this many new clusters and examples per cluster to list (default 5 and 3). */
  maxClusters?: number;
  examplesPerCluster?: number;
}

/** A binary format feature's share in the baseline and in recent inputs. */
export interface FormatShift extends TestResult {
  feature: string;
  baselineShare: number;
  recentShare: number;
}

/** A group of recent inputs far from every baseline example. */
export interface NewCluster {
  size: number;
  /** The member closest to the group's centre. */
  representative: string;
  /** Members to add to the dev set (the representative first). */
  examples: string[];
  /** Cosine similarity of the representative to its nearest baseline example. */
  nearestBaselineSimilarity: number;
}

/**
 * The label mix's χ² test, or why there is none: it pools labels expected fewer than five times in
 * either sample, and with fewer than two cells left it has no degree of freedom, so `statistic`,
 * `df` and `pValue` are null (a p of 1 would read as "no shift"), `tested` false and `reason` says
 * why: `single-label` when every labelled item on both sides has the same label (no mix to
 * compare), `too-few-items` otherwise.
 */
export type LabelMix = {
  /** How many labelled items each side had: what the test was computed on. */
  items: { baseline: number; recent: number };
  /** Labels whose share moved most, largest move first. */
  moved: { label: string; baselineShare: number; recentShare: number }[];
} & (
  | { tested: true; statistic: number /** Degrees of freedom of the χ² test. */; df: number; pValue: number }
  | {
      tested: false;
      reason: "single-label" | "too-few-items";
      statistic: null;
      df: null;
      pValue: null;
    }
);

/** What {@link skewReport} found. */
export interface SkewReport {
  baseline: number;
  recent: number;
  /** True when any section below flags a shift; `reasons` says which. */
  shifted: boolean;
  reasons: string[];
  length: {
    words: TestResult & { psi: number; baselineMedian: number; recentMedian: number };
    characters: TestResult & { psi: number; baselineMedian: number; recentMedian: number };
  };
  format: FormatShift[];
  /** Label mix of the chain's answers against the baseline's labels (absent without labels). */
  labels?: LabelMix;
  /** Escalation and deferral rates per time slice, oldest first. */
  trend: { from: string; to: string; runs: number; escalated: number; deferred: number }[];
  novelty: {
    /** Similarity below which an input counts as far (the baseline's own `farShare` quantile). */
    threshold: number;
    far: number;
    share: number;
    /** P(at least this many far inputs) if recent inputs came from the baseline's distribution. */
    pValue: number;
    clusters: NewCluster[];
  };
}

const FORMAT_FEATURES: ReadonlyArray<readonly [string, (text: string) => boolean]> = [
  ["digits", (t) => /\d/.test(t)],
  ["question mark", (t) => t.includes("?")],
  ["non-ASCII", (t) => /[^\x20-\x7e]/.test(t)],
  ["URL or e-mail", (t) => /https?:\/\/|www\.|\S+@\S+\.\w/.test(t)],
  ["all lower case", (t) => t === t.toLowerCase() && /[a-z]/.test(t)],
  ["several sentences", (t) => /[.!?]\s+\S/.test(t)],
];

/**
 * Compares recent inputs of a chain with a baseline (its dev set): length distributions (KS test
 * and PSI), format features (chi-square each), the label mix of the answers (chi-square), the
 * escalation and deferral rate per time slice, and new clusters — recent inputs whose nearest
 * baseline neighbour, under a LocalEmbedder fitted on the baseline, is farther than all but
 * `farShare` of the baseline's own nearest neighbours — with examples to add to the dev set.
 *
 * @example
 * const report = skewReport(devExamples, recentRuns);
 * if (report.shifted) console.log(report.reasons, report.novelty.clusters);
 */
export function skewReport(
  baseline: readonly BaselineItem[],
  recent: readonly RecentItem[],
  options: SkewOptions = {},
): SkewReport {
  const alpha = options.alpha ?? 0.01;
  const reasons: string[] = [];
  const words = (t: string) => t.split(/\s+/).filter((w) => w !== "").length;
  const lengthOf = (measure: (t: string) => number) => {
    const a = baseline.map((b) => measure(b.text));
    const b = recent.map((r) => measure(r.text));
    return {
      ...ksTest(a, b),
      psi: populationStabilityIndex(a, b),
      baselineMedian: median(a),
      recentMedian: median(b),
    };
  };
  const length = { words: lengthOf(words), characters: lengthOf((t) => t.length) };
  for (const [name, l] of Object.entries(length))
    if (l.pValue < alpha)
      reasons.push(
        `length in ${name}: median ${l.baselineMedian} → ${l.recentMedian} (KS D = ${l.statistic.toFixed(3)}, p = ${pText(l.pValue)}, PSI ${l.psi.toFixed(2)})`,
      );

  const format = FORMAT_FEATURES.map(([feature, test]): FormatShift => {
    const inBase = baseline.filter((b) => test(b.text)).length;
    const inRecent = recent.filter((r) => test(r.text)).length;
    const result = chiSquareTest(
      { yes: inBase, no: baseline.length - inBase },
      { yes: inRecent, no: recent.length - inRecent },
    );
    return {
      feature,
      statistic: result.statistic,
      pValue: result.pValue,
      baselineShare: share(inBase, baseline.length),
      recentShare: share(inRecent, recent.length),
    };
  });
  for (const f of format)
    if (f.pValue < alpha / FORMAT_FEATURES.length)
      reasons.push(
        `format "${f.feature}": ${percent(f.baselineShare)} → ${percent(f.recentShare)} of inputs (χ² p = ${pText(f.pValue)})`,
      );

  const report: SkewReport = {
    baseline: baseline.length,
    recent: recent.length,
    shifted: false,
    reasons,
    length,
    format,
    trend: trendOf(recent, options.escalationTiers ?? ["llm"], options.buckets ?? 4),
    novelty: novelty(baseline, recent, options),
  };
  const labels = labelMix(baseline, recent);
  if (labels !== undefined) {
    report.labels = labels;
    if (labels.tested && labels.pValue < alpha) {
      const top = labels.moved
        .slice(0, 3)
        .map((m) => `${m.label} ${percent(m.baselineShare)} → ${percent(m.recentShare)}`);
      reasons.push(`label mix (χ² p = ${pText(labels.pValue)}): ${top.join(", ")}`);
    }
  }
  const n = report.novelty;
  if (n.pValue < alpha && n.far >= 3)
    reasons.push(
      `${n.far} of ${recent.length} inputs (${percent(n.share)}) are far from every baseline example (p = ${pText(n.pValue)}), in ${plural(n.clusters.length, "new cluster")}`,
    );
  report.shifted = reasons.length > 0;
  return report;
}

function labelMix(baseline: readonly BaselineItem[], recent: readonly RecentItem[]): SkewReport["labels"] {
  const count = (items: readonly { label?: string }[]) => {
    const out: Record<string, number> = {};
    for (const i of items) if (i.label !== undefined) out[i.label] = (out[i.label] ?? 0) + 1;
    return out;
  };
  const a = count(baseline);
  const b = count(recent);
  const na = Object.values(a).reduce((s, c) => s + c, 0);
  const nb = Object.values(b).reduce((s, c) => s + c, 0);
  if (na === 0 || nb === 0) return undefined;
  const moved = [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .map((label) => ({ label, baselineShare: (a[label] ?? 0) / na, recentShare: (b[label] ?? 0) / nb }))
    .sort((x, y) => Math.abs(y.recentShare - y.baselineShare) - Math.abs(x.recentShare - x.baselineShare))
    .slice(0, 10);
  const items = { baseline: na, recent: nb };
  const test = chiSquareTest(a, b);
  if (test.df > 0) return { tested: true, ...test, items, moved };
  const labels = new Set([...Object.keys(a), ...Object.keys(b)]).size;
  return {
    tested: false,
    reason: labels === 1 ? "single-label" : "too-few-items",
    statistic: null,
    df: null,
    pValue: null,
    items,
    moved,
  };
}

function trendOf(
  recent: readonly RecentItem[],
  escalationTiers: readonly string[],
  buckets: number,
): SkewReport["trend"] {
  if (recent.length === 0) return [];
  const times = recent.map((r) => Date.parse(r.startedAt));
  const start = Math.min(...times);
  const span = Math.max(...times) - start + 1;
  const slices = Array.from({ length: buckets }, (_, i) => ({
    from: new Date(start + (i * span) / buckets).toISOString(),
    to: new Date(start + ((i + 1) * span) / buckets).toISOString(),
    runs: 0,
    escalated: 0,
    deferred: 0,
  }));
  recent.forEach((r, i) => {
    const slice =
      slices[Math.min(buckets - 1, Math.floor((((times[i] as number) - start) * buckets) / span))];
    if (slice === undefined) return;
    slice.runs++;
    if (r.tier !== undefined && escalationTiers.includes(r.tier)) slice.escalated++;
    if (r.status === "deferred") slice.deferred++;
  });
  return slices;
}

function novelty(
  baseline: readonly BaselineItem[],
  recent: readonly RecentItem[],
  options: SkewOptions,
): SkewReport["novelty"] {
  const farShare = options.farShare ?? 0.02;
  if (baseline.length < 2 || recent.length === 0)
    return { threshold: 0, far: 0, share: 0, pValue: 1, clusters: [] };
  const embedder = LocalEmbedder.fit(baseline.map((b) => b.text));
  const index = new VectorIndex({ dimension: embedder.dimension });
  const baseVectors = baseline.map((b) => embedder.embed(b.text));
  index.add(baseVectors.map((vector, i) => ({ id: String(i), vector })));
  // Each baseline example's nearest other example: how far "in distribution" can be.
  const own = index
    .searchBatch(baseVectors, 2)
    .map((hits, i) => hits.find((h) => h.id !== String(i))?.score ?? 0)
    .sort((a, b) => a - b);
  const threshold = own[Math.floor(farShare * own.length)] ?? 0;
  const recentVectors = recent.map((r) => embedder.embed(r.text));
  const nearest = index.searchBatch(recentVectors, 1).map((hits) => hits[0]?.score ?? 0);
  const farItems = recent.flatMap((r, i) =>
    (nearest[i] as number) < threshold
      ? [{ text: r.text, vector: recentVectors[i] as Float32Array, nearest: nearest[i] as number }]
      : [],
  );
  return {
    threshold,
    far: farItems.length,
    share: farItems.length / recent.length,
    pValue: binomialTail(farItems.length, recent.length, farShare),
    clusters: clustersOf(farItems, threshold, options.maxClusters ?? 5, options.examplesPerCluster ?? 3),
  };
}

/** Greedy leader clustering of the far inputs: each joins the first cluster whose leader is as close as baseline neighbours are. */
function clustersOf(
  items: readonly { text: string; vector: Float32Array; nearest: number }[],
  similarity: number,
  maxClusters: number,
  perCluster: number,
): NewCluster[] {
  const groups: { leader: Float32Array; members: (typeof items)[number][] }[] = [];
  const seen = new Set<string>();
  for (const item of items) {
    if (seen.has(item.text)) continue;
    seen.add(item.text);
    const group = groups.find((g) => dot(g.leader, item.vector) >= similarity);
    if (group) group.members.push(item);
    else groups.push({ leader: item.vector, members: [item] });
  }
  return groups
    .sort((a, b) => b.members.length - a.members.length)
    .slice(0, maxClusters)
    .map((g) => {
      const centre = new Float32Array(g.leader.length);
      for (const m of g.members)
        for (let i = 0; i < centre.length; i++) centre[i] = (centre[i] as number) + (m.vector[i] as number);
      const ranked = [...g.members].sort((a, b) => dot(centre, b.vector) - dot(centre, a.vector));
      const first = ranked[0] as (typeof ranked)[number];
      return {
        size: g.members.length,
        representative: first.text,
        examples: ranked.slice(0, perCluster).map((m) => m.text),
        nearestBaselineSimilarity: first.nearest,
      };
    });
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

const share = (part: number, whole: number) => (whole === 0 ? 0 : part / whole);
const percent = (s: number) => `${(100 * s).toFixed(1)}%`;
const pText = (p: number) => (p < 1e-4 ? p.toExponential(1) : p.toFixed(4));
