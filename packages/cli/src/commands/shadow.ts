import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { type Agreement, type ShadowReport, shadowReport } from "@catena/core/ml";
import { addToAnnotationQueue, listTracedInputs } from "@catena/core/tracing";
import type { Command } from "commander";
import { loadChains } from "../chains/load-chains.ts";
import type { CommandContext } from "../command-context.ts";
import { displayPath } from "../format/display-path.ts";
import { jsonText } from "../format/json-text.ts";
import { table } from "../format/table.ts";
import { globalOptions } from "../global-options.ts";
import { parseSince } from "../tracing/parse-since.ts";
import { traceProjects } from "../tracing/trace-projects.ts";
import { openTraceReader } from "../tracing/trace-reader.ts";
import { tracedChain } from "../tracing/traced-chain.ts";
import { assertWritablePath } from "../writable-path.ts";

interface ShadowReportOptions {
  since: string;
  project?: string;
  candidate?: string;
  out?: string;
  queue?: string;
}

/**
 * Registers `catena shadow report <chain> [--since 24h] [--candidate name] [--out file]`: pairs the
 * shadow runs (`run`/`batch --shadow`) with the runs they shadowed and reports agreement per tier
 * and label, latency and cost deltas, and the disagreements — written to a file, and added to the
 * studio's annotation queue when it has one.
 */
export function registerShadowCommand(program: Command, ctx: CommandContext): void {
  const shadow = program.command("shadow").description("shadow runs of candidate versions");
  shadow
    .command("report")
    .description(
      "agreement of shadow runs with the current version: per tier and label, cost, latency, disagreements",
    )
    .argument("<chain>", "the chain whose runs were shadowed (name@version: that version's runs only)")
    .option("--since <span|date>", "runs started since: 30m, 24h, 7d, or a date", "24h")
    .option("--project <name>", "trace project (default: the chain's project, else LANGSMITH_PROJECT)")
    .option(
      "--candidate <name>",
      "the candidate's chain name, when it is not the same chain at another version",
    )
    .option(
      "--out <file>",
      "where to write the disagreements as JSONL (default <chain>-shadow-disagreements.jsonl)",
    )
    .option(
      "--queue <name>",
      "annotation queue for the disagreements (default: <chain> shadow disagreements)",
    )
    .action(async (chain: string, options: ShadowReportOptions, command: Command) => {
      const globals = globalOptions(command);
      const since = parseSince(options.since);
      const out = resolve(ctx.io.cwd, options.out ?? `${chain}-shadow-disagreements.jsonl`);
      const shownOut = displayPath(ctx.io.cwd, out);
      assertWritablePath(out, { option: "--out", shown: shownOut, kind: "file" });
      const { registry } = await loadChains({ cwd: ctx.io.cwd, modules: globals.chains });
      const traced = tracedChain(registry, chain);
      const projects = traceProjects(registry, traced.name, options.project);
      const reader = await openTraceReader();
      try {
        const names = [...new Set([traced.name, options.candidate ?? traced.name])];
        const runs = (
          await Promise.all(
            names.map((name) =>
              listTracedInputs({ client: reader.client, project: projects, chain: name, since }),
            ),
          )
        )
          .flat()
          // A named version narrows the shadowed runs; the shadow runs themselves are the candidate's.
          .filter(
            (r) => traced.version === undefined || r.version === traced.version || r.metadata.shadow === true,
          );
        const report = shadowReport(runs);
        writeFileSync(out, report.disagreements.map((d) => `${JSON.stringify(d)}\n`).join(""));
        const queue = options.queue ?? `${traced.name} shadow disagreements`;
        const queued =
          report.disagreements.length === 0
            ? { status: "unavailable" as const }
            : await addToAnnotationQueue(
                reader.client,
                queue,
                report.disagreements.map((d) => d.runId),
                `Runs of ${chain} where a shadow candidate answered otherwise`,
              );
        if (globals.json) {
          ctx.io.out(jsonText({ status: "reported", chain, ...report, out, queue: queued }));
          return;
        }
        ctx.io.out(
          shadowText(
            chain,
            report,
            since,
            shownOut,
            queued.status === "queued" ? `${queue} in ${reader.where}` : undefined,
          ),
        );
      } finally {
        await reader.close();
      }
    });
}

function shadowText(
  chain: string,
  r: ShadowReport,
  since: Date,
  out: string,
  queue: string | undefined,
): string {
  if (r.pairs === 0)
    return `No shadow runs of ${chain} since ${since.toISOString()}${r.unpaired ? ` (${r.unpaired} whose current run is outside the window)` : ""}. Run catena run or catena batch with --shadow <chain@version>.\n`;
  const pct = (a: Agreement) => `${(100 * a.rate).toFixed(1)}%`;
  const rows = (groups: Record<string, Agreement>) =>
    Object.entries(groups)
      .sort((a, b) => a[1].rate - b[1].rate || b[1].pairs - a[1].pairs)
      .map(([key, a]) => [key, String(a.pairs), String(a.pairs - a.agree), pct(a)]);
  const lines = [
    `${chain} ${r.versions.current.join(", ")} shadowed by ${r.versions.candidate.join(", ")}: ${r.pairs} pairs, agreement ${pct(r.agreement)} (${r.disagreements.length} disagreements).`,
    `latency: ${r.latencyMs.current.toFixed(1)} ms current, ${r.latencyMs.candidate.toFixed(1)} ms candidate (${signed(r.latencyMs.delta, 1)} ms); cost: $${r.costUsd.current.toFixed(4)} current, $${r.costUsd.candidate.toFixed(4)} candidate (${signed(r.costUsd.delta, 4)}).`,
    "",
    "by tier (current version):",
    table([["tier", "pairs", "disagree", "agreement"], ...rows(r.byTier)]),
    "",
    "by label (current version), least agreement first:",
    table([["label", "pairs", "disagree", "agreement"], ...rows(r.byLabel).slice(0, 15)]),
    "",
    `disagreements written to ${out}${queue === undefined ? "" : ` and added to the annotation queue ${queue}`}.`,
  ];
  return `${lines.join("\n")}\n`;
}

const signed = (v: number, digits: number) => `${v >= 0 ? "+" : ""}${v.toFixed(digits)}`;
