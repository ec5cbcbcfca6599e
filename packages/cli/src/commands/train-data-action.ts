import { existsSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import type { TrainProgress } from "@catena/chains";
import {
  checkExamples,
  conflictingLabels,
  conflictingLabelsWarning,
  type LabelledExample,
  splitDataset,
  type TrainingReport,
} from "@catena/core/ml";
import { loadChains } from "../chains/load-chains.ts";
import { CliError } from "../cli-error.ts";
import type { CommandContext } from "../command-context.ts";
import { assertUtf8File } from "../evaluation/assert-utf8-file.ts";
import { readCsvColumns } from "../evaluation/csv-column-error.ts";
import { displayPath } from "../format/display-path.ts";
import { jsonText } from "../format/json-text.ts";
import { plural } from "../format/plural.ts";
import type { GlobalOptions } from "../global-options.ts";
import { parseShare } from "../share-option.ts";
import { calibrateTrained, type TrainedCalibration } from "../training/calibrate-trained.ts";
import {
  CANDIDATE_MANIFEST,
  CANDIDATE_MODULE,
  candidateManifestText,
} from "../training/candidate-manifest.ts";
import { candidateUse } from "../training/candidate-use.ts";
import { CANDIDATES_DIR, candidateVersionFor } from "../training/candidate-version.ts";
import { exitInterrupted, listenForInterrupt } from "../training/interrupt-listener.ts";
import { type StagedFolder, stageFolder } from "../training/staged-folder.ts";
import { trainableChainNamed } from "../training/trainable-chain-named.ts";
import { trainingBar } from "../training/training-bar.ts";
import { assertWritablePath } from "../writable-path.ts";
import type { TrainCommandOptions } from "./train-options.ts";
import { calibrateCommand, trainReportText } from "./train-report-text.ts";

/**
 * `catena train <chain> --data <file>`: trains the chain's learned tiers on labelled data, and
 * calibrates them on the dev items. Without `--out` the result is a candidate version of the chain
 * in the project, `.catena/candidates/<chain>@<version>` (the next free patch version, a
 * `chain.mjs` and `candidate.json` beside the artifacts, as `--from-traces` writes one), never the
 * installed package's own folder; the report says how to try and adopt it. The folder is staged
 * beside its place and put there whole at the end: a failed or interrupted training (Ctrl-C: exit
 * 130, SIGTERM: 143) leaves an existing `--out` folder as it was.
 */
export async function trainDataAction(
  ctx: CommandContext,
  name: string,
  options: TrainCommandOptions,
  globals: GlobalOptions,
): Promise<void> {
  if (options.data === undefined)
    throw new CliError("give --data <csv> (labelled examples) or --from-traces (learn from the traces).");
  const loaded = await loadChains({ cwd: ctx.io.cwd, modules: globals.chains, chain: name });
  const trainable = trainableChainNamed(name, "train", loaded);
  const dataPath = resolve(ctx.io.cwd, options.data);
  if (!existsSync(dataPath)) throw new CliError(`data file not found: ${options.data}`);
  const seed = Number(options.seed ?? "77");
  if (!Number.isInteger(seed)) throw new CliError(`--seed must be an integer, got ${options.seed}`);
  const target = parseShare(options.targetPrecision, "--target-precision", { zero: false });
  assertUtf8File(dataPath, displayPath(ctx.io.cwd, dataPath));
  const labelColumns = ["label", "category"];
  const examples = readCsvColumns(() => trainable.readData(dataPath), {
    option: "--data",
    shown: options.data,
    labelColumns,
  });
  // Checked here too, so that a class with one example is reported with this file's name (the
  // split below never leaves a class of two or more with fewer than two to train on).
  checkExamples(examples, { minPerClass: 2, source: options.data });
  const classes = new Set(examples.map((e) => e.label));
  if (classes.size < 2) {
    throw new CliError(
      `${options.data}: every example is labelled "${[...classes][0]}"; a classifier needs examples of at least two classes.`,
    );
  }
  const conflicts = conflictingLabelsWarning(options.data, conflictingLabels(examples));
  if (conflicts !== undefined) ctx.io.err(`catena: warning: ${conflicts}\n`);
  let train: LabelledExample[];
  let dev: LabelledExample[];
  if (options.dev !== undefined) {
    const devPath = resolve(ctx.io.cwd, options.dev);
    if (!existsSync(devPath)) throw new CliError(`dev file not found: ${options.dev}`);
    train = examples;
    assertUtf8File(devPath, displayPath(ctx.io.cwd, devPath));
    dev = readCsvColumns(() => trainable.readData(devPath), {
      option: "--dev",
      shown: options.dev,
      labelColumns,
    });
  } else {
    ({ train, dev } = splitDataset(examples, { seed, devShare: 0.15, stratify: true }));
    if (dev.length === 0) {
      ctx.io.err(
        `catena: warning: ${options.data} has too few examples per class (${examples.length} in all) to hold 15% of them out as dev: trained on all of them, with no dev report; give --dev <file> to get one.\n`,
      );
    }
  }
  // Without --out, a candidate version in the project: the installed package's files are not the
  // user's to overwrite (its build writes them through the explicit path).
  let version: string | undefined;
  let outDir: string;
  if (options.out !== undefined) outDir = resolve(ctx.io.cwd, options.out);
  else {
    ({ version } = await candidateVersionFor(ctx.io.cwd, loaded.registry, name));
    outDir = resolve(ctx.io.cwd, CANDIDATES_DIR, `${name}@${version}`);
  }
  const outShown = displayPath(ctx.io.cwd, outDir);
  assertWritablePath(outDir, { option: "--out", shown: options.out ?? outShown, kind: "directory" });
  const stream = globals.json ? undefined : ctx.io.progressStream;
  const bar = stream ? trainingBar(stream) : undefined;
  // Listened for before the staged folder is made: a signal with no listener ends the process at
  // once, which would leave the folder behind.
  let staged: StagedFolder | undefined;
  const interrupt = listenForInterrupt((signal) => {
    bar?.stop();
    staged?.discard();
    exitInterrupted(ctx, signal, `; nothing was written to ${outShown}`);
  });
  // A candidate's folder is its own: the commit fails rather than merge into another training's.
  const stage = (() => {
    try {
      return stageFolder(outDir, { exclusive: version !== undefined, shown: outShown });
    } catch (error) {
      interrupt.stop();
      throw error;
    }
  })();
  staged = stage;
  let trained: { report: TrainingReport; files: string[] };
  let calibrated: TrainedCalibration | undefined;
  try {
    trained = await trainable.train(train, {
      dev,
      outDir: stage.dir,
      ...(bar ? { onProgress: (p: TrainProgress) => bar.update(p) } : {}),
    });
    bar?.stop();
    // A folder of weights without thresholds sends every item to the LLM tier: calibrate on the
    // dev items held out, as `train --from-traces` does, unless told not to or there are none.
    calibrated =
      options.calibrate === false || dev.length === 0
        ? undefined
        : await calibrateTrained(trainable, stage.dir, dev, target);
    if (version !== undefined) writeCandidate(stage, trainable.chainModule(outDir, version), name, version);
  } catch (error) {
    stage.discard();
    throw error;
  } finally {
    bar?.stop();
    // Synchronously up to the commit below: no signal lands between the last check and it.
    interrupt.stop();
  }
  // Thresholds chosen for other weights would route items by scores they were not chosen for:
  // without a calibration, the folder's old ones go in the same commit as the new weights.
  const { removed } = stage.commit(
    calibrated === undefined ? { remove: [basename(trainable.thresholdsPath(outDir))] } : {},
  );
  // Named where they are now, in the folder the staging folder became or was moved into.
  const placed = (file: string): string => displayPath(ctx.io.cwd, join(outDir, basename(file)));
  const files = trained.files.map(placed);
  if (calibrated !== undefined) files.push(placed(calibrated.path));
  if (version !== undefined) files.push(placed(CANDIDATE_MODULE), placed(CANDIDATE_MANIFEST));
  // A dev set too small says so once; the tiers' own too-few warnings follow from it.
  const warnings = calibrated?.result.warnings ?? [];
  const small = warnings.find((w) => w.code === "DEV_SET_TOO_SMALL");
  for (const warning of small === undefined ? warnings : [small])
    ctx.io.err(`catena: warning: calibration: ${warning.message}\n`);
  if (calibrated !== undefined && calibrated.refused > 0) {
    ctx.io.err(
      `catena: warning: ${plural(calibrated.refused, "dev item")} that ${name} cannot take as input (too long, say) ${calibrated.refused === 1 ? "was" : "were"} left out of the calibration.\n`,
    );
  }
  const next = calibrated === undefined ? calibrateCommand(name, outShown, options.dev) : undefined;
  const candidate =
    version === undefined
      ? undefined
      : { id: `${name}@${version}`, version, dir: outDir, module: join(outDir, CANDIDATE_MODULE) };
  if (globals.json) {
    ctx.io.out(
      jsonText({
        status: "trained",
        chain: name,
        outDir,
        ...(candidate === undefined ? {} : { candidate }),
        files,
        report: trained.report,
        calibration: calibrated?.result ?? null,
        ...(next === undefined ? {} : { next }),
        removed: removed.map(placed),
      }),
    );
    return;
  }
  ctx.io.out(
    trainReportText(name, trained.report, files, new Set(train.map((e) => e.label)).size, {
      ...(calibrated === undefined ? {} : { calibration: calibrated.result }),
      ...(next === undefined ? {} : { next }),
      removed: removed.map(placed),
      use:
        candidate === undefined
          ? outDir === resolve(trainable.artifactsDir)
            ? [
                "The chain's fingerprint changes with new weights: bump its version (catena lock --check tells).",
              ]
            : []
          : candidateUse(ctx.io.cwd, candidate.id, candidate.module, options.dev),
    }),
  );
}

/** Writes the candidate's chain module and its manifest into the staging folder. */
function writeCandidate(stage: StagedFolder, module: string, chain: string, version: string): void {
  writeFileSync(join(stage.dir, CANDIDATE_MODULE), module);
  writeFileSync(join(stage.dir, CANDIDATE_MANIFEST), candidateManifestText(chain, version));
}
