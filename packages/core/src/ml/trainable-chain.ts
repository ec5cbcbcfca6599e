/*
 * How a chain declares that it can be trained and calibrated from labelled data, for `catena train`
 * and `catena calibrate`: a chains package exports a list of these, one per trainable chain, next to
 * its chains. A chain is trainable when it has learned tiers whose artifacts live in a folder the
 * chain is defined over.
 */
import type { AnyChain } from "../compile/chain.ts";
import type { LabelledExample } from "./labelled-example.ts";
import type { TrainingProgress, TrainingReport } from "./train-classifier.ts";

/** Progress of training, for progress bars: the classifier's phases, then building the index. */
export type TrainProgress = TrainingProgress | { phase: "index"; done: number; total: number };

/** A chain that `catena train` and `catena calibrate` can work on. */
export interface TrainableChain {
  /** The chain's name, as in `catena train <name>`. */
  readonly name: string;
  /** The label set: training and dev data may use no other label. */
  readonly labels: readonly string[];
  /** Where its artifacts live by default. */
  readonly artifactsDir: string;
  /**
   * Reads a labelled CSV, checking it against the label set; problems are `DatasetError`s with
   * line numbers (empty file, missing column, unknown labels).
   */
  readData(path: string): LabelledExample[];
  /**
   * The chain's own fixed split: the examples its shipped tiers were trained on, and the dev
   * examples its thresholds were chosen on (never trained on).
   */
  split(): { train: LabelledExample[]; dev: LabelledExample[] };
  /** Trains the learned tiers on `train` (reporting on `dev`) and saves them into `outDir`. */
  train(
    train: readonly LabelledExample[],
    options: { dev: readonly LabelledExample[]; outDir: string; onProgress?: (p: TrainProgress) => void },
  ): Promise<{ report: TrainingReport; files: string[] }>;
  /**
   * The chain defined over the artifacts of a folder (default {@link artifactsDir}), declaring
   * `version` when given (a candidate version of the chain).
   */
  chainFor(artifactsDir?: string, options?: { version?: string }): AnyChain;
  /**
   * The same version of a chain {@link chainFor} made, with its LLM tier left out: what no cheap
   * tier accepts is deferred. For measuring the cheap tiers without calling a model. Throws a
   * `VersionNotTrainableError` for a chain it did not make.
   */
  withoutLlm(chain: AnyChain): AnyChain;
  /**
   * The text of an ES module that exports the chain defined over the artifacts of `artifactsDir`
   * (the folder the module is written to) as `version`: a candidate version that `--chains` and
   * `catena.config.json` load.
   */
  chainModule(artifactsDir: string, version: string): string;
  /** The thresholds file of an artifacts folder, written by `catena calibrate`. */
  thresholdsPath(artifactsDir?: string): string;
  /** Cost of one item answered by the LLM tier at the price table's rates, when known. */
  llmCostPerItemUsd(): number | undefined;
}
