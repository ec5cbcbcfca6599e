/*
 * The report of `catena train --from-traces`, as JSON and as markdown: where the labels came
 * from, how the candidate compares with the current version, the gate, and why it was or was not
 * promoted.
 */
import { thresholdText } from "@catena/core";
import type { GateCheck } from "@catena/core/evals";
import { plural } from "../format/plural.ts";
import type { OfflineScore } from "./candidate-comparison.ts";
import type { TracedTrainingSet } from "./traced-training-set.ts";
import type { TrainFromTracesResult } from "./train-from-traces-result.ts";

/** Changed dev examples kept in the JSON report. */
const CHANGED_KEPT = 50;

/**
 * One sentence per gate condition, then the decision; `promoting` for the report written just
 * before the promotion, which says so (it stays only if writing the promotion failed).
 */
export function reasonsOf(
  gate: readonly GateCheck[],
  status: TrainFromTracesResult["status"],
  current: string,
  promoting = false,
): string[] {
  const lines = gate.map((c) => `${c.passed ? "holds" : "fails"}: ${c.text} (actual ${actual(c.actual)})`);
  if (status === "unchanged") {
    lines.push(
      `not promoted: the candidate is identical to ${current} (same fingerprint); these traces taught it nothing new. Let new traffic or corrections come in first.`,
    );
  } else if (status === "refused")
    lines.push("not promoted: the gate failed; the current version stays in use.");
  else if (status === "promoted") lines.push("promoted: every gate condition holds.");
  else if (promoting)
    lines.push(
      "every gate condition holds; the promotion (--promote) is written after this report: should this line still be here, writing it failed (the command said why); fix that, then promote again.",
    );
  else lines.push("every gate condition holds; not promoted because --promote was not given.");
  return lines;
}

/** The JSON report: the result, without file-sized lists (the first changed dev examples only). */
export function reportJson(result: TrainFromTracesResult, set: TracedTrainingSet): unknown {
  const { comparison, ...rest } = result;
  const { changed, ...dev } = comparison.dev.comparison;
  return {
    format: "catena.train-from-traces.v1",
    ...rest,
    comparison: {
      dev: { ...comparison.dev, comparison: { ...dev, changed: changed.slice(0, CHANGED_KEPT) } },
      ...(comparison.traffic === undefined ? {} : { traffic: comparison.traffic }),
      metrics: comparison.metrics,
    },
    heldOut: set.heldOut.map((i) => ({ text: i.text, label: i.label, source: i.source })),
  };
}

