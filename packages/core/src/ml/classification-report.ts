/** Precision, recall and F1 of one class. */
export interface ClassScores {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  /** Examples of this class in the evaluated data. */
  support: number;
}

/** How often one true label was predicted as another. */
export interface Confusion {
  truth: string;
  predicted: string;
  count: number;
}

/** How well predicted labels match the true ones. */
export interface ClassificationReport {
  examples: number;
  accuracy: number;
  macroF1: number;
  /** Every class, worst F1 first. */
  perClass: ClassScores[];
  /** Wrong predictions by (true, predicted) pair, most frequent first (no-answers not counted). */
  confusions: Confusion[];
}

/**
 * Accuracy, macro-F1, per-class precision/recall/F1 and the most confused label pairs of
 * predictions against the truth (a `null` prediction counts as wrong, for no class).
 *
 * @example
 * evaluateLabels(["a", "b"], ["a", "a"]).accuracy // 0.5
 */
export function evaluateLabels(
  truth: readonly string[],
  predicted: readonly (string | null)[],
): ClassificationReport {
  if (truth.length !== predicted.length) {
    throw new RangeError(`evaluateLabels: ${truth.length} true labels but ${predicted.length} predictions`);
  }
  const tp = new Map<string, number>();
  const fp = new Map<string, number>();
  const support = new Map<string, number>();
  const pairs = new Map<string, Confusion>();
  let correct = 0;
  truth.forEach((t, i) => {
    const p = predicted[i] ?? null;
    support.set(t, (support.get(t) ?? 0) + 1);
    if (p === t) {
      correct++;
      tp.set(t, (tp.get(t) ?? 0) + 1);
    } else if (p !== null) {
      fp.set(p, (fp.get(p) ?? 0) + 1);
      const key = JSON.stringify([t, p]);
      const pair = pairs.get(key) ?? { truth: t, predicted: p, count: 0 };
      pair.count++;
      pairs.set(key, pair);
    }
  });
  const perClass = [...support.keys()].sort().map((label): ClassScores => {
    const hits = tp.get(label) ?? 0;
    const predictedCount = hits + (fp.get(label) ?? 0);
    const n = support.get(label) ?? 0;
    const precision = predictedCount === 0 ? 0 : hits / predictedCount;
    const recall = n === 0 ? 0 : hits / n;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { label, precision, recall, f1, support: n };
  });
  const macroF1 = perClass.length === 0 ? 0 : perClass.reduce((s, c) => s + c.f1, 0) / perClass.length;
  perClass.sort((a, b) => a.f1 - b.f1 || (a.label < b.label ? -1 : 1));
  const confusions = [...pairs.values()].sort(
    (a, b) => b.count - a.count || byCodeUnits(a.truth, b.truth) || byCodeUnits(a.predicted, b.predicted),
  );
  return {
    examples: truth.length,
    accuracy: truth.length === 0 ? 0 : correct / truth.length,
    macroF1,
    perClass,
    confusions,
  };
}

// Not localeCompare: its order depends on the machine's locale, and reports must not.
function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
