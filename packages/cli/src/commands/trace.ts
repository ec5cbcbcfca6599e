import { readTrace } from "@catena/core/tracing";
import type { Command } from "commander";
import { loadChains } from "../chains/load-chains.ts";
import type { CommandContext } from "../command-context.ts";
import { jsonText } from "../format/json-text.ts";
import { globalOptions } from "../global-options.ts";
import { explainRunNotFound, resolveRunId } from "../tracing/resolve-run-id.ts";
import { traceProjects } from "../tracing/trace-projects.ts";
import { openTraceReader } from "../tracing/trace-reader.ts";
import { traceTreeText } from "../tracing/trace-text.ts";

/**
 * Registers `catena trace <runId>`: one traced run with its input and output, and its steps as a
 * tree (cascade tiers under their cascade, map items under their map) with timings, tier,
 * confidence and cost; `--json` prints the whole tree with every input, output and metadata. The
 * short id `catena traces` shows is enough.
 */
export function registerTraceCommand(program: Command, ctx: CommandContext): void {
  program
    .command("trace")
    .description(
      "show one traced run: its input and output, and its steps with timings, tier, confidence and cost",
    )
    .argument("<runId>", "the run id, or its last 8 characters as catena traces shows them")
    .option("--project <name>", "trace project to look up a short id in (default: the chains' projects)")
    .action(async (typed: string, options: { project?: string }, command: Command) => {
      const globals = globalOptions(command);
      const { registry } = await loadChains({ cwd: ctx.io.cwd, modules: globals.chains });
      const reader = await openTraceReader();
      try {
        const runId = await resolveRunId(reader, typed, traceProjects(registry, undefined, options.project));
        const tree = await readTrace(runId, { client: reader.client }).catch((error: unknown) => {
          throw explainRunNotFound(error, runId, reader);
        });
        ctx.io.out(globals.json ? jsonText(tree) : traceTreeText(tree));
      } finally {
        await reader.close();
      }
    });
}
