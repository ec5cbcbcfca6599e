import type { BatchSummary } from "@catena/core";
import { duration } from "../format/duration.ts";
import { plural } from "../format/plural.ts";
import { oneLine } from "../report-error.ts";
import type { ResultsTally } from "./tally-results.ts";

/** Everything the end-of-batch report is made of. */
export interface BatchReport {
  chain: string;
  /** Absolute paths of the input and results files. */
  file: string;
  out: string;
  /** The same paths as shown in text (relative to the current directory when inside it). */
  shownFile: string;
  shownOut: string;
  summary: BatchSummary;
  tally: ResultsTally;
  /** `--retry-failed` dropped the failed items' records before this run (their spend with them). */
  retriedFailed?: boolean;
  /** Items of the input not started because the batch stopped on a provider failure. */
  notRun?: number;
}

/**
 * The report as JSON for `--json`: this run's counts plus what the whole results file holds, its
 * counts per value as an object (`{"label": {"card_arrival": 12, ...}}`; JSON readers do not keep
 * an object's order, so none is promised).
 */
export function batchReportJson(r: BatchReport): Record<string, unknown> {
  const { results: _results, checkpoint: _checkpoint, ...summary } = r.summary;
  const counts = Object.fromEntries(
    Object.entries(r.tally.counts).map(([field, pairs]) => [field, Object.fromEntries(pairs)]),
  );
  return {
    chain: r.chain,
    file: r.file,
    out: r.out,
    ...summary,
    ...(summary.stopError ? { notRun: r.notRun ?? 0 } : {}),
    resultsFile: { ...r.tally, counts },
  };
}

/**
 * What the results file's records spent, and what that sum leaves out: records with no usage (an
 * item that spent nothing, or a record written before records carried it), tokens at no known
 * price, and the failed attempts `--retry-failed` dropped. Empty when no record carries tokens.
 */
function fileUsage(r: BatchReport): string {
  const { usage: spent, withoutUsage, unpriced } = r.tally;
  const cached = spent.cachedUsd ?? 0;
  if (spent.inputTokens + spent.outputTokens === 0 && cached === 0) return "";
  const leftOut = [
    ...(withoutUsage > 0
      ? [
          `${plural(withoutUsage, "record")} ${withoutUsage === 1 ? "carries" : "carry"} no usage: spent nothing, or written before records carried it`,
        ]
      : []),
    ...(unpriced > 0
      ? [`${plural(unpriced, "record")}${unpriced === 1 ? "'s" : "'"} tokens have no known price`]
      : []),
    ...(r.retriedFailed ? ["the failed attempts --retry-failed dropped are not in the file"] : []),
  ];
  return `; its records' tokens ${spent.inputTokens} in / ${spent.outputTokens} out; cost $${spent.costUsd.toFixed(4)}${cached > 0 ? ` (answers from the LLM cache would cost $${cached.toFixed(4)} more)` : ""}${leftOut.length > 0 ? ` (${leftOut.join("; ")})` : ""}`;
}

/**
 * The report as text: counts of this run, throughput, tokens and cost, counts per tier/queue/label,
 * failures, output path.
 */
