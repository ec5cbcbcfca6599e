import { cascadeTierNames } from "@catena/core";
import { checkGate, compareExperiments, comparisonMetrics, parseGate } from "@catena/core/evals";
import type { Command } from "commander";
import { loadChains } from "../chains/load-chains.ts";
import { CliError } from "../cli-error.ts";
import type { CommandContext } from "../command-context.ts";
import { prepareEval } from "../evaluation/eval-setup.ts";
import { comparisonText, gateText } from "../evaluation/experiment-text.ts";
import { type RecordedExperiment, runRecordedExperiment } from "../evaluation/recorded-experiment.ts";
import { ExitCode } from "../exit-codes.ts";
import { jsonText } from "../format/json-text.ts";
import { plural } from "../format/plural.ts";
import { globalOptions } from "../global-options.ts";
import { positiveNumber } from "../positive-number.ts";
import { BATCH_TRACE_FLUSH_MS, startCliTracing } from "../tracing/cli-tracing.ts";
import { recordingJson } from "./eval.ts";

/** The options of `catena compare`. */
export interface CompareCommandOptions {
  data: string;
  labelField?: string;
  evaluators?: string;
  gate?: string;
  maxCost?: string;
  llmCache: string | false;
  show: string;
  strictLabels?: boolean;
}

/**
 * Registers `catena compare <chain@v1> <chain@v2> --data <file>`: runs both versions on the same
 * examples with the same evaluators (each recorded as an experiment on the same dataset when a
 * trace backend is configured) and shows them side by side: the changed examples with regressions
 * first, McNemar's exact test and a paired bootstrap on the difference, and the cost and latency
 * deltas. `--gate "accuracy>=0.9,regressions<=3"` exits 1 when a condition fails. When answers
 * came from `--llm-cache`, the cost row is at uncached prices (an answer from the cache counts what
 * the model would charge for it), so that the version that happened to find its answers in the
 * cache does not look cheaper, and what was spent follows it; the gate's `cost` and `cost_delta`
 * are what was spent, as in `catena eval`, `uncached_cost` and `uncached_cost_delta` the others.
 */
export function registerCompareCommand(program: Command, ctx: CommandContext): void {
  program
    .command("compare")
    .description(
      "compare two versions of a chain on the same data: regressions, significance, cost and latency",
    )
    .argument("<before>", "the baseline: name@version (a chain module may export several versions)")
    .argument("<after>", "the candidate: name@version")
    .requiredOption("--data <file>", "the examples both versions run (as for `catena eval`)")
    .option("--label-field <field>", "output field holding a labelling chain's label")
    .option(
      "--evaluators <keys>",
      "comma-separated evaluators (as for `catena eval`); the first decides regressions",
    )
    .option(
      "--gate <conditions>",
      'fail (exit 1) unless every condition holds, e.g. "accuracy>=0.9,regressions<=3"',
    )
    .option("--max-cost <usd>", "stop each version's run before it spends more than this many US dollars")
    .option("--llm-cache <dir>", "answer repeated LLM requests from this cache", ".catena/llm-cache")
    .option("--no-llm-cache", "call the model for every request")
    .option("--show <n>", "changed examples listed (text output)", "20")
    .option(
      "--strict-labels",
      "refuse the data when an item expects a label the chain does not know (default: count it as a miss, and warn)",
    )
    .addHelpText(
      "after",
      '\nCost: when answers came from --llm-cache, the "cost/run, uncached" row counts each at what the model\nwould charge for it, so a version is not cheaper for having found its answers in the cache; "spent"\nbelow it is what this run paid. Gates: cost and cost_delta are spent (as in catena eval),\nuncached_cost and uncached_cost_delta at uncached prices; the deltas are per run, after - before.\n',
    )
    .action(async (before: string, after: string, options: CompareCommandOptions, command: Command) => {
      const globals = globalOptions(command);
      const gate = options.gate === undefined ? undefined : parseGate(options.gate);
      const maxCostUsd =
        options.maxCost === undefined ? undefined : positiveNumber(options.maxCost, "--max-cost");
      const { registry } = await loadChains({ cwd: ctx.io.cwd, modules: globals.chains });
      const a = registry.get(before);
      const b = registry.get(after);
      if (a.id === b.id) {
        const versions = registry.versions(a.name).map((c) => c.version);
        throw new CliError(
          `compare needs two different versions; both are ${a.id} (versions of ${a.name}: ${versions.join(", ")}). Load another version with --chains <module>.`,
        );
      }
      const { gate: _text, ...rest } = options;
      const setupOf = (chain: typeof a) =>
        prepareEval(ctx, chain, { ...rest, repeats: 1, ...(gate === undefined ? {} : { gate }) });
      const setup = await setupOf(a);
      const setupB = await setupOf(b);
      // Both versions read the same file: a warning about it is said once.
      for (const warning of new Set([...setup.warnings, ...setupB.warnings]))
        ctx.io.err(`catena: warning: ${warning}\n`);
      const tracing = await startCliTracing(ctx, globals, { flushTimeoutMs: BATCH_TRACE_FLUSH_MS });
      let ra: RecordedExperiment;
      let rb: RecordedExperiment;
      try {
        const budget = maxCostUsd === undefined ? {} : { maxCostUsd };
        ra = await runRecordedExperiment(ctx, tracing, a, setup.dataset, {
          evaluators: setup.evaluators,
          ...budget,
        });
        rb = await runRecordedExperiment(ctx, tracing, b, setup.dataset, {
          evaluators: setupB.evaluators,
          ...budget,
        });
      } finally {
        await tracing.finish();
      }
      const comparison = compareExperiments(ra.experiment, rb.experiment, {
        tierOrder: cascadeTierNames(b.flow),
      });
      const checks = gate === undefined ? undefined : checkGate(gate, comparisonMetrics(comparison));
      const failing = (checks ?? []).filter((c) => !c.passed);
      if (globals.json) {
        ctx.io.out(
          jsonText({
            status: failing.length > 0 ? "below-gate" : "compared",
            before: a.id,
            after: b.id,
            data: setup.path,
            ...comparison,
            metrics: comparisonMetrics(comparison),
            experiments: [ra.recording, rb.recording].map((r) => (r === undefined ? null : recordingJson(r))),
            ...(checks === undefined ? {} : { gates: checks }),
          }),
        );
      } else {
        ctx.io.out(comparisonText(a.id, b.id, comparison, Number(options.show) || 20));
        for (const r of [ra.recording, rb.recording]) {
          if (r) ctx.io.out(`experiment: ${r.session.name} (${plural(r.feedback, "feedback row")})\n`);
        }
        if (checks) ctx.io.out(gateText(checks));
      }
      if (failing.length > 0) {
        const actual = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(4));
        ctx.io.err(
          `catena: gate failed: ${failing.map((c) => `${c.text} (actual ${actual(c.actual)})`).join(", ")}\n`,
        );
        ctx.setExitCode(ExitCode.failed);
      } else if (ra.experiment.status === "stopped" || rb.experiment.status === "stopped") {
        ctx.io.err(
          `catena: stopped before overspending (--max-cost): ${ra.experiment.stoppedReason ?? rb.experiment.stoppedReason}\n`,
        );
        ctx.setExitCode(ExitCode.failed);
      }
    });
}
