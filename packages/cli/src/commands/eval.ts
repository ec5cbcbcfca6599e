import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { trainableChains } from "@catena/chains";
import { cascadeTierNames, run } from "@catena/core";
import { SingleBar } from "cli-progress";
import type { Command } from "commander";
import { loadChains } from "../chains/load-chains.ts";
import { CliError } from "../cli-error.ts";
import type { CommandContext } from "../command-context.ts";
import { type EvalReport, EvalTally } from "../evaluation/eval-tally.ts";
import { labelFieldOf } from "../evaluation/label-field.ts";
import { readEvalItems } from "../evaluation/read-eval-items.ts";
import { ExitCode } from "../exit-codes.ts";
import { displayPath } from "../format/display-path.ts";
import { jsonText } from "../format/json-text.ts";
import { table } from "../format/table.ts";
import { globalOptions } from "../global-options.ts";
import { oneLine } from "../report-error.ts";
import { BATCH_TRACE_FLUSH_MS, startCliTracing } from "../tracing/cli-tracing.ts";
import { sendChainDescriptions } from "../tracing/send-chain-description.ts";
import { studioPageHint } from "../tracing/studio-page-hint.ts";

/** The options of `catena eval`. */
export interface EvalCommandOptions {
  data: string;
  labelField?: string;
  minAccuracy?: string;
}

/**
 * Registers `catena eval <chain> --data <file>`: runs a labelling chain over labelled items
 * (traced like `catena batch`) and prints accuracy, per-tier coverage and precision, how many items
 * were deferred (and why), the most confused label pairs and the latency of each step.
 */
export function registerEvalCommand(program: Command, ctx: CommandContext): void {
  program
    .command("eval")
    .description("evaluate a labelling chain on labelled data: accuracy, tiers, confusions, latency")
    .argument("<chain>", "chain name, or name@version; its output has a label field (and `tier`)")
    .requiredOption(
      "--data <file>",
      "labelled items: .jsonl ({ text, <label field> } per line) or .csv (text,<label field>)",
    )
    .option(
      "--label-field <field>",
      "output field to compare with the expected value (default: `label`, else the output's only enum field, e.g. support-triage's `queue`)",
    )
    .option("--min-accuracy <x>", "fail (exit 1) when accuracy is below x: 0.9 or 90%")
    .action(async (ref: string, options: EvalCommandOptions, command: Command) => {
      const globals = globalOptions(command);
      const minAccuracy = options.minAccuracy === undefined ? undefined : parseShare(options.minAccuracy);
      const path = resolve(ctx.io.cwd, options.data);
      if (!existsSync(path)) throw new CliError(`data file not found: ${options.data}`);
      const { registry } = await loadChains({ cwd: ctx.io.cwd, modules: globals.chains });
      const chain = registry.get(ref);
      const { field, labels: declared } = labelFieldOf(chain, options.labelField);
      const labels = trainableChains.find((t) => t.name === chain.name)?.labels ?? declared;
      const items = readEvalItems(path, displayPath(ctx.io.cwd, path), labels, field);
      const stream = globals.json ? undefined : ctx.io.progressStream;
      const bar = stream
        ? new SingleBar({ stream, format: "{bar} {value}/{total}", barsize: 24, clearOnComplete: true })
        : undefined;
      bar?.start(items.length, 0);
      const tracing = await startCliTracing(ctx, globals, { flushTimeoutMs: BATCH_TRACE_FLUSH_MS });
      await sendChainDescriptions(tracing.backend, [chain]);
      const tally = new EvalTally(field);
      try {
        for (const item of items) {
          const result = await run(chain, item.input, tracing.tracer ? { tracer: tracing.tracer } : {});
          tally.add(result, item.label);
          bar?.increment();
        }
      } finally {
        bar?.stop();
        await tracing.finish();
      }
      const report = tally.report(cascadeTierNames(chain.flow));
      const allFailed = report.items > 0 && report.failed === report.items;
      const belowGate = minAccuracy !== undefined && report.accuracy < minAccuracy;
      if (globals.json) {
        const { runIds: _ids, ...rest } = report;
        const gate = minAccuracy === undefined ? {} : { gate: { minAccuracy, passed: !belowGate } };
        const status = allFailed ? "failed" : belowGate ? "below-gate" : "evaluated";
        ctx.io.out(jsonText({ status, chain: chain.id, data: path, ...rest, ...gate }));
      } else {
        ctx.io.out(
          evalReportText(
            chain.id,
            displayPath(ctx.io.cwd, path),
            report,
            tracing.tracer !== undefined,
            studioPageHint(tracing.backend),
          ),
        );
      }
      if (allFailed) {
        const first = report.failures[0];
        const reasons = report.failures.map((f) => `${f.count} ${f.code}`).join(", ");
        ctx.io.err(
          `catena: every one of the ${report.items} items failed (${reasons}); the first: ${oneLine(first?.message ?? "unknown")}\n`,
        );
        ctx.setExitCode(ExitCode.failed);
      } else if (belowGate) {
        ctx.io.err(
          `catena: accuracy ${percent(report.accuracy)} is below --min-accuracy ${percent(minAccuracy)}\n`,
        );
        ctx.setExitCode(ExitCode.failed);
      }
    });
}

/** Parses `--min-accuracy`: a share between 0 and 1 (`0.9`) or a percentage (`90%`). */
export function parseShare(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/.exec(text);
  const value = match ? Number(match[1]) / (match[2] === "%" ? 100 : 1) : Number.NaN;
  if (!match || !(value >= 0 && value <= 1)) {
    throw new CliError(
      `--min-accuracy must be a share from 0 to 1 (0.9) or a percentage (90%), got "${text}".`,
    );
  }
  return value;
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
    `evaluated ${chain} on ${r.items} items of ${data} (expected vs output field \`${r.labelField}\`)`,
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
      `deferred: ${r.deferred.count} items no cheap tier was sure enough of, for the LLM tier (${reasons}); their best cheap guess was right for ${r.deferred.bestGuessCorrect}`,
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
