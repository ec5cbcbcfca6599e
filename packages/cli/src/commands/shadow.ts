import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { shadowReport } from "@catena/core/ml";
import { addToAnnotationQueue, listTracedInputs } from "@catena/core/tracing";
import type { Command } from "commander";
import { loadChains } from "../chains/load-chains.ts";
import type { CommandContext } from "../command-context.ts";
import { displayPath } from "../format/display-path.ts";
import { jsonText } from "../format/json-text.ts";
import { shadowText } from "../format/shadow-report-text.ts";
import { globalOptions } from "../global-options.ts";
import { parseSince } from "../tracing/parse-since.ts";
import { traceProjects } from "../tracing/trace-projects.ts";
import { openTraceReader } from "../tracing/trace-reader.ts";
import { assertTraced, tracedChain } from "../tracing/traced-chain.ts";
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
      const traced = tracedChain(registry, chain, options.project);
      const projects = traceProjects(registry, traced.name, options.project);
      const reader = await openTraceReader();
      try {
        const names = [...new Set([traced.name, options.candidate ?? traced.name])];
        const read = await Promise.all(
          names.map((name) =>
            listTracedInputs({ client: reader.client, project: projects, chain: name, since }),
          ),
        );
        // The chain's own runs, not its shadows (names[0] is the chain).
        const shadowed = (read[0] ?? []).filter((r) => r.metadata.shadow !== true);
        assertTraced(registry, traced, shadowed, { projects, since });
        const runs = read
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
