import { canonicalJson } from "../versioning/canonical-json.ts";
import { defineEvaluator, type Evaluator } from "./evaluator.ts";

/**
 * Exact match: the whole output equals the reference output (compared as canonical JSON, so key
 * order does not matter). Scores `null` for examples without a reference.
 *
 * @example
 * exactMatch() // { key: "exact_match", score: true }
 */
export function exactMatch(options: { key?: string } = {}): Evaluator {
  const key = options.key ?? "exact_match";
  return defineEvaluator("exact_match", key, {}, ({ output, reference }) => {
    if (reference === undefined) return { key, score: null, comment: "no reference output" };
    const same = canonicalJson(output ?? null) === canonicalJson(reference);
    return same
      ? { key, score: true }
      : { key, score: false, comment: `expected ${canonicalJson(reference)}` };
  });
}
