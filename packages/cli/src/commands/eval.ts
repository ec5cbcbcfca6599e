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
import { readEvalItems } from "../evaluation/read-eval-items.ts";
import { displayPath } from "../format/display-path.ts";
import { jsonText } from "../format/json-text.ts";
import { table } from "../format/table.ts";
import { globalOptions } from "../global-options.ts";
import { BATCH_TRACE_FLUSH_MS, startCliTracing } from "../tracing/cli-tracing.ts";

/** The options of `catena eval`. */
export interface EvalCommandOptions {
  data: string;
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
    .argument("<chain>", "chain name, or name@version; its output has `label` and `tier`")
    .requiredOption("--data <file>", "labelled items: .jsonl ({ text, label } per line) or .csv (text,label)")
    .action(async (ref: string, options: EvalCommandOptions, command: Command) => {
      const globals = globalOptions(command);
      const path = resolve(ctx.io.cwd, options.data);
      if (!existsSync(path)) throw new CliError(`data file not found: ${options.data}`);
      const { registry } = await loadChains({ cwd: ctx.io.cwd, modules: globals.chains });
      const chain = registry.get(ref);
      const labels = trainableChains.find((t) => t.name === chain.name)?.labels;
      const items = readEvalItems(path, displayPath(ctx.io.cwd, path), labels);
      const stream = globals.json ? undefined : ctx.io.progressStream;
      const bar = stream
        ? new SingleBar({ stream, format: "{bar} {value}/{total}", barsize: 24, clearOnComplete: true })
        : undefined;
      bar?.start(items.length, 0);
      const tracing = await startCliTracing(ctx, globals, { flushTimeoutMs: BATCH_TRACE_FLUSH_MS });
      const tally = new EvalTally();
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
      if (globals.json) {
        const { runIds: _ids, ...rest } = report;
        ctx.io.out(jsonText({ status: "evaluated", chain: chain.id, data: path, ...rest }));
        return;
      }
      ctx.io.out(
        evalReportText(chain.id, displayPath(ctx.io.cwd, path), report, tracing.tracer !== undefined),
      );
    });
}

/** The human-readable eval report. */
export function evalReportText(chain: string, data: string, r: EvalReport, traced: boolean): string {
  const pct = (x: number | null): string => (x === null ? "-" : `${(x * 100).toFixed(1)}%`);
  const lines = [
    `evaluated ${chain} on ${r.items} items of ${data}`,
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
    lines.push("", `traces: catena traces --chain ${chain.split("@")[0]} (then catena trace <run-id>)`);
  return `${lines.join("\n")}\n`;
}
