import type {
  ChangedExample,
  ChangedSide,
  Comparison,
  ExperimentRow,
  ExperimentSummary,
  GateCheck,
} from "@catena/core/evals";
import { uncachedUsd } from "@catena/core/evals";
import { plural } from "../format/plural.ts";
import { table } from "../format/table.ts";
import type { ExperimentRecording } from "./recorded-experiment.ts";

const pct = (x: number | null | undefined): string =>
  x === null || x === undefined || Number.isNaN(x) ? "-" : `${(x * 100).toFixed(1)}%`;
const usd = (x: number): string => `$${x.toFixed(4)}`;
const ms = (x: number): string => (Number.isNaN(x) ? "-" : `${x.toFixed(1)} ms`);
const score = (x: number): string => (Number.isNaN(x) ? "-" : x.toFixed(3));
/** An interval as `[low, high]`: a dash between two numbers misreads once either is negative. */
const interval = (low: number, high: number): string =>
  Number.isNaN(low) || Number.isNaN(high) ? "-" : `[${score(low)}, ${score(high)}]`;

/**
 * How many times each example ran, when that is one whole number above one: runs that do not divide
 * evenly (an interrupted or partly resumed experiment) have no repeat count to name.
 */
function repeatsText(runs: number, examples: number): string {
  const repeats = runs / Math.max(1, examples);
  return repeats > 1 && Number.isInteger(repeats) ? `, ${plural(repeats, "repeat")}` : "";
}

/** The experiment part of `catena eval`'s report: evaluators with intervals, tiers, latency, cost. */
export function experimentText(
  s: ExperimentSummary,
  recording?: ExperimentRecording,
  options: { tiers?: boolean } = {},
): string {
  const lines = [
    `evaluators (${plural(s.runs, "run")} of ${plural(s.examples, "example")}${repeatsText(s.runs, s.examples)}):`,
    table([
      ["  KEY", "MEAN", "95% CI", "SCORED"],
      ...s.evaluators.map((e) => [
        `  ${e.key}`,
        score(e.mean),
        interval(e.low, e.high),
        `${e.n}/${e.n + e.unscored}`,
      ]),
    ]).trimEnd(),
  ];
  if (options.tiers !== false && s.tiers.length > 0) {
    lines.push(
      "",
      `tiers (precision by ${s.primary ?? "-"}):`,
      table([
        ["  TIER", "ANSWERED", "COVERAGE", "PRECISION"],
        ...s.tiers.map((t) => [`  ${t.tier}`, String(t.answered), pct(t.coverage), pct(t.precision)]),
      ]).trimEnd(),
    );
  }
  lines.push(
    "",
    `latency p50 ${ms(s.latency.p50Ms)}, p95 ${ms(s.latency.p95Ms)}; LLM calls in ${pct(s.llmShare)} of runs`,
    `tokens ${s.tokens.input} in / ${s.tokens.output} out; cost ${usd(s.cost.chainUsd)} chain + ${usd(s.cost.judgeUsd)} judge (${s.tokens.judgeInput + s.tokens.judgeOutput} judge tokens) = ${usd(s.cost.totalUsd)}`,
  );
  if (s.cost.cachedUsd > 0) {
    lines.push(`answers from the LLM cache, not spent: would cost ${usd(s.cost.cachedUsd)} uncached`);
  }
  if (s.nondeterminism) {
    lines.push(
      `non-determinism: ${s.nondeterminism.changed} of ${plural(s.examples, "example")} (${pct(s.nondeterminism.share)}) changed output between repeats`,
    );
  }
  if (s.status === "stopped")
    lines.push(`stopped early: ${s.stoppedReason ?? "budget"} (${s.runs} of ${plural(s.planned, "run")})`);
  if (recording) {
    lines.push(
      `experiment: ${recording.session.name} on ${recording.where} (dataset ${recording.datasetId}, ${plural(recording.feedback, "feedback row")})`,
    );
  }
  return `${lines.join("\n")}\n`;
}

