import { readTrace } from "@catena/core/tracing";
import type { Command } from "commander";
import type { CommandContext } from "../command-context.ts";
import { jsonText } from "../format/json-text.ts";
import { globalOptions } from "../global-options.ts";
import { openTraceReader } from "../tracing/trace-reader.ts";
import { traceTreeText } from "../tracing/trace-text.ts";

/**
 * Registers `catena trace <runId>`: one traced run as a tree of its steps (cascade tiers under their
 * cascade, map items under their map) with timings, tier, confidence and cost; `--json` prints the
 * whole tree with inputs, outputs and metadata.
 */
export function registerTraceCommand(program: Command, ctx: CommandContext): void {
  program
    .command("trace")
    .description("show one traced run as a tree of its steps with timings, tier, confidence and cost")
    .argument("<runId>", "the run id (printed by catena run --json and listed by catena traces)")
    .action(async (runId: string, _options: unknown, command: Command) => {
      const globals = globalOptions(command);
      const reader = await openTraceReader();
      try {
        const tree = await readTrace(runId.trim(), { client: reader.client });
        ctx.io.out(globals.json ? jsonText(tree) : traceTreeText(tree));
      } finally {
        await reader.close();
      }
    });
}
