import { listTraces } from "@catena/core/tracing";
import { type Command, Option } from "commander";
import { loadChains } from "../chains/load-chains.ts";
import { CliError } from "../cli-error.ts";
import type { CommandContext } from "../command-context.ts";
import { jsonText } from "../format/json-text.ts";
import { globalOptions } from "../global-options.ts";
import { parseSince } from "../tracing/parse-since.ts";
import { traceProjects } from "../tracing/trace-projects.ts";
import { openTraceReader } from "../tracing/trace-reader.ts";
import { tracesTable } from "../tracing/trace-text.ts";

interface TracesOptions {
  chain?: string;
  status?: string;
  tier?: string;
  text?: string;
  since?: string;
  limit: string;
  project?: string;
}

/**
 * Registers `catena traces [--chain X] [--status S] [--tier T] [--text T] [--since 1h] [--limit N]
 * [--project P]`: the recent chain runs on the trace backend (LangSmith, or the local studio), newest
 * first, with short id, version, status, tier used, latency, cost and feedback, in 80 columns.
 */
export function registerTracesCommand(program: Command, ctx: CommandContext): void {
  program
    .command("traces")
    .description("list recent traced runs: chain, version, status, tier, latency, cost, feedback")
    .option("--chain <name>", "only runs of this chain")
    .addOption(
      new Option("--status <status>", "only runs that ended so").choices([
        "done",
        "deferred",
        "waiting",
        "error",
        "pending",
      ]),
    )
    .option("--tier <tier>", "only runs answered by this cascade tier (e.g. queue-rules)")
    .option("--text <text>", "only runs whose input or output contains this text (case-insensitive)")
    .option("--since <span|date>", "only runs started since: 30m, 1h, 7d, 2w, or a date (2026-05-01)")
    .option("--limit <n>", "at most this many runs", "20")
    .option(
      "--project <name>",
      "trace project (default: the chains' projects, else LANGSMITH_PROJECT or default)",
    )
    .action(async (options: TracesOptions, command: Command) => {
      const globals = globalOptions(command);
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1) {
        throw new CliError(`--limit must be a positive integer (got "${options.limit}").`);
      }
      const since = options.since === undefined ? undefined : parseSince(options.since);
      const { registry } = await loadChains({ cwd: ctx.io.cwd, modules: globals.chains });
      const projects = traceProjects(registry, options.chain, options.project);
      const reader = await openTraceReader();
      try {
        const runs = await listTraces({
          client: reader.client,
          project: projects,
          limit,
          ...(options.chain === undefined ? {} : { chain: options.chain }),
          ...(options.status === undefined ? {} : { status: options.status }),
          ...(options.tier === undefined ? {} : { tier: options.tier }),
          ...(options.text === undefined ? {} : { text: options.text }),
          ...(since === undefined ? {} : { since }),
        });
        if (globals.json) {
          ctx.io.out(jsonText(runs));
        } else if (runs.length === 0) {
          const which =
            `${options.status ?? ""} runs${options.chain === undefined ? "" : ` of ${options.chain}`}${options.tier === undefined ? "" : ` answered by ${options.tier}`}${options.text === undefined ? "" : ` containing "${options.text}"`}`.trim();
          ctx.io.out(
            `No traced ${which} in ${reader.where} (project ${projects.join(", ")}${since ? `, since ${since.toISOString()}` : ""}). catena run and catena batch trace unless given --no-trace.\n`,
          );
        } else {
          ctx.io.out(tracesTable(runs, ctx.io.columns));
        }
      } finally {
        await reader.close();
      }
    });
}
