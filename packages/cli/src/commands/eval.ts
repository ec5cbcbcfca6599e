import { cascadeTierNames } from "@catena/core";
import {
  assertGateMetrics,
  checkGate,
  experimentMetricNames,
  experimentMetrics,
  parseGate,
  summarizeExperiment,
} from "@catena/core/evals";
import { SingleBar } from "cli-progress";
import type { Command } from "commander";
import { loadChains } from "../chains/load-chains.ts";
import { CliError } from "../cli-error.ts";
import type { CommandContext } from "../command-context.ts";
import { prepareEval } from "../evaluation/eval-setup.ts";
import { type EvalReport, EvalTally } from "../evaluation/eval-tally.ts";
import { experimentText, gateText, unscoredWarnings } from "../evaluation/experiment-text.ts";
import {
  type ExperimentRecording,
  type RecordedExperiment,
  runRecordedExperiment,
} from "../evaluation/recorded-experiment.ts";
import { ExitCode } from "../exit-codes.ts";
import { jsonText } from "../format/json-text.ts";
import { plural } from "../format/plural.ts";
import { table } from "../format/table.ts";
import { globalOptions } from "../global-options.ts";
import { positiveNumber } from "../positive-number.ts";
import { oneLine } from "../report-error.ts";
import { parseShare } from "../share-option.ts";
import { BATCH_TRACE_FLUSH_MS, startCliTracing } from "../tracing/cli-tracing.ts";
import { sendChainDescriptions } from "../tracing/send-chain-description.ts";
import { studioPageHint } from "../tracing/studio-page-hint.ts";

/** The options of `catena eval`. */
export interface EvalCommandOptions {
  data: string;
  labelField?: string;
  minAccuracy?: string;
  evaluators?: string;
  repeats?: string;
  gate?: string;
  maxCost?: string;
  experiment?: string;
  llmCache: string | false;
  strictLabels?: boolean;
}

/**
 * Registers `catena eval <chain[@version]> --data <file>`: runs a chain over a dataset (traced like
 * `catena batch`), scores every run with evaluators (`--evaluators`, else the chain's configured
 * ones, else field match on a labelling chain's label) and reports means with confidence intervals,
 * per-tier coverage and precision, latency, tokens, cost (the judges' apart) and the LLM-call share;
 * for labelling chains also accuracy, deferrals and confusions as before. With a trace backend the
 * eval is recorded as a LangSmith experiment. `--gate` and `--min-accuracy` make it a CI check.
 */