/**
 * A warning per evaluator that scored none of the runs: its mean is no number (shown as `-`), and
 * a gate on it cannot pass. The first comment of its results says why (no reference output, no
 * field to compare, ...).
 */
export function unscoredWarnings(s: ExperimentSummary, rows: readonly ExperimentRow[]): string[] {
  return s.evaluators
    .filter((e) => e.n === 0 && e.unscored > 0)
    .map((e) => {
      const why = rows.flatMap((r) => r.results).find((r) => r.key === e.key && r.comment)?.comment;
      return `catena: warning: evaluator ${e.key} scored none of the ${plural(e.unscored, "run")}${why === undefined ? "" : ` (${why})`}, so it has no mean; give the data the reference outputs it compares with (for a flat file: the chain's output fields, or --label-field), or pick other --evaluators.\n`;
    });
}

/** Gate results, one per line, failing ones marked. */
export function gateText(checks: readonly GateCheck[]): string {
  return `${checks.map((c) => `gate ${c.passed ? "passed" : "FAILED"}: ${c.text} (actual ${Number.isInteger(c.actual) ? c.actual : c.actual.toFixed(4)})`).join("\n")}\n`;
}

/** `catena compare`'s report: the versions side by side, the changed examples (regressions first), significance, deltas. */
export function comparisonText(a: string, b: string, c: Comparison, show = 20): string {
  const keys = [...new Set([...c.a.evaluators.map((e) => e.key), ...c.b.evaluators.map((e) => e.key)])];
  const mean = (s: ExperimentSummary, key: string) =>
    s.evaluators.find((e) => e.key === key)?.mean ?? Number.NaN;
  const lines = [
    `compared ${a} and ${b} on ${plural(c.paired, "example")} (by ${c.key})`,
    "",
    table([
      ["", a, b, "DELTA"],
      ...keys.map((k) => [k, score(mean(c.a, k)), score(mean(c.b, k)), score(mean(c.b, k) - mean(c.a, k))]),
      // Cached answers would skew the comparison (the version that ran second finds the first
      // one's answers): with any, the first row is at uncached prices, and what was spent follows.
      ...(c.a.cost.cachedUsd + c.b.cost.cachedUsd > 0
        ? [
            [
              "cost/run, uncached",
              usdPerRun(uncachedUsd(c.a) / Math.max(1, c.a.runs)),
              usdPerRun(uncachedUsd(c.b) / Math.max(1, c.b.runs)),
              signedUsdPerRun(c.deltas.uncachedCostUsd),
            ],
            [
              "  spent",
              usdPerRun(c.a.cost.totalUsd / Math.max(1, c.a.runs)),
              usdPerRun(c.b.cost.totalUsd / Math.max(1, c.b.runs)),
              signedUsdPerRun(c.deltas.costUsd),
            ],
          ]
        : [
            [
              "cost/run",
              usdPerRun(c.a.cost.totalUsd / Math.max(1, c.a.runs)),
              usdPerRun(c.b.cost.totalUsd / Math.max(1, c.b.runs)),
              signedUsdPerRun(c.deltas.costUsd),
            ],
          ]),
      ["p50", ms(c.a.latency.p50Ms), ms(c.b.latency.p50Ms), ms(c.deltas.p50Ms)],
      ["p95", ms(c.a.latency.p95Ms), ms(c.b.latency.p95Ms), ms(c.deltas.p95Ms)],
      ["LLM calls", pct(c.a.llmShare), pct(c.b.llmShare), pct(c.deltas.llmShare)],
    ]).trimEnd(),
    "",
    `regressions ${c.regressions}, improvements ${c.improvements}; McNemar exact p = ${c.mcnemar.pValue.toPrecision(3)}; paired bootstrap Δ${c.key} = ${score(c.bootstrap.meanDifference)} (95% CI ${interval(c.bootstrap.low, c.bootstrap.high)})`,
  ];
  if (c.changed.length > 0) {
    // A retrained tier moves every confidence a little: those examples go last, counted apart, so
    // that the outputs that changed are the ones read first.
    const changed = c.changed
      .map((x) => ({ x, numbers: numbersOnly(x) }))
      .sort((p, q) => Number(p.numbers) - Number(q.numbers));
    const count = (kind: string) => c.changed.filter((x) => x.change === kind).length;
    const numbers = changed.filter((e) => e.numbers).length;
    const kinds = [
      counted(count("regression"), "regression", "regressions"),
      counted(count("improvement"), "improvement", "improvements"),
      counted(count("changed") - numbers, "other output", "other outputs"),
      numbers > 0 ? `${numbers} where only numbers moved` : "",
    ].filter((kind) => kind !== "");
    lines.push("", `changed examples (${c.changed.length}: ${kinds.join(", ")}):`);
    for (const { x, numbers: n } of changed.slice(0, show)) {
      const kind = n ? "changed (numbers)" : x.change;
      lines.push(`  ${kind.padEnd(11)} ${shortJson(x.inputs.text ?? x.inputs)}\n    ${changeText(x)}`);
    }
    if (c.changed.length > show) lines.push(`  … ${c.changed.length - show} more (--json lists them all)`);
  }
  return `${lines.join("\n")}\n`;
}