/** The markdown report. */
export function loopReportMarkdown(r: TrainFromTracesResult): string {
  const t = r.traced;
  const decision =
    r.status === "promoted"
      ? "promoted"
      : r.status === "refused"
        ? "refused"
        : r.status === "unchanged"
          ? `unchanged (identical to ${r.current.id})`
          : "not promoted (gate holds)";
  const { before, after } = r.comparison.dev;
  const c = r.comparison.dev.comparison;
  const lines = [
    `# ${r.candidate.id}: ${decision}`,
    "",
    `Candidate of ${r.current.id} trained from ${plural(t.runs, "traced run")} in ${r.window.where} (project ${r.window.projects.join(", ")}, since ${r.window.since}).`,
    "",
    "## Decision",
    "",
    ...r.reasons.map((line) => `- ${line}`),
    "",
    `## Dev split: ${plural(before.items, "item")}, cheap tiers only (an item no cheap tier accepts is an LLM call)`,
    "",
    "| | current | candidate |",
    "|---|---|---|",
    `| version | ${r.current.version} | ${r.candidate.version} |`,
    ...scoreRows(before, after),
    "",
    `Regressions ${c.regressions} (a cheap tier now answers wrongly), improvements ${c.improvements}; McNemar p = ${actual(c.mcnemar.pValue)}.`,
    "",
  ];
  const traffic = r.comparison.traffic;
  if (traffic) {
    lines.push(
      `## Recent traffic: ${traffic.after.items} held-out traced texts, against their traced labels`,
      "",
      "| | current | candidate |",
      "|---|---|---|",
      ...scoreRows(traffic.before, traffic.after, "agreement with the traced labels"),
      "",
    );
  }
  lines.push(
    "## Labels from the traces",
    "",
    "| | items |",
    "|---|---|",
    `| runs read (shadow runs and audits aside) | ${t.runs} |`,
    `| audits of cheap-tier answers read as LLM labels (of which the LLM disagreed) | ${t.audits} (${t.auditDisagreements}) |`,
    `| corrections | ${t.corrected} |`,
    `| answers rated below the threshold, no correction (left out) | ${t.lowRated} |`,
    `| answered by a cheap tier (traffic to measure on, not labels) | ${t.cheap} |`,
    `| unanswered or failed | ${t.unanswered} |`,
    `| distinct texts | ${t.distinct} |`,
    `| with disagreeing labels (correction, else majority kept) | ${t.conflicting} |`,
    `| in the dev split (left out) | ${t.inDev} |`,
    `| training examples with a held-out or calibration text (left out) | ${t.heldOutOfTraining} |`,
    `| already in the training data | ${t.known} |`,
    `| LLM answers below the confidence floor (left out) | ${t.lowConfidence} |`,
    `| added to training (corrections weighted) | ${t.added} |`,
    `| texts held out as recent traffic (never trained on) | ${t.heldOut} |`,
    `| labelled texts kept apart to choose thresholds on (never trained on) | ${t.calib} |`,
    `| cheap-tier answers self-trained on | ${t.selfTrained} |`,
    "",
    ...strataLines(r),
    "## Candidate",
    "",
    `- folder: ${r.candidate.dir} (chain module: ${r.candidate.module})`,
    `- fingerprint: ${r.candidate.fingerprint} (current: ${r.current.fingerprint})`,
    `- trained on ${plural(r.training.examples, "example")}${r.training.report.dev ? `; dev accuracy ${pct(r.training.report.dev.accuracy)}` : ""}`,
    `- thresholds for ${pct(r.calibration.targetPrecision)} precision: ${r.calibration.tiers.map((tier) => `${tier.tier} ${thresholdText(tier.threshold)}`).join(", ")}`,
    "",
  );
  if (r.promotedIn)
    lines.push(
      `Listed in ${r.promotedIn}: \`${r.chain}\` now runs ${r.candidate.version}; ${r.current.id} stays pinned.${r.lockedIn === undefined ? "" : ` Locked in ${r.lockedIn}.`}`,
      "",
    );
  return `${lines.join("\n")}`;
}

/** How the calibration items were weighed, when traced items were among them. */
function strataLines(r: TrainFromTracesResult): string[] {
  const s = r.calibrationStrata;
  if (s === undefined) return [];
  return [
    `Thresholds chosen on ${plural(s.cheap.dev + s.llm.dev, "dev item")} and ${s.cheap.traced + s.llm.traced} traced ones, weighed by what the current version does with them: ${pct(s.llm.share)} of the traced traffic went to the LLM (${s.llm.dev} dev + ${s.llm.traced} traced ${s.llm.dev + s.llm.traced === 1 ? "item stands" : "items stand"} for it), ${pct(s.cheap.share)} to a cheap tier (${s.cheap.dev} dev + ${s.cheap.traced} traced ${s.cheap.dev + s.cheap.traced === 1 ? "item" : "items"}).`,
    "",
  ];
}

function scoreRows(
  before: OfflineScore,
  after: OfflineScore,
  precisionName = "precision of the cheap answers",
): string[] {
  return [
    `| answered by a cheap tier | ${before.answered} | ${after.answered} |`,
    `| ${precisionName} | ${pct(before.precision)} | ${pct(after.precision)} |`,
    `| LLM-call share | ${pct(before.llmShare)} | ${pct(after.llmShare)} |`,
  ];
}

function pct(x: number | null): string {
  return x === null ? "-" : `${(x * 100).toFixed(1)}%`;
}

function actual(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(4);
}
