/** One dev item as a tier answered it. */
export interface ScoredAnswer {
  confidence: number;
  /** Whether the tier's label is the true one (a null label is never correct). */
  correct: boolean;
  /** Whether the tier gave a label at all. */
  answered: boolean;
}

/** The threshold chosen for a tier and what it accepts. */
export interface ThresholdChoice {
  /** Lowest accepted confidence, or null when no threshold reaches the target precision. */
  threshold: number | null;
  accepted: number;
  correct: number;
}

/**
 * Chooses the lowest confidence threshold whose accepted answers (confidence ≥ threshold, with a
 * label) reach `targetPrecision`, i.e. the one covering the most items. Items with equal confidence
 * are accepted or refused together, as the cascade would. Needs at least `minAccepted` accepted items.
 *
 * @example
 * pickThreshold(answers, 0.97) // { threshold: 0.83, accepted: 812, correct: 790 }
 */
export function pickThreshold(
  answers: readonly ScoredAnswer[],
  targetPrecision: number,
  minAccepted = 1,
): ThresholdChoice {
  const candidates = answers
    .filter((a) => a.answered && a.confidence > 0)
    .sort((a, b) => b.confidence - a.confidence);
  let best: ThresholdChoice = { threshold: null, accepted: 0, correct: 0 };
  let accepted = 0;
  let correct = 0;
  for (let i = 0; i < candidates.length; ) {
    const confidence = (candidates[i] as ScoredAnswer).confidence;
    while (i < candidates.length && (candidates[i] as ScoredAnswer).confidence === confidence) {
      accepted++;
      if ((candidates[i] as ScoredAnswer).correct) correct++;
      i++;
    }
    // A small epsilon keeps exact hits of the target (e.g. 97/100 at 0.97) from failing on rounding.
    if (accepted >= minAccepted && correct / accepted >= targetPrecision - 1e-12) {
      best = { threshold: confidence, accepted, correct };
    }
  }
  return best;
}
