import { existsSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { type AnyChain, cascadeTierNames } from "@catena/core";
import { type LabelMix, type SkewReport, skewReport } from "@catena/core/ml";
import { listTracedInputs, type TracedInput } from "@catena/core/tracing";
import type { Command } from "commander";
import { loadChains } from "../chains/load-chains.ts";
import { CliError } from "../cli-error.ts";
import type { CommandContext } from "../command-context.ts";
import { readEvalItems } from "../evaluation/read-eval-items.ts";
import { displayPath } from "../format/display-path.ts";
import { jsonText } from "../format/json-text.ts";
import { plural } from "../format/plural.ts";
import { table } from "../format/table.ts";
import { timeLabels } from "../format/time-labels.ts";
import { globalOptions } from "../global-options.ts";
import { assertNotDirectory } from "../input-file.ts";
import { parseSince } from "../tracing/parse-since.ts";
import { traceProjects } from "../tracing/trace-projects.ts";
import { openTraceReader } from "../tracing/trace-reader.ts";
import { assertTraced, ofVersion, servedRuns, tracedChain } from "../tracing/traced-chain.ts";
import { assertWritablePath } from "../writable-path.ts";

interface SkewOptions {
  baseline: string;
  since: string;
  project?: string;
  field?: string;
  escalationTier: string[];
  out?: string;
}

/**
 * Registers `catena skew <chain> --baseline dev.csv [--since 24h] [--project P] [--out new.jsonl]`:
 * compares the chain's recent traced inputs with its baseline — length and format distributions,
 * label mix, escalation and deferral trend, new clusters far from every baseline example — and
 * lists the examples worth adding to the dev set.
 */
export function registerSkewCommand(program: Command, ctx: CommandContext): void {
  program
    .command("skew")
    .description(
      "compare recent traced inputs of a chain with its baseline (dev set): drift and new clusters",
    )
    .argument("<chain>", "the chain whose traced runs to read (name@version: that version's only)")
    .requiredOption("--baseline <file>", "the baseline: labelled items (.csv with text,label or .jsonl)")
    .option("--since <span|date>", "recent runs started since: 30m, 24h, 7d, or a date", "24h")
    .option("--project <name>", "trace project (default: the chain's project, else LANGSMITH_PROJECT)")
    .option("--field <name>", "the input field holding the text (default text)")
    .option(
      "--escalation-tier <tier>",
      "a tier whose answers count as escalations (repeatable; default llm)",
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option("--out <file>", "write the new clusters' examples here as JSONL, to label and add to the dev set")
    .action(async (chain: string, options: SkewOptions, command: Command) => {
      const globals = globalOptions(command);
      const since = parseSince(options.since);
      const baselinePath = resolve(ctx.io.cwd, options.baseline);
      const shown = displayPath(ctx.io.cwd, baselinePath);
      if (!existsSync(baselinePath))
        throw new CliError(`--baseline ${shown} not found; give the chain's dev file.`);
      assertNotDirectory(baselinePath, { option: "--baseline", shown });
      const baseline = readEvalItems(baselinePath, shown, undefined, "label", "--baseline").map((item) => ({
        text: typeof item.input.text === "string" ? item.input.text : JSON.stringify(item.input),
        label: item.label,
      }));
      const out = options.out === undefined ? undefined : resolve(ctx.io.cwd, options.out);
      if (out !== undefined)
        assertWritablePath(out, { option: "--out", shown: options.out ?? out, kind: "file" });
      const { registry } = await loadChains({ cwd: ctx.io.cwd, modules: globals.chains });
      const traced = tracedChain(registry, chain, options.project);
      const projects = traceProjects(registry, traced.name, options.project);
      const reader = await openTraceReader();
      let recent: Awaited<ReturnType<typeof listTracedInputs>>;
      try {
        recent = await listTracedInputs({
          client: reader.client,
          project: projects,
          chain: traced.name,
          since,
          ...(options.field === undefined ? {} : { field: options.field }),
        });
        assertTraced(registry, traced, recent, { projects, since });
        recent = servedRuns(ofVersion(recent, traced));
      } finally {
        await reader.close();
      }
      if (recent.length === 0) {
        if (globals.json) ctx.io.out(jsonText({ status: "no-runs", chain, since: since.toISOString() }));
        else
          ctx.io.out(
            `No traced runs of ${chain} in ${reader.where} (project ${projects.join(", ")}, since ${since.toISOString()}): nothing to compare.\n`,
          );
        return;
      }
      assertNamesExist(options, recent, registry.versions(traced.name), chain);
      const report = skewReport(baseline, recent, {
        ...(options.escalationTier.length > 0 ? { escalationTiers: options.escalationTier } : {}),
      });
      const examples = report.novelty.clusters.flatMap((c) => c.examples);
      if (out !== undefined) {
        writeFileSync(out, examples.map((text) => `${JSON.stringify({ text, label: "" })}\n`).join(""));
      }
      if (globals.json)
        ctx.io.out(jsonText({ status: report.shifted ? "shifted" : "stable", chain, ...report }));
      else ctx.io.out(skewText(chain, report, out === undefined ? undefined : displayPath(ctx.io.cwd, out)));
    });
}

/**
 * Refuses a `--field` no traced run has as a text input, and an `--escalation-tier` that is neither
 * a cascade tier of the loaded versions nor a tier the runs answered with: either typo would
 * otherwise go unnoticed (the text falls back to the only string input; the escalation rate reads 0).
 */
function assertNamesExist(
  options: SkewOptions,
  recent: readonly TracedInput[],
  loaded: readonly AnyChain[],
  chain: string,
): void {
  const field = options.field;
  if (field !== undefined && !recent.some((r) => typeof r.inputs[field] === "string")) {
    const fields = [...new Set(recent.flatMap((r) => Object.keys(r.inputs)))];
    throw new CliError(
      `--field ${field}: no traced run of ${chain} has a text input of that name (inputs: ${fields.join(", ")}); give one of them.`,
    );
  }
  const tiers = new Set([
    ...loaded.flatMap((c) => cascadeTierNames(c.flow)),
    ...recent.flatMap((r) => (r.tier === undefined ? [] : [r.tier])),
  ]);
  for (const tier of options.escalationTier) {
    if (!tiers.has(tier)) {
      throw new CliError(
        `--escalation-tier ${tier}: ${chain} has no tier of that name (tiers: ${[...tiers].join(", ")}); give one of them.`,
      );
    }
  }
}

/** The report for people: verdict and reasons first, then the sections. */
function skewText(chain: string, r: SkewReport, outShown: string | undefined): string {
  const p = (v: number) => (v < 1e-4 ? v.toExponential(1) : v.toFixed(4));
  const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
  const from = timeLabels(r.trend.map((t) => t.from));
  const lines = [
    `${chain}: ${plural(r.recent, "recent input")} against ${plural(r.baseline, "baseline example")} — ${r.shifted ? "SHIFTED" : "no shift found"}.`,
    ...r.reasons.map((reason) => `  - ${reason}`),
    "",
    table([
      ["measure", "baseline", "recent", "statistic", "p-value"],
      ...Object.entries(r.length).map(([name, l]) => [
        `median length (${name})`,
        String(l.baselineMedian),
        String(l.recentMedian),
        `KS ${l.statistic.toFixed(3)}, PSI ${l.psi.toFixed(2)}`,
        p(l.pValue),
      ]),
      ...r.format.map((f) => [
        f.feature,
        pct(f.baselineShare),
        pct(f.recentShare),
        `χ² ${f.statistic.toFixed(1)}`,
        p(f.pValue),
      ]),
      ...(r.labels === undefined
        ? []
        : [
            !r.labels.tested
              ? [
                  "label mix",
                  "",
                  "",
                  `not tested (${r.labels.reason === "single-label" ? "a single label" : "too few items"}, see below)`,
                  "-",
                ]
              : [
                  "label mix",
                  "",
                  "",
                  `χ² ${r.labels.statistic.toFixed(1)} (df ${r.labels.df})`,
                  p(r.labels.pValue),
                ],
          ]),
      [
        "far from baseline",
        "",
        `${r.novelty.far} (${pct(r.novelty.share)})`,
        `sim < ${r.novelty.threshold.toFixed(3)}`,
        p(r.novelty.pValue),
      ],
    ]),
    ...(r.labels?.tested === false ? ["", untestedLabelMix(r.labels)] : []),
    "",
    "escalation and deferral by time slice:",
    table([
      ["from", "runs", "escalated", "deferred"],
      ...r.trend.map((t, i) => [
        from[i] ?? t.from,
        String(t.runs),
        t.runs ? pct(t.escalated / t.runs) : "-",
        t.runs ? pct(t.deferred / t.runs) : "-",
      ]),
    ]),
  ];
  if (r.novelty.clusters.length > 0) {
    lines.push("", "new clusters (examples to label and add to the dev set):");
    for (const c of r.novelty.clusters) {
      lines.push(
        `  ${plural(c.size, "input")}, nearest baseline similarity ${c.nearestBaselineSimilarity.toFixed(2)}:`,
      );
      for (const e of c.examples) lines.push(`    ${JSON.stringify(e)}`);
    }
    if (outShown !== undefined) lines.push(`examples written to ${outShown}`);
  }
  return `${lines.join("\n")}\n`;
}

/**
 * Why the label mix has no test: the χ² test pools labels expected fewer than five times in either
 * sample, and with fewer than two cells left it has no degree of freedom. When every labelled item
 * on both sides has one label there is no mix to compare, and more runs of the same kind would not
 * make one; otherwise more labelled items would.
 */
function untestedLabelMix(mix: Extract<LabelMix, { tested: false }>): string {
  const { items } = mix;
  const counted = `${plural(items.recent, "labelled recent answer")} against ${plural(items.baseline, "baseline label")}`;
  if (mix.reason === "single-label") {
    const label = mix.moved[0]?.label ?? "";
    return `label mix: not tested: a single label: the ${plural(items.recent, "labelled recent answer")} and the ${plural(items.baseline, "baseline label")} are all "${label}", so there is no mix to compare; the χ² test needs another label on either side (a baseline with more than one label, or recent runs that answer otherwise).`;
  }
  return `label mix: not tested: too few items: ${counted}; the χ² test needs a label expected at least 5 times in both, and another label beside it (more recent runs, a longer --since).`;
}
