import type { ScoredLabel } from "../steps/step-kinds.ts";

/**
 * The most probable label of `p` (probabilities in `labels` order), its probability, and the `top`
 * most probable labels (ties broken by label order): what a classifier's `predict` returns.
 *
 * @example
 * rankLabels(Float64Array.of(0.2, 0.7, 0.1), ["a", "b", "c"], 2); // { label: "b", confidence: 0.7, top: [b, a] }
 */
export function rankLabels(
  p: Float64Array,
  labels: readonly string[],
  top = 5,
): ScoredLabel & { top: ScoredLabel[] } {
  const order = Array.from(p.keys()).sort((a, b) => (p[b] as number) - (p[a] as number) || a - b);
  const best = order[0] as number;
  return {
    label: labels[best] as string,
    confidence: p[best] as number,
    top: order.slice(0, top).map((k) => ({ label: labels[k] as string, confidence: p[k] as number })),
  };
}
