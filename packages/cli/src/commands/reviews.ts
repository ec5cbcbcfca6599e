import type { ReviewStatus } from "@catena/studio";
import { type Command, Option } from "commander";
import type { CommandContext } from "../command-context.ts";
import { fitTable } from "../format/fit-table.ts";
import { jsonText } from "../format/json-text.ts";
import { globalOptions } from "../global-options.ts";
import { openReviewClient } from "../tracing/review-client.ts";
import { age } from "../tracing/trace-text.ts";

/**
 * Registers `catena reviews [--status waiting|decided|resumed|all] [--chain name]`: the runs paused
 * at a review, from the studio (default: those waiting for a decision), with the command that
 * resumes each.
 */
export function registerReviewsCommand(program: Command, ctx: CommandContext): void {
  program
    .command("reviews")
    .description("list runs paused at a review, waiting for a decision (from the studio)")
    .addOption(
      new Option("--status <status>", "which ones")
        .choices(["waiting", "decided", "resumed", "all"])
        .default("waiting"),
    )
    .option("--chain <name>", "only runs of this chain")
    .action(async (options: { status: ReviewStatus | "all"; chain?: string }, command: Command) => {
      const globals = globalOptions(command);
      const client = await openReviewClient();
      try {
        const reviews = await client.list({
          ...(options.status === "all" ? {} : { status: options.status }),
          ...(options.chain === undefined ? {} : { chain: options.chain }),
        });
        if (globals.json) {
          ctx.io.out(jsonText({ reviews }));
          return;
        }
        if (reviews.length === 0) {
          ctx.io.out(
            `No ${options.status === "all" ? "" : `${options.status} `}reviews in ${client.where}.\n`,
          );
          return;
        }
        const rows = reviews.map((r) => [
          r.run_id,
          age(r.created_at),
          r.version === null ? r.chain : `${r.chain}@${r.version}`,
          r.step,
          r.status,
          r.reviewer ?? "-",
        ]);
        ctx.io.out(
          fitTable([["RUN", "AGE", "CHAIN", "REVIEW", "STATUS", "REVIEWER"], ...rows], {
            width: Math.max(ctx.io.columns ?? 80, 100),
            shrinkable: [{ column: 2, minWidth: 14 }],
          }),
        );
        if (reviews.some((r) => r.status === "waiting")) {
          ctx.io.out("Decide one with: catena resume <run> --decision '<json>'\n");
        }
      } finally {
        await client.close();
      }
    });
}
