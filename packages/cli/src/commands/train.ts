import type { Command } from "commander";
import type { CommandContext } from "../command-context.ts";
import { globalOptions } from "../global-options.ts";
import type { TrainCommandOptions } from "./train-options.ts";

/**
 * Registers `catena train <chain> --data train.csv`: checks the labelled data against the chain's
 * label set (errors name the lines), trains the chain's learned tiers with a progress bar on a
 * terminal, saves them (a candidate version in the project unless `--out`, see `trainDataAction`),
 * and reports dev accuracy, the ten worst classes by F1 and the training time. With `--from-traces`, the labels come from the traces (see `trainFromTracesAction`): a candidate
 * version is trained on the chain's own training split (or on `--data`, when given) plus the traced
 * labels, compared, and promoted when the gate holds.
 */
export function registerTrainCommand(program: Command, ctx: CommandContext): void {
  program
    .command("train")
    .description(
      "train a chain's cheap tiers (classifier, kNN index) from a labelled CSV, or from its traces as a candidate version",
    )
    .argument("<chain>", "a trainable chain: banking-intents, or a trainer's name from a chains module")
    .option(
      "--data <csv>",
      "labelled examples: a CSV (or .tsv) with text and label (or category) columns, or JSON lines with text and label (with --from-traces: trained on instead of the chain's own, plus the traced labels)",
    )
    .option(
      "--from-traces",
      "learn from the traces: the LLM tier's answers and people's corrections become a candidate version",
    )
    .option(
      "--dev <csv>",
      "held-out examples to report on (default: 15% of --data, stratified; with --from-traces: the chain's dev split)",
    )
    .option(
      "--out <dir>",
      "where to write the artifacts (default: a candidate version of the chain, .catena/candidates/<chain>@<version>, never the installed package's folder)",
    )
    .option("--seed <n>", "seed of the dev split (of the held-out traffic with --from-traces)", "77")
    .option("--since <span|date>", "with --from-traces: runs started since 30m, 24h, 7d, or a date", "7d")
    .option(
      "--project <name>",
      "with --from-traces: trace project (default: the chain's, else LANGSMITH_PROJECT)",
    )
    .option(
      "--promote",
      "with --from-traces: make the candidate the chain's current version when the gate holds",
    )
    .option(
      "--target-precision <p>",
      "precision the cheap tiers are calibrated for (on the dev items; with --from-traces: on the dev split and traced items)",
      "0.97",
    )
    .option(
      "--no-calibrate",
      "train only: keep no thresholds for the new weights (every item goes to the LLM tier until `catena calibrate` runs)",
    )
    .option(
      "--gate <conditions>",
      'with --from-traces: replace the gate, e.g. "precision>=0.97,regressions<=5,llm_share_delta<0"',
    )
    .option(
      "--max-regressions <n>",
      "with --from-traces: dev regressions the gate allows (default 1% of dev)",
    )
    .option("--min-items <n>", "with --from-traces: fewest usable traced labels to train on", "20")
    .option(
      "--min-confidence <p>",
      "with --from-traces: LLM answers below this confidence are left out",
      "0.5",
    )
    .option(
      "--held-out <share>",
      "with --from-traces: share of traced items held out as recent traffic",
      "0.2",
    )
    .option(
      "--calib-share <share>",
      "with --from-traces: share of the labelled traced items kept apart to choose thresholds on, beside the dev items (0: dev only)",
      "0.3",
    )
    .option(
      "--precision-bound <confidence>",
      "with --from-traces: one-sided confidence with which the thresholds must show the target precision (0: the point estimate)",
      "0",
    )
    .option(
      "--llm-weight <n>",
      "with --from-traces: copies of each LLM-labelled item, and of each cheap answer a person rated right, in the training data (and its weight in calibration)",
      "1",
    )
    .option(
      "--correction-weight <n>",
      "with --from-traces: copies of each corrected item in the training data (and its weight in calibration)",
      "2",
    )
    .option(
      "--self-train-weight <n>",
      "with --from-traces: copies of each unchecked cheap-tier answer on the traffic in the training data (0: none)",
      "0",
    )
    .option(
      "--self-train-confidence <p>",
      "with --from-traces: cheap-tier answers below this confidence are not trained on",
      "0",
    )
    .option("--rating-key <key>", "with --from-traces: feedback key of ratings", "rating")
    .option(
      "--min-rating <n>",
      "with --from-traces: an LLM answer rated below this (without a correction) is left out",
      "3",
    )
    .action(async (name: string, options: TrainCommandOptions, command: Command) => {
      const globals = globalOptions(command);
      if (options.fromTraces === true) {
        // Loaded here: reading traces and comparing versions is no business of `train --data`.
        const { trainFromTracesAction } = await import("./train-from-traces-action.ts");
        await trainFromTracesAction(
          ctx,
          name,
          { ...options, since: options.since ?? "7d", seed: options.seed ?? "77" },
          globals,
        );
        return;
      }
      // Loaded here too: reading the data and training is no business of `train --from-traces`.
      const { trainDataAction } = await import("./train-data-action.ts");
      await trainDataAction(ctx, name, options, globals);
    });
}