export function registerEvalCommand(program: Command, ctx: CommandContext): void {
  program
    .command("eval")
    .description(
      "evaluate a chain on a dataset: evaluator scores, tiers, latency, cost; recorded as an experiment",
    )
    .argument("<chain>", "chain name, or name@version")
    .requiredOption(
      "--data <file>",
      "labelled items (.jsonl { text, <label field> } or .csv) for labelling chains, else .jsonl examples { inputs, outputs }",
    )
    .option(
      "--label-field <field>",
      "output field to compare with the expected value (default: `label`, else the output's only enum field, e.g. support-triage's `queue`)",
    )
    .option("--min-accuracy <x>", "fail (exit 1) when accuracy is below x: 0.9 or 90%")
    .option(
      "--evaluators <keys>",
      "comma-separated evaluators: keys from catena.evals.json or the chain's built-in evals, judge names, exact_match, field_match, schema_valid",
    )
    .option("--repeats <n>", "run every example n times and report how often outputs changed", "1")
    .option(
      "--gate <conditions>",
      'fail (exit 1) unless every condition holds, e.g. "accuracy>=0.9,p95_ms<=50"; judges used must be aligned',
    )
    .option("--max-cost <usd>", "stop before the chain and its judges spend more than this many US dollars")
    .option("--experiment <name>", "name of the recorded experiment (default <chain>@<version>-<time>)")
    .option("--llm-cache <dir>", "answer repeated LLM requests from this cache", ".catena/llm-cache")
    .option("--no-llm-cache", "call the model for every request")
    .option(
      "--strict-labels",
      "refuse the data when an item expects a label the chain does not know (default: count it as a miss, and warn)",
    )
    .action(async (ref: string, options: EvalCommandOptions, command: Command) => {
      const globals = globalOptions(command);
      const minAccuracy =
        options.minAccuracy === undefined ? undefined : parseShare(options.minAccuracy, "--min-accuracy");
      const repeats = positiveInteger(options.repeats ?? "1", "--repeats");
      const maxCostUsd =
        options.maxCost === undefined ? undefined : positiveNumber(options.maxCost, "--max-cost");
      const gate = options.gate === undefined ? undefined : parseGate(options.gate);
      const { registry } = await loadChains({ cwd: ctx.io.cwd, modules: globals.chains });
      const chain = registry.get(ref);
      const { gate: _text, ...rest } = options;
      const { dataset, shownAs, path, label, evaluators, warnings } = await prepareEval(ctx, chain, {
        ...rest,
        repeats,
        ...(gate === undefined ? {} : { gate }),
      });
      for (const warning of warnings) ctx.io.err(`catena: warning: ${warning}\n`);
      if (gate !== undefined) {
        // A metric the report will not have fails now, not after every example ran (and was paid for).
        const names = experimentMetricNames(
          evaluators.map((e) => e.key),
          repeats,
        );
        assertGateMetrics(gate, label === undefined ? names : [...names, "accuracy"]);
      }
      const stream = globals.json ? undefined : ctx.io.progressStream;
      const bar = stream
        ? new SingleBar({ stream, format: "{bar} {value}/{total}", barsize: 24, clearOnComplete: true })
        : undefined;
      bar?.start(dataset.examples.length * repeats, 0);
      const tracing = await startCliTracing(ctx, globals, { flushTimeoutMs: BATCH_TRACE_FLUSH_MS });
      await sendChainDescriptions(tracing.backend, [chain]);
      const tally = label ? new EvalTally(label.field) : undefined;
      let recorded: RecordedExperiment;
      let sent: Awaited<ReturnType<typeof tracing.finish>>;
      try {
        recorded = await runRecordedExperiment(ctx, tracing, chain, dataset, {
          evaluators,
          repeats,
          ...(maxCostUsd === undefined ? {} : { maxCostUsd }),
          ...(options.experiment === undefined ? {} : { experimentName: options.experiment }),
          onProgress: (done) => bar?.update(done),
          onResult: (result, example, repeat) => {
            if (tally && label && repeat === 0) tally.add(result, String(example.outputs?.[label.field]));
          },
        });
      } finally {
        bar?.stop();
        sent = await tracing.finish();
      }
      const summary = summarizeExperiment(recorded.experiment, cascadeTierNames(chain.flow));
      const report = tally?.report(cascadeTierNames(chain.flow));
      const metrics = experimentMetrics(summary);
      if (report) metrics.accuracy = report.accuracy;
      const checks = gate === undefined ? undefined : checkGate(gate, metrics);
      const gateFailed = checks?.some((c) => !c.passed) === true;
      const allFailed = summary.runs > 0 && (summary.statuses.error ?? 0) === summary.runs;
      // With every run failed, the error below says why nothing was scored.
      if (!allFailed)
        for (const warning of unscoredWarnings(summary, recorded.experiment.rows)) ctx.io.err(warning);
      const belowGate = minAccuracy !== undefined && report !== undefined && report.accuracy < minAccuracy;
      const stopped = summary.status === "stopped";
      if (globals.json) {
        const status = allFailed
          ? "failed"
          : belowGate || gateFailed
            ? "below-gate"
            : stopped
              ? "stopped"
              : "evaluated";
        const legacy = report ? (({ runIds: _ids, ...rest }) => rest)(report) : {};
        const minGate = minAccuracy === undefined ? {} : { gate: { minAccuracy, passed: !belowGate } };
        const recording =
          recorded.recording === undefined ? {} : { experiment: recordingJson(recorded.recording) };
        ctx.io.out(
          jsonText({
            status,
            chain: chain.id,
            data: path,
            ...legacy,
            ...minGate,
            evaluation: summary,
            metrics,
            ...recording,
            ...(checks === undefined ? {} : { gates: checks }),
          }),
        );
      } else {
        if (report)
          ctx.io.out(
            evalReportText(
              chain.id,
              shownAs,
              report,
              // Where to look only when the traces got there (finish() warned otherwise).
              sent?.status === "sent",
              studioPageHint(tracing.backend),
            ),
          );
        else
          ctx.io.out(
            `evaluated ${chain.id} on ${plural(dataset.examples.length, "example")} of ${shownAs}\n`,
          );
        ctx.io.out(`\n${experimentText(summary, recorded.recording, { tiers: report === undefined })}`);
        if (checks) ctx.io.out(gateText(checks));
      }
      if (allFailed) {
        const first = recorded.experiment.rows.find((r) => r.error !== undefined);
        const reasons = report
          ? report.failures.map((f) => `${f.count} ${f.code}`).join(", ")
          : `${summary.runs} ${first?.error ?? "failed"}`;
        const message = report?.failures[0]?.message ?? first?.error ?? "unknown";
        ctx.io.err(
          `catena: ${summary.runs === 1 ? "the one item" : `every one of the ${summary.runs} items`} failed (${reasons}); the first: ${oneLine(message)}\n`,
        );
        ctx.setExitCode(ExitCode.failed);
      } else if (belowGate) {
        ctx.io.err(
          `catena: accuracy ${percent(report?.accuracy ?? 0)} is below --min-accuracy ${percent(minAccuracy)}\n`,
        );
        ctx.setExitCode(ExitCode.failed);
      } else if (gateFailed) {
        const failing = (checks ?? [])
          .filter((c) => !c.passed)
          .map((c) => `${c.text} (actual ${round(c.actual)})`);
        ctx.io.err(`catena: gate failed: ${failing.join(", ")}\n`);
        ctx.setExitCode(ExitCode.failed);
      } else if (stopped) {
        ctx.io.err(`catena: stopped before overspending (--max-cost): ${summary.stoppedReason ?? ""}\n`);
        ctx.setExitCode(ExitCode.failed);
      }
    });
}

