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
import { loadChains } from "../chains/load-chains.ts";
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
import { writeCalibratedCandidate } from "../training/calibrated-candidate.ts";
import { CANDIDATE_MANIFEST, CANDIDATE_MODULE } from "../training/candidate-manifest.ts";
import { candidateUse } from "../training/candidate-use.ts";
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
 * left to the LLM and the saving against an LLM-only chain, and writes the thresholds file: into the
 * `--artifacts` folder when given (which changes its fingerprint), else — as `catena train` does —
 * into a candidate version in the project, `.catena/candidates/<chain>@<version>` (the installed
 * artifacts copied beside the new thresholds, a `chain.mjs` and `candidate.json`), never the
 * installed package's own folder; the report says how to try and adopt it.
 */
export function registerCalibrateCommand(program: Command, ctx: CommandContext): void {
  program
    .command("calibrate")
    .description("choose a chain's cascade thresholds on labelled dev data for a target precision")
    .argument("<chain>", "a trainable chain: banking-intents, or a trainer's name from a chains module")
    .requiredOption(
      "--data <csv>",
      "labelled dev examples: a CSV (or .tsv) with text and label columns, or JSON lines; never the test set",
    )
    .option("--target-precision <p>", "precision the accepted answers of each tier must reach", "0.97")
    .option(
      "--artifacts <dir>",
      "artifacts folder to calibrate and write into (default: the installed ones, written as a candidate version in .catena/candidates)",
    )
    .option("--dry-run", "report only; write no thresholds file")
    .action(async (name: string, options: CalibrateCommandOptions, command: Command) => {
      const globals = globalOptions(command);
      const loaded = await loadChains({ cwd: ctx.io.cwd, modules: globals.chains, chain: name });
      const trainable = trainableChainNamed(name, "calibrate", loaded);
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
      // Without --artifacts, a candidate version in the project: the installed package's files are
      // not the user's to overwrite (as for `catena train`).
      const candidate =
        dir === undefined && options.dryRun !== true
          ? await writeCalibratedCandidate(ctx, loaded.registry, trainable, result)
          : undefined;
      const path = trainable.thresholdsPath(candidate?.dir ?? dir);
      if (!options.dryRun && candidate === undefined) writeThresholds(path, result);
      const shown = displayPath(ctx.io.cwd, path);
      for (const warning of result.warnings) ctx.io.err(`catena: warning: ${warning.message}\n`);
      // The thresholds are part of the fingerprint: the chain over the folder, defined anew, tells it.
      const after =
        options.dryRun === true
          ? undefined
          : trainable.chainFor(candidate?.dir ?? dir, {
              version: candidate?.version ?? folder?.version ?? chain.version,
            }).fingerprint;
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
            ...(candidate === undefined ? {} : { candidate }),
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
          candidate === undefined
            ? undefined
            : {
                dir: displayPath(ctx.io.cwd, candidate.dir),
                use: candidateUse(ctx.io.cwd, candidate.id, candidate.module, options.data),
              },
        ),
      );
    });
}

/**
 * The human-readable calibration report. `chain` names what was calibrated (a chain's id, or an
 * artifacts folder); `fingerprint`, when the thresholds were written, the chain's before and after;
 * `candidate`, the candidate version's folder they were written into and how to use it.
 */
export function calibrationText(
  chain: string,
  r: CalibrationResult,
  written: string | undefined,
  fingerprint?: { before: string; after: string },
  candidate?: { dir: string; use: readonly string[] },
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
      : candidate !== undefined
        ? `wrote ${written}, with a copy of the installed artifacts, ${CANDIDATE_MODULE} and ${CANDIDATE_MANIFEST} beside it in ${candidate.dir}${fingerprint === undefined ? "" : ` (fingerprint ${shortFingerprint(fingerprint.before)} → ${shortFingerprint(fingerprint.after)})`}`
        : fingerprint === undefined || fingerprint.before !== fingerprint.after
          ? `wrote ${written}: the chain's fingerprint changes${fingerprint === undefined ? "" : ` (${shortFingerprint(fingerprint.before)} → ${shortFingerprint(fingerprint.after)})`}, so bump its version (catena lock --check tells)`
          : `wrote ${written}: the same thresholds as before (fingerprint ${shortFingerprint(fingerprint.after)} unchanged)`,
  );
  if (written !== undefined && candidate !== undefined) lines.push(...candidate.use);
  return `${lines.join("\n")}\n`;
}
