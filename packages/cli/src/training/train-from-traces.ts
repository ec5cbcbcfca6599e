/*
 * The learning loop in one call: labels from the traces (LLM answers, people's corrections) become
 * training data for the cheap tiers; a candidate version is trained, calibrated on the dev split
 * plus traced labels kept apart for it, written to its own folder, compared with the current
 * version, and promoted only when the gate holds. The current version is never touched: it stays
 * loadable as name@version.
 */
import { writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { type AnyChain, cascadeTierNames } from "@catena/core";
import { checkGate, type GateCondition } from "@catena/core/evals";
import {
  calibrate,
  type LabelledExample,
  type TrainableChain,
  type TrainProgress,
  writeThresholds,
} from "@catena/core/ml";
import type { TraceClient } from "@catena/core/tracing";
import { compareCandidate } from "./candidate-comparison.ts";
import { CANDIDATE_MANIFEST, CANDIDATE_MODULE, candidateManifestText } from "./candidate-manifest.ts";
import { CANDIDATES_DIR, nextVersion } from "./candidate-version.ts";
import { loopReportMarkdown, reasonsOf, reportJson } from "./loop-report.ts";
import { applyPromotion, planPromotion } from "./promote-candidate.ts";
import { type StagedFolder, stageFolder } from "./staged-folder.ts";
import { tooFewItemsError } from "./too-few-items.ts";
import { tracedCalibrationItems } from "./traced-calibration.ts";
import { readTracedLabels } from "./traced-labels.ts";
import { normalisedText, type TracedTrainingSet, tracedTrainingSet } from "./traced-training-set.ts";
import type { TrainFromTracesResult } from "./train-from-traces-result.ts";

export type { TrainFromTracesResult } from "./train-from-traces-result.ts";

/** What {@link trainFromTraces} needs. */
export interface TrainFromTracesOptions {
  trainable: TrainableChain;
  /** The version in use: the candidate is compared with it and bumped from it. */
  current: AnyChain;
  /** Versions of the chain already defined: the candidate's version is none of them. */
  takenVersions: readonly string[];
  client: TraceClient;
  /** Where the traces are, for messages (`the studio at ...`). */
  where: string;
  projects: readonly string[];
  since: Date;
  /** The project folder: candidates go under `.catena/candidates/`, promotion edits `catena.config.json` here. */
  cwd: string;
  /** Dev items to calibrate and compare on (default: the chain's own dev split). */
  dev?: readonly LabelledExample[];
  /**
   * Labelled examples the traced labels are added to, instead of the chain's own training split
   * (`catena train --data <csv> --from-traces`). Texts of the dev items are left out of them, so
   * that training and dev stay disjoint; the traced labels are deduplicated and weighted against
   * them as against the chain's own.
   */
  data?: readonly LabelledExample[];
  /** The candidate's folder (default `.catena/candidates/<chain>@<version>`). */
  outDir?: string;
  /** Precision the cheap tiers are calibrated for, and the gate's floor (default 0.97). */
  targetPrecision?: number;
  /** Gate conditions replacing the default ones (see {@link defaultGate}). */
  gate?: readonly GateCondition[];
  /** Regressions on dev the default gate allows (default 1% of the dev items). */
  maxRegressions?: number;
  /** Fewest traced labels to train on (default 20). */
  minItems?: number;
  /** LLM answers below this confidence are left out (default 0.5). */
  minConfidence?: number;
  /** Share of the usable traced items held out as recent traffic (default 0.2). */
  heldOutShare?: number;
  /** Copies of a corrected item in the training data, and its weight in calibration (default 2). */
  correctionWeight?: number;
  /** Copies of an LLM-labelled item in the training data, and its weight in calibration (default 1). */
  llmWeight?: number;
  /**
   * Share of the labelled traced items (corrections, LLM labels, cheap answers rated right) kept
   * apart to choose the thresholds on, beside the dev items (default 0.3; 0: dev items only).
   */
  calibShare?: number;
  /**
   * One-sided confidence with which the thresholds must show the target precision (default 0: the
   * point estimate; see `CalibrateOptions.precisionBound`).
   */
  precisionBound?: number;
  /** Copies of each cheap-tier answer on the traffic added to the training data (default 0: no self-training). */
  selfTrainWeight?: number;
  /** Cheap-tier answers below this confidence are not self-trained on (default 0). */
  selfTrainConfidence?: number;
  /** Feedback key of ratings (default `rating`) and the rating below which an LLM answer is wrong (default 3). */
  ratingKey?: string;
  minRating?: number;
  seed?: number;
  /** Promote the candidate when the gate holds. */
  promote?: boolean;
  /**
   * Called with the folder the candidate is staged in (beside its own, which is written only at the
   * end: see {@link stageFolder}): what to remove if the command is interrupted before it finished
   * (with the parents it made, only while they are empty: `.catena` may hold an LLM cache). Called again with `undefined`
   * right before the staged files are put in place, the reports written and the promotion's files
   * written, synchronously from then on: a callback that throws there (interrupted) leaves the
   * candidate's folder as it was and no promotion, none that is half made.
   */
  onStaged?: (staged: StagedFolder | undefined) => void;
  /**
   * Called with the candidate's folder once the staged files are in place, before its reports and
   * the promotion are written: from then on a failure leaves the candidate there.
   */
  onWritten?: (dir: string) => void;
  onProgress?: (
    p: TrainProgress | { phase: "read" | "calibrate" | "compare"; done: number; total: number },
  ) => void;
}

/**
 * Trains a candidate version from the traces and decides whether it replaces the current one. The
 * candidate's folder (staged beside it and written whole at the end) gets the artifacts,
 * `thresholds.json`, `chain.mjs` (the candidate as a chain module), `candidate.json` (its chain and
 * version), `report.md` and `report.json`; with `promote` and a gate that holds, the module is added
 * to `catena.config.json`, so that the bare chain name runs the candidate while the current version
 * stays pinned as name@version, and its fingerprint is locked in `catena.lock.json`. A candidate
 * with the current version's fingerprint is `unchanged` and never promoted. Throws a
 * `TrainFromTracesError` when there is nothing to learn from.
 */
export async function trainFromTraces(options: TrainFromTracesOptions): Promise<TrainFromTracesResult> {
  const { trainable, current } = options;
  const target = options.targetPrecision ?? 0.97;
  const offlineCurrent = trainable.withoutLlm(current);
  const cheap = new Set(cascadeTierNames(offlineCurrent.flow));
  const llmTiers = cascadeTierNames(current.flow).filter((t) => !cheap.has(t));
  const { items, counts } = await readTracedLabels({
    chain: trainable.name,
    projects: options.projects,
    since: options.since,
    labels: trainable.labels,
    llmTiers,
    ratingKey: options.ratingKey ?? "rating",
    minRating: options.minRating ?? 3,
    client: options.client,
    where: options.where,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  const split = trainable.split();
  const dev = options.dev ?? split.dev;
  const given = options.data === undefined ? undefined : withoutDevTexts(options.data, dev);
  const set = tracedTrainingSet(
    items,
    { train: given?.kept ?? split.train, dev },
    {
      minConfidence: options.minConfidence ?? 0.5,
      heldOutShare: options.heldOutShare ?? 0.2,
      correctionWeight: options.correctionWeight ?? 2,
      llmWeight: options.llmWeight ?? 1,
      calibShare: options.calibShare ?? DEFAULT_CALIB_SHARE,
      selfTrainWeight: options.selfTrainWeight ?? 0,
      selfTrainConfidence: options.selfTrainConfidence ?? 0,
      seed: options.seed ?? 77,
    },
  );
  const usable = set.added.length;
  const minItems = options.minItems ?? 20;
  if (usable < minItems) {
    throw tooFewItemsError({ chain: trainable.name, minItems, items, counts, set });
  }

  const version = nextVersion(current.version, options.takenVersions);
  const dir = resolve(options.cwd, options.outDir ?? join(CANDIDATES_DIR, `${trainable.name}@${version}`));
  // Written beside its folder and put in place at the end: an interrupted or failed training leaves
  // an existing --out folder as it was. Discarding removes the parents it made only while they are
  // empty: .catena may hold what other commands keep there meanwhile (an LLM cache, other
  // candidates). A candidate's folder is its own: never merged into another training's.
  const stage = stageFolder(dir, {
    exclusive: options.outDir === undefined,
    shown: relative(options.cwd, dir) || dir,
  });
  options.onStaged?.(stage);
  try {
    return await trainStaged(options, { set, counts, dev, given, version, stage, target });
  } catch (error) {
    // A commit that failed put back what it replaced and removed the staging folder itself.
    if (!stage.committed) stage.discard();
    throw error;
  }
}

/** What {@link trainFromTraces} has read and chosen when it starts training. */
interface StagedTraining {
  set: TracedTrainingSet;
  counts: Awaited<ReturnType<typeof readTracedLabels>>["counts"];
  dev: readonly LabelledExample[];
  given: { kept: LabelledExample[]; inDev: number } | undefined;
  version: string;
  stage: StagedFolder;
  target: number;
}

/** Trains, calibrates and compares the candidate in its staging folder, then writes it whole. */
async function trainStaged(
  options: TrainFromTracesOptions,
  { set, counts, dev, given, version, stage, target }: StagedTraining,
): Promise<TrainFromTracesResult> {
  const { trainable, current } = options;
  const dir = stage.target;
  const staged = stage.dir;
  const offlineCurrent = trainable.withoutLlm(current);
  const cheap = new Set(cascadeTierNames(offlineCurrent.flow));
  const llmTiers = cascadeTierNames(current.flow).filter((t) => !cheap.has(t));
  const trained = await trainable.train(set.train, {
    dev,
    outDir: staged,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  options.onProgress?.({ phase: "calibrate", done: 0, total: 1 });
  const cost = trainable.llmCostPerItemUsd();
  const weighed =
    set.calib.length > 0
      ? await tracedCalibrationItems({
          current: offlineCurrent,
          dev,
          traced: set.calib,
          trafficLlmShare: trafficLlmShare(counts.routed, llmTiers, cheap),
          correctionWeight: options.correctionWeight ?? 2,
          llmWeight: options.llmWeight ?? 1,
        })
      : undefined;
  const calibration = await calibrate(
    trainable.chainFor(staged, { version }),
    weighed?.items ?? dev.map((e) => ({ input: { text: e.text }, label: e.label })),
    {
      targetPrecision: target,
      precisionBound: options.precisionBound ?? 0,
      ...(cost === undefined ? {} : { llmCostPerItemUsd: cost }),
    },
  );
  options.onProgress?.({ phase: "calibrate", done: 1, total: 1 });
  writeThresholds(trainable.thresholdsPath(staged), calibration);
  // The module finds its artifacts beside itself, so it loads the same once the folder is in place.
  writeFileSync(join(staged, CANDIDATE_MODULE), trainable.chainModule(dir, version));
  writeFileSync(join(staged, CANDIDATE_MANIFEST), candidateManifestText(trainable.name, version));
  const modulePath = join(dir, CANDIDATE_MODULE);
  // Defined after the thresholds are written: the chain reads them when it is defined. Its
  // fingerprint is its artifacts' hashes, not their folder's path.
  const candidate = trainable.chainFor(staged, { version });

  options.onProgress?.({ phase: "compare", done: 0, total: 1 });
  const comparison = await compareCandidate(
    offlineCurrent,
    trainable.withoutLlm(candidate),
    dev,
    set.heldOut,
  );
  options.onProgress?.({ phase: "compare", done: 1, total: 1 });
  const maxRegressions = options.maxRegressions ?? Math.ceil(dev.length * 0.01);
  const gate = checkGate(
    options.gate ?? defaultGate(target, maxRegressions, comparison.traffic !== undefined),
    comparison.metrics,
  );
  const passed = gate.every((c) => c.passed);
  // The same fingerprint is the same behaviour (the version is not in it): training on these
  // traces changed nothing, and promoting would only add a version number.
  const unchanged = candidate.fingerprint === current.fingerprint;
  const status = unchanged ? "unchanged" : !passed ? "refused" : options.promote ? "promoted" : "candidate";
  const result: TrainFromTracesResult = {
    status,
    chain: trainable.name,
    current: { id: current.id, version: current.version, fingerprint: current.fingerprint },
    candidate: {
      id: candidate.id,
      version,
      fingerprint: candidate.fingerprint,
      dir,
      module: modulePath,
    },
    window: { since: options.since.toISOString(), projects: [...options.projects], where: options.where },
    traced: {
      ...counts,
      ...set.counts,
      added: set.added.length,
      heldOut: set.heldOut.length,
      calib: set.calib.length,
      selfTrained: set.selfTrained.length,
    },
    ...(weighed === undefined ? {} : { calibrationStrata: weighed.strata }),
    training: {
      examples: set.train.length,
      ...(given === undefined ? {} : { data: { examples: options.data?.length ?? 0, inDev: given.inDev } }),
      report: trained.report,
    },
    calibration,
    comparison,
    gate,
    reasons: reasonsOf(gate, status, current.id),
    report: { markdown: join(dir, "report.md"), json: join(dir, "report.json") },
  };
  // The promotion is read and checked first; then, with nothing awaited from the caller's last look
  // at a Ctrl-C (`onStaged(undefined)`, which throws once interrupted) to the last write: the
  // candidate put in place, its reports written (before the promotion, so that a promotion refused
  // or failing to write leaves the candidate with the report to decide on), the promotion written,
  // and the reports again with it.
  let plan: Awaited<ReturnType<typeof planPromotion>> | undefined;
  let refusal: unknown;
  if (status === "promoted") {
    try {
      plan = await planPromotion(options.cwd, candidate, modulePath);
    } catch (error) {
      refusal = error;
    }
  }
  options.onStaged?.(undefined);
  options.onWritten?.(stage.commit().target);
  const writeReports = (r: TrainFromTracesResult): void => {
    writeFileSync(r.report.json, `${JSON.stringify(reportJson(r, set), null, 2)}\n`);
    writeFileSync(r.report.markdown, loopReportMarkdown(r));
  };
  if (status !== "promoted") {
    writeReports(result);
    return result;
  }
  writeReports({ ...result, status: "candidate", reasons: reasonsOf(gate, "candidate", current.id, true) });
  if (plan === undefined) throw refusal;
  Object.assign(result, applyPromotion(plan));
  writeReports(result);
  return result;
}

/** The examples whose text is not a dev item's, and how many were. */
function withoutDevTexts(
  data: readonly LabelledExample[],
  dev: readonly LabelledExample[],
): { kept: LabelledExample[]; inDev: number } {
  const devTexts = new Set(dev.map((e) => normalisedText(e.text)));
  const kept = data.filter((e) => !devTexts.has(normalisedText(e.text)));
  return { kept, inDev: data.length - kept.length };
}

/** Share of the labelled traced items kept apart for calibration by default. */
export const DEFAULT_CALIB_SHARE = 0.3;

/**
 * Share of the traced runs that an LLM tier answered or that were deferred, among those whose tier
 * is known, counted over every root run read (not only those that became labels); undefined when no
 * tier is known. It is the routing of whichever version served the runs: after a promotion, until
 * new traffic comes in, the previous version's.
 */
function trafficLlmShare(
  routed: Readonly<Record<string, number>>,
  llmTiers: readonly string[],
  cheap: ReadonlySet<string>,
): number | undefined {
  let llm = 0;
  let answered = 0;
  for (const [tier, n] of Object.entries(routed)) {
    if (cheap.has(tier)) answered += n;
    else if (llmTiers.includes(tier) || tier === "deferred") llm += n;
  }
  return llm + answered === 0 ? undefined : llm / (llm + answered);
}

/**
 * The default gate: the candidate's cheap tiers reach the target precision on dev, it regresses on
 * at most `maxRegressions` dev items, and it leaves fewer items to the LLM: of the held-out recent
 * traffic when there is some (what production will send), else of the dev split.
 */
export function defaultGate(
  targetPrecision: number,
  maxRegressions: number,
  onTraffic: boolean,
): GateCondition[] {
  const share = onTraffic ? "traffic_llm_share_delta" : "llm_share_delta";
  return [
    { metric: "precision", operator: ">=", value: targetPrecision, text: `precision>=${targetPrecision}` },
    { metric: "regressions", operator: "<=", value: maxRegressions, text: `regressions<=${maxRegressions}` },
    { metric: share, operator: "<", value: 0, text: `${share}<0` },
  ];
}