/** The JSON of where an experiment was recorded. */
export function recordingJson(r: ExperimentRecording): Record<string, unknown> {
  return { name: r.session.name, id: r.session.id, datasetId: r.datasetId, url: r.url, feedback: r.feedback };
}

function round(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(4);
}

/** Parses a whole number of at least 1, for `--repeats`. */
export function positiveInteger(text: string, option: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new CliError(`${option} must be a whole number of at least 1, got "${text}".`);
  return n;
}

function percent(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

/** The human-readable eval report; `page` says where to browse the traces in a browser. */
export function evalReportText(
  chain: string,
  data: string,
  r: EvalReport,
  traced: boolean,
  page?: string,
): string {
  const pct = (x: number | null): string => (x === null ? "-" : `${(x * 100).toFixed(1)}%`);
  const lines = [
    `evaluated ${chain} on ${plural(r.items, "item")} of ${data} (expected vs output field \`${r.labelField}\`)`,
    "",
    table([
      ["TIER", "ANSWERED", "COVERAGE", "PRECISION"],
      ...r.tiers.map((t) => [t.tier, String(t.answered), pct(t.coverage), pct(t.precision)]),
      ["deferred", String(r.deferred.count), pct(r.deferred.share), "-"],
      ...(r.failed > 0 ? [["failed", String(r.failed), pct(r.failed / Math.max(1, r.items)), "-"]] : []),
    ]).trimEnd(),
    "",
    `accuracy: ${pct(r.accuracy)} of all items (answered items: ${pct(r.answeredAccuracy)}; with the best cheap guess for deferred items: ${pct(r.accuracyWithBestGuess)})`,
  ];
  if (r.failed > 0) {
    lines.push(
      `failed: ${r.failures.map((f) => `${f.count} ${f.code}`).join(", ")}; the first: ${oneLine(r.failures[0]?.message ?? "unknown")}`,
    );
  }
  if (r.deferred.count > 0) {
    const reasons = Object.entries(r.deferred.reasons)
      .map(([code, n]) => `${n} ${code}`)
      .join(", ");
    lines.push(
      `deferred: ${plural(r.deferred.count, "item")} no cheap tier was sure enough of, for the LLM tier (${reasons}); their best cheap guess was right for ${r.deferred.bestGuessCorrect}`,
    );
    if (r.deferred.reasons.PROVIDER_NOT_CONFIGURED) {
      lines.push(
        "  the llm tier has no model provider: set OPENAI_API_KEY, or OPENAI_BASE_URL for an OpenAI-compatible server",
      );
    }
  }
  if (r.confusions.length > 0) {
    lines.push(
      "",
      "most confused (expected → given):",
      table(r.confusions.map((c) => [`  ${c.expected}`, "→", c.predicted, `${c.count}×`])).trimEnd(),
    );
  }
  lines.push(
    "",
    "latency per step:",
    table([
      ["  STEP", "RUNS", "MEDIAN", "P95"],
      ...r.latency.map((l) => [
        `  ${l.step}`,
        String(l.runs),
        `${l.medianMs.toFixed(2)} ms`,
        `${l.p95Ms.toFixed(2)} ms`,
      ]),
    ]).trimEnd(),
  );
  if (traced)
    lines.push(
      "",
      `traces: npx catena traces --chain ${chain.split("@")[0]} (then npx catena trace <run-id>)`,
    );
  if (traced && page !== undefined) lines.push(`in the browser: ${page}`);
  return `${lines.join("\n")}\n`;
}
