import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { thresholdText } from "@catena/core";
import {
  type CalibrationResult,
  calibrate,
  conflictingLabels,
  conflictingLabelsWarning,
  writeThresholds,
} from "@catena/core/ml";
import type { Command } from "commander";
import { CliError } from "../cli-error.ts";
import type { CommandContext } from "../command-context.ts";
import { assertUtf8File } from "../evaluation/assert-utf8-file.ts";
import { readCsvColumns } from "../evaluation/csv-column-error.ts";
import { displayPath } from "../format/display-path.ts";
import { jsonText } from "../format/json-text.ts";
import { plural } from "../format/plural.ts";
import { shortFingerprint } from "../format/short-fingerprint.ts";
import { table } from "../format/table.ts";
import { globalOptions } from "../global-options.ts";
import { parseShare } from "../share-option.ts";
import { artifactsFolder, artifactsFolderText } from "../training/artifacts-folder.ts";
import { assertChainTakes } from "../training/assert-chain-takes.ts";
import { trainableChainNamed } from "../training/trainable-chain-named.ts";

/** The options of `catena calibrate`. */
export interface CalibrateCommandOptions {
  data: string;
  targetPrecision: string;
  artifacts?: string;
  dryRun?: boolean;
}

/**
 * Registers `catena calibrate <chain> --data dev.csv --target-precision 0.97`: chooses each cheap
 * tier's threshold on the labelled dev data, prints per tier the coverage and precision, the share
 * left to the LLM and the saving against an LLM-only chain, and writes the thresholds file (which
 * changes the chain's fingerprint: bump its version).
 */
export function registerCalibrateCommand(program: Command, ctx: CommandContext): void {
  program
    .command("calibrate")
    .description("choose a chain's cascade thresholds on labelled dev data for a target precision")
    .argument("<chain>", "a trainable chain (banking-intents)")
    .requiredOption(
      "--data <csv>",
      "labelled dev examples: a CSV (or .tsv) with text and label columns, or JSON lines; never the test set",
    )
    .option("--target-precision <p>", "precision the accepted answers of each tier must reach", "0.97")
    .option("--artifacts <dir>", "artifacts folder of the chain (default: its own)")
    .option("--dry-run", "report only; do not write the thresholds file")
    .action(async (name: string, options: CalibrateCommandOptions, command: Command) => {
      const globals = globalOptions(command);
      const trainable = trainableChainNamed(name, "calibrate");
      const target = parseShare(options.targetPrecision, "--target-precision", { zero: false });
      const dataPath = resolve(ctx.io.cwd, options.data);
      if (!existsSync(dataPath)) throw new CliError(`data file not found: ${options.data}`);
      assertUtf8File(dataPath, displayPath(ctx.io.cwd, dataPath));
      const dev = readCsvColumns(() => trainable.readData(dataPath), {
        option: "--data",
        shown: options.data,
        labelColumns: ["label", "category"],
      });
      const conflicts = conflictingLabelsWarning(options.data, conflictingLabels(dev));
      if (conflicts !== undefined) ctx.io.err(`catena: warning: ${conflicts}\n`);
      const dir = options.artifacts === undefined ? undefined : resolve(ctx.io.cwd, options.artifacts);
      const folder =
        dir === undefined ? undefined : await artifactsFolder(trainable, dir, displayPath(ctx.io.cwd, dir));
      const chain = folder?.chain ?? trainable.chainFor();
      assertChainTakes(chain, dev, { option: "--data", shown: options.data });
      const cost = trainable.llmCostPerItemUsd();
      const result = await calibrate(
        chain,
        dev.map((e) => ({ input: { text: e.text }, label: e.label })),
        { targetPrecision: target, ...(cost === undefined ? {} : { llmCostPerItemUsd: cost }) },
      );
      const path = trainable.thresholdsPath(dir);
      if (!options.dryRun) writeThresholds(path, result);
      const shown = displayPath(ctx.io.cwd, path);
      for (const warning of result.warnings) ctx.io.err(`catena: warning: ${warning.message}\n`);
      // The thresholds are part of the fingerprint: the chain over the folder, defined anew, tells it.
      const after =
        options.dryRun === true
          ? undefined
          : trainable.chainFor(dir, { version: folder?.version ?? chain.version }).fingerprint;
      const described =
        folder === undefined
          ? undefined
          : {
              shown: displayPath(ctx.io.cwd, dir ?? ""),
              version: folder.version,
              trainedAt: folder.trainedAt,
            };
      if (globals.json) {
        ctx.io.out(
          jsonText({
            status: "calibrated",
            chain: folder === undefined || folder.version !== undefined ? chain.id : chain.name,
            ...(folder === undefined
              ? {}
              : {
                  artifacts: {
                    dir,
                    version: folder.version ?? null,
                    trainedAt: folder.trainedAt ?? null,
                    fingerprint: chain.fingerprint,
                  },
                }),
            fingerprint: { before: chain.fingerprint, after: after ?? null },
            written: options.dryRun ? null : path,
            result,
          }),
        );
        return;
      }
      ctx.io.out(
        calibrationText(
          artifactsFolderText(chain, described),
          result,
          options.dryRun ? undefined : shown,
          after === undefined ? undefined : { before: chain.fingerprint, after },
        ),
      );
    });
}

/**
 * The human-readable calibration report. `chain` names what was calibrated (a chain's id, or an
 * artifacts folder); `fingerprint`, when the thresholds were written, the chain's before and after.
 */
export function calibrationText(
  chain: string,
  r: CalibrationResult,
  written: string | undefined,
  fingerprint?: { before: string; after: string },
): string {
  const pct = (x: number | null): string => (x === null ? "-" : `${(x * 100).toFixed(1)}%`);
  const lines = [
    `calibrated ${chain}, cascade "${r.cascade}", on ${plural(r.items, "dev item")} for ${pct(r.targetPrecision)} precision`,
    "",
    table([
      ["TIER", "KIND", "THRESHOLD", "SEEN", "ACCEPTED", "COVERAGE", "PRECISION"],
      ...r.tiers.map((t) => [
        t.tier,
        t.kind,
        thresholdText(t.threshold),
        String(t.seen),
        String(t.accepted),
        pct(t.coverage),
        pct(t.precision),
      ]),
    ]).trimEnd(),
    "",
    `cheap tiers: ${pct(r.accepted.coverage)} of the items at ${pct(r.accepted.precision)} precision; left to ${r.rest.tiers.join(", ") || "no tier"}: ${r.rest.count} (${pct(r.rest.share)})`,
  ];
  if (r.cost) {
    lines.push(
      `LLM spend on these items: $${r.cost.cascadeUsd.toFixed(4)} instead of $${r.cost.llmOnlyUsd.toFixed(4)} for an LLM-only chain (saves ${pct(r.cost.savedShare)}, $${r.cost.savedPer1000ItemsUsd.toFixed(3)} per 1,000 items)`,
    );
  }
  lines.push(
    "",
    written === undefined
      ? "dry run: thresholds not written"
      : fingerprint === undefined || fingerprint.before !== fingerprint.after
        ? `wrote ${written}: the chain's fingerprint changes${fingerprint === undefined ? "" : ` (${shortFingerprint(fingerprint.before)} → ${shortFingerprint(fingerprint.after)})`}, so bump its version (catena lock --check tells)`
        : `wrote ${written}: the same thresholds as before (fingerprint ${shortFingerprint(fingerprint.after)} unchanged)`,
  );
  return `${lines.join("\n")}\n`;
}
