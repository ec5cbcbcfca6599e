import type { RunResult } from "@catena/core";
import type { Command } from "commander";
import { loadChains } from "../chains/load-chains.ts";
import { CliError } from "../cli-error.ts";
import type { CommandContext } from "../command-context.ts";
import { ExitCode, type ExitCodeValue } from "../exit-codes.ts";
import { jsonText } from "../format/json-text.ts";
import { globalOptions } from "../global-options.ts";
import { exitCodeFor, oneLine } from "../report-error.ts";
import { startCliTracing } from "../tracing/cli-tracing.ts";
import { resumePausedRun } from "../tracing/resume-paused-run.ts";
import { openReviewClient } from "../tracing/review-client.ts";
import { runResultJson } from "./run-result-json.ts";

interface ResumeOptions {
  decision?: string;
  decided?: boolean;
  reviewer?: string;
}

/**
 * Registers `catena resume <run-id> --decision '<json>' [--reviewer name]` and `catena resume
 * --decided`: continues runs paused at a review, from the snapshot the studio keeps (the studio at
 * `CATENA_STUDIO_URL`, else the local one). `--decided` applies the decisions reviewers stored in
 * the studio. The resumed run continues its trace. Exit codes as `catena run`; with `--decided`,
 * the worst of the runs'.
 */
export function registerResumeCommand(program: Command, ctx: CommandContext): void {
  program
    .command("resume")
    .description("continue a run paused at a review with a decision (catena reviews lists them)")
    .argument("[run-id]", "the paused run's id")
    .option("--decision <json>", "the decision, as JSON (e.g. '{\"approved\": true}')")
    .option("--decided", "apply every decision stored in the studio (given on its web page or API)")
    .option("--reviewer <name>", "who decided, recorded in the trace", process.env.USER)
    .action(async (runId: string | undefined, options: ResumeOptions, command: Command) => {
      const globals = globalOptions(command);
      if (
        options.decided === true
          ? runId !== undefined || options.decision !== undefined
          : runId === undefined || options.decision === undefined
      ) {
        throw new CliError(
          "Give a run and its decision (catena resume <run-id> --decision '{\"approved\": true}'), or --decided alone to apply the decisions stored in the studio.",
        );
      }
      let decision: unknown;
      if (options.decision !== undefined) {
        try {
          decision = JSON.parse(options.decision);
        } catch (error) {
          throw new CliError(
            `--decision is not JSON (${(error as Error).message}): quote it, e.g. --decision '{"approved": true}'.`,
          );
        }
      }
      const reviews = await openReviewClient();
      let tracing: Awaited<ReturnType<typeof startCliTracing>> | undefined;
      try {
        const todo =
          runId === undefined
            ? (await reviews.list({ status: "decided" })).map((r) => ({
                runId: r.run_id,
                decision: r.decision,
                reviewer: r.reviewer,
              }))
            : [{ runId, decision, reviewer: options.reviewer }];
        const { registry } = await loadChains({ cwd: ctx.io.cwd, modules: globals.chains });
        tracing = await startCliTracing(ctx, globals);
        const results: RunResult[] = [];
        let code: ExitCodeValue = ExitCode.ok;
        for (const item of todo) {
          const { review, snapshot } = await reviews.get(item.runId);
          if (review.status === "resumed") {
            throw new CliError(`Run ${item.runId} was already resumed: a review is decided once.`);
          }
          const result = await resumePausedRun(registry, snapshot, item.decision, {
            ...(tracing.tracer === undefined ? {} : { tracer: tracing.tracer }),
            ...(item.reviewer === undefined ? {} : { reviewer: item.reviewer }),
          });
          results.push(result);
          code = Math.max(code, statusCode(result)) as ExitCodeValue;
          if (!globals.json) ctx.io.out(resultLine(result, todo.length > 1 || runId === undefined));
        }
        if (globals.json)
          ctx.io.out(
            jsonText(
              runId === undefined ? results.map(runResultJson) : runResultJson(results[0] as RunResult),
            ),
          );
        else if (todo.length === 0) ctx.io.out(`No stored decisions to apply in ${reviews.where}.\n`);
        ctx.setExitCode(code);
      } finally {
        await tracing?.finish();
        await reviews.close();
      }
    });
}

function statusCode(result: RunResult): ExitCodeValue {
  if (result.status === "error") return exitCodeFor(result.error);
  if (result.status === "deferred") return ExitCode.deferred;
  if (result.status === "waiting") return ExitCode.waiting;
  return ExitCode.ok;
}

/** The output of a resumed run (as `catena run` prints it), or a line per run with `--decided`. */
function resultLine(result: RunResult, many: boolean): string {
  const what =
    result.status === "done"
      ? JSON.stringify(result.output)
      : result.status === "error"
        ? oneLine(result.error.message)
        : result.status === "waiting"
          ? `waiting at review "${result.snapshot.review.name}"`
          : "deferred";
  return many
    ? `${result.runId}  ${result.chain.name}@${result.chain.version}  ${result.status}  ${what}\n`
    : `${result.status === "done" ? JSON.stringify(result.output, null, 2) : `${result.status}: ${what}`}\n`;
}