/**
 * A `changed` example whose two outputs differ only in scores (a confidence, the probabilities): the
 * numbers under a score-like key are masked, the answer's own numbers (an amount, a count) are not.
 */
function numbersOnly(x: ChangedExample): boolean {
  return (
    x.change === "changed" &&
    x.before.status === x.after.status &&
    JSON.stringify(withoutScores(x.before.output ?? null)) ===
      JSON.stringify(withoutScores(x.after.output ?? null))
  );
}

/** Keys whose numbers are a model's certainty, not its answer: `confidence`, `label_score`, `probabilities`, `margin`. */
const scoreKey = /(confidence|score|prob|probability|probabilities|logprob|margin)s?$/i;

/** `value` with every number under a score-like key (at any depth below it) set to 0. */
function withoutScores(value: unknown, scored = false): unknown {
  if (typeof value === "number") return scored ? 0 : value;
  if (Array.isArray(value)) return value.map((v) => withoutScores(v, scored));
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, v]) => [key, withoutScores(v, scored || scoreKey.test(key))]),
  );
}

/** `1 regression`, `5 regressions`; nothing for none. */
/** A count with its noun, or nothing for none (a list leaves out what did not happen). */
const counted = (n: number, one: string, many: string) => (n === 0 ? "" : plural(n, one, many));

/**
 * Dollars per run: four decimals from a cent up, else two significant digits as a plain decimal
 * (`$0.00000055`: JavaScript would print `5.5e-7`), trailing zeros dropped.
 */
function usdPerRun(x: number): string {
  if (x === 0 || !Number.isFinite(x)) return `$${Number.isFinite(x) ? 0 : "-"}`;
  if (Math.abs(x) >= 0.01) return `$${x.toFixed(4)}`;
  const rounded = Number(x.toPrecision(2));
  const decimals = 1 - Math.floor(Math.log10(Math.abs(rounded)));
  return `$${rounded.toFixed(Math.min(100, decimals)).replace(/\.?0+$/, "")}`;
}

function signedUsdPerRun(x: number): string {
  return x === 0 ? "$0" : `${x < 0 ? "-" : "+"}${usdPerRun(Math.abs(x))}`;
}

/** What changed in one example: the evaluator's comment, else both outputs; a run with no output says why. */
function changeText(x: ChangedExample): string {
  const side = (s: ChangedSide): string =>
    s.status === "done"
      ? shortJson(s.output)
      : `no output (run ${s.status}${s.error === undefined ? "" : `: ${s.error}`}${s.failedStep === undefined ? "" : ` in step "${s.failedStep}"`})`;
  if (x.after.status !== "done") return side(x.after);
  return x.after.comment ?? `${side(x.before)} → ${side(x.after)}`;
}

function shortJson(value: unknown): string {
  const text = JSON.stringify(value) ?? "null";
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