export function batchReportText(r: BatchReport): string {
  const s = r.summary;
  const ran = s.done + s.deferred + s.failed + s.waiting;
  const lines: string[] = [];
  lines.push(
    `${r.chain} on ${r.shownFile}: ${plural(ran, "item")} in ${duration(s.ms)} (${s.itemsPerSecond.toFixed(1)} items/s)`,
  );
  const deferredReasons = Object.entries(s.deferredReasons).map(([reason, n]) => `${reason} ${n}`);
  const counts = [
    `done ${s.done}`,
    `deferred ${s.deferred}${deferredReasons.length > 0 ? ` (${deferredReasons.join(", ")})` : ""}`,
    `failed ${s.failed}`,
    `skipped ${s.skipped}`,
  ];
  if (s.waiting > 0) counts.splice(2, 0, `waiting ${s.waiting}`);
  lines.push(`  ${counts.join(", ")}`);
  // What this run spent, failed items' billed answers included (a schema failure is paid for too).
  const cached = s.usage.cachedUsd ?? 0;
  if (s.usage.inputTokens + s.usage.outputTokens > 0 || cached > 0) {
    lines.push(
      `  tokens ${s.usage.inputTokens} in / ${s.usage.outputTokens} out; cost $${s.usage.costUsd.toFixed(4)}${cached > 0 ? ` (answers from the LLM cache, not spent, would cost $${cached.toFixed(4)} more)` : ""}`,
    );
  }
  if (s.audits !== undefined) {
    const a = s.audits;
    // Counted apart: the audits are not the chain's LLM calls, and their cost is not the answers'.
    lines.push(
      `  audits: ${plural(a.calls, "LLM call")} on cheap-tier answers (agreed ${a.agreed}, disagreed ${a.disagreed}${a.failed > 0 ? `, failed ${a.failed}` : ""}); tokens ${a.usage.inputTokens} in / ${a.usage.outputTokens} out; cost $${a.usage.costUsd.toFixed(4)}, not in the cost above; catena audit report ${r.chain.split("@")[0]} measures each tier's precision`,
    );
  }
  if (s.stopError) {
    const cause = String(s.stopError.details?.cause ?? "provider");
    lines.push(
      `  stopped early (${cause}): ${plural(ran, "item")} run, ${plural(r.notRun ?? 0, "item")} not run; fix the cause (see the message on stderr), then continue with --resume --retry-failed`,
    );
  } else if (s.status === "stopped") {
    lines.push(
      `  stopped: ${s.stoppedReason ?? "--max-cost"}; continue with --resume (and a higher --max-cost)`,
    );
  }
  const unconfigured = s.deferredReasons.PROVIDER_NOT_CONFIGURED ?? 0;
  if (unconfigured > 0) {
    lines.push(
      `  ${plural(unconfigured, "item")} deferred because an llm step has no model provider: set OPENAI_API_KEY, or OPENAI_BASE_URL for an OpenAI-compatible server`,
    );
  }
  if (s.forcedResume) {
    const diffs = s.forcedResume.mismatches.map((m) =>
      m.field === "header"
        ? "the results file has no header (written by an older catena)"
        : `${m.field} ${short(m.field, m.file ?? "(none)")} in the file, ${short(m.field, m.now)} now`,
    );
    lines.push(`  resumed with --force-resume although ${diffs.join("; ")}`);
  }
  if (s.skipped > 0) {
    const byStatus = Object.entries(r.tally.byStatus).map(
      ([status, n]) => `${status === "error" ? "failed" : status} ${n}`,
    );
    lines.push(
      `  results file now holds ${plural(r.tally.items, "item")}: ${byStatus.join(", ")}${fileUsage(r)}`,
    );
  }
  for (const [field, pairs] of Object.entries(r.tally.counts))
    lines.push(`  ${field}: ${valueCounts(pairs)}`);
  if (r.tally.failed > 0) {
    lines.push(
      `  failed items${r.tally.failed > r.tally.failures.length ? ` (first ${r.tally.failures.length} of ${r.tally.failed})` : ""}:`,
    );
    for (const f of r.tally.failures) {
      const where = f.line === undefined ? `item ${f.index}` : `line ${f.line} (item ${f.index})`;
      const message = oneLine(f.error?.message ?? "unknown error").replace(/^line \d+: /, "");
      lines.push(`    ${where}: ${message}`);
    }
    // An unreadable input line (bad quote, bad bytes) is fixed in the file, and --resume refuses an
    // edited input unless forced; a failed run is simply run again.
    const inputErrors = r.tally.failures.filter((f) => INPUT_ERROR_CODES.has(f.error?.code ?? "")).length;
    if (inputErrors > 0) {
      lines.push(
        "  fix those lines of the input, then rerun them with --resume --retry-failed --force-resume (keep the other lines in place; bytes in another encoding need no edit: --resume --retry-failed --encoding <label>)",
      );
    }
    if (inputErrors < r.tally.failures.length) lines.push("  run them again with --resume --retry-failed");
  }
  if (s.status === "aborted") lines.push("  interrupted: finish the batch with --resume");
  lines.push(`results: ${r.shownOut}`);
  return `${lines.join("\n")}\n`;
}

/** Failures that come from the input itself (unreadable, or not what the chain takes): rerunning them unchanged fails again. */
const INPUT_ERROR_CODES: ReadonlySet<string> = new Set(["BATCH_INPUT", "INPUT_VALIDATION"]);

/** Fingerprints are shown by their first 12 digits, as `catena list` does. */
function short(field: string, value: string): string {
  return field === "fingerprint" ? value.slice(0, 12) : value;
}

/** Values listed per counted field: a labelling chain has dozens (Banking77: 77), one line must stay readable. */
const VALUES_SHOWN = 10;

/**
 * The counts of one field's values, most frequent first (as tallied): the first {@link VALUES_SHOWN},
 * then how many other values there are and how many items they hold (`--json` has them all).
 */
export function valueCounts(entries: ReadonlyArray<readonly [value: string, count: number]>): string {
  const shown = entries.slice(0, VALUES_SHOWN).map(([value, n]) => `${value} ${n}`);
  const rest = entries.slice(VALUES_SHOWN);
  if (rest.length > 0) {
    const items = rest.reduce((sum, [, n]) => sum + n, 0);
    shown.push(`… and ${rest.length} more (${plural(items, "item")}; all in --json)`);
  }
  return shown.join(", ");
}
