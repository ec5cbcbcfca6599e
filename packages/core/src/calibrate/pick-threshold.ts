import { wilsonLowerBound } from "./normal-quantile.ts";

/** One dev item as a tier answered it. */
export interface ScoredAnswer {
  confidence: number;
  /** Whether the tier's label is the true one (a null label is never correct). */
  correct: boolean;
  /** Whether the tier gave a label at all. */
  answered: boolean;
  /** How much the item counts (default 1): a label people checked can count more than a model's. */
  weight?: number;
}

/** The threshold chosen for a tier and what it accepts. */
export interface ThresholdChoice {
  /** Lowest accepted confidence, or null when no threshold reaches the target precision. */
  threshold: number | null;
  /** Accepted items, and the right ones among them (counted once each, whatever their weight). */
  accepted: number;
  correct: number;
}

/** How {@link pickThreshold} decides that accepted answers reach the target. */
export interface PickThresholdOptions {
  /** Fewest accepted items for a threshold to count (default 1). */
  minAccepted?: number;
  /**
   * One-sided confidence with which the precision must reach the target (default 0: the point
   * estimate). With 0.9, the threshold is the lowest whose Wilson lower bound on the (weighted)
   * precision of the accepted answers reaches the target: a few items right by luck do not lower it.
   */
  precisionBound?: number;
}

/**
 * Chooses the lowest confidence threshold whose accepted answers (confidence ≥ threshold, with a
 * label) reach `targetPrecision`, i.e. the one covering the most items. Items with equal confidence
 * are accepted or refused together, as the cascade would. Weighted items count by their weight; with
 * `precisionBound`, the precision must reach the target with that confidence (Wilson's lower bound,
 * on Kish's effective number of weighted items). A number for `options` is `minAccepted`.
 *
 * @example
 * pickThreshold(answers, 0.97) // { threshold: 0.83, accepted: 812, correct: 790 }
 * pickThreshold(answers, 0.97, { precisionBound: 0.9 }) // a higher threshold, fewer accepted
 */
export function pickThreshold(
  answers: readonly ScoredAnswer[],
  targetPrecision: number,
  options: number | PickThresholdOptions = {},
): ThresholdChoice {
  const { minAccepted = 1, precisionBound = 0 } =
    typeof options === "number" ? { minAccepted: options } : options;
  const candidates = answers
    .filter((a) => a.answered && a.confidence > 0 && (a.weight ?? 1) > 0)
    .sort((a, b) => b.confidence - a.confidence);
  let best: ThresholdChoice = { threshold: null, accepted: 0, correct: 0 };
  let accepted = 0;
  let correct = 0;
  let weight = 0;
  let weightRight = 0;
  let weightSquared = 0;
  for (let i = 0; i < candidates.length; ) {
    const confidence = (candidates[i] as ScoredAnswer).confidence;
    while (i < candidates.length && (candidates[i] as ScoredAnswer).confidence === confidence) {
      const a = candidates[i] as ScoredAnswer;
      const w = a.weight ?? 1;
      accepted++;
      weight += w;
      weightSquared += w * w;
      if (a.correct) {
        correct++;
        weightRight += w;
      }
      i++;
    }
    const precision = weightRight / weight;
    const shown =
      precisionBound > 0
        ? wilsonLowerBound(precision, (weight * weight) / weightSquared, precisionBound)
        : precision;
    // A small epsilon keeps exact hits of the target (e.g. 97/100 at 0.97) from failing on rounding.
    if (accepted >= minAccepted && shown >= targetPrecision - 1e-12) {
      best = { threshold: confidence, accepted, correct };
    }
  }
  return best;
}
