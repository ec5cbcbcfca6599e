import type { AnyChain } from "@catena/core";
import {
  type CalibrationResult,
  calibrate,
  type LabelledExample,
  type TrainableChain,
  writeThresholds,
} from "@catena/core/ml";

/** What {@link calibrateTrained} did: the thresholds chosen, where they went, what was left out. */
export interface TrainedCalibration {
  result: CalibrationResult;
  /** The thresholds file written into the artifacts folder. */
  path: string;
  /** Dev items the chain cannot take as input (too long, say), left out of the calibration. */
  refused: number;
}

/**
 * Chooses the thresholds of freshly trained artifacts on the dev split that training held out, and
 * writes them beside the weights, as `catena train --from-traces` does for a candidate: without
 * them every item would go to the LLM tier. The chain is defined anew over `outDir` (declaring the
 * current version, which forces a fresh load even when `outDir` is the chain's own folder, whose
 * chain was loaded before the new weights were written). Dev items the chain refuses as input are
 * left out rather than failing a training that already succeeded; undefined when none is left.
 */
export async function calibrateTrained(
  trainable: TrainableChain,
  outDir: string,
  dev: readonly LabelledExample[],
  targetPrecision: number,
): Promise<TrainedCalibration | undefined> {
  const chain: AnyChain = trainable.chainFor(outDir, { version: trainable.chainFor().version });
  const taken = dev.filter((e) => chain.input.safeParse({ text: e.text }).success);
  if (taken.length === 0) return undefined;
  const cost = trainable.llmCostPerItemUsd();
  const result = await calibrate(
    chain,
    taken.map((e) => ({ input: { text: e.text }, label: e.label })),
    { targetPrecision, ...(cost === undefined ? {} : { llmCostPerItemUsd: cost }) },
  );
  const path = trainable.thresholdsPath(outDir);
  writeThresholds(path, result);
  return { result, path, refused: dev.length - taken.length };
}
