import { functionSource } from "../versioning/function-source.ts";
import { defineEvaluator, type EvaluationCase, type Evaluator, type EvaluatorScore } from "./evaluator.ts";

/** What a code assertion returns: a score, or a score with a comment. */
export type AssertionOutcome = EvaluatorScore | { score: EvaluatorScore; comment?: string };

/**
 * A code assertion: a TypeScript function of the case (inputs, output, reference) returning a
 * boolean, a number or `{ score, comment }`. Its fingerprint is its source, like a code step's; a
 * function that throws scores `false` with the error as comment.
 *
 * @example
 * codeAssertion("answer_mentions_total", ({ output }) => /total/i.test(String((output as { answer: string }).answer)))
 */
export function codeAssertion(
  key: string,
  assert: (c: EvaluationCase) => AssertionOutcome | Promise<AssertionOutcome>,
): Evaluator {
  return defineEvaluator("code_assertion", key, { source: functionSource(assert) }, async (c) => {
    try {
      const outcome = await assert(c);
      if (outcome !== null && typeof outcome === "object") {
        return outcome.comment === undefined
          ? { key, score: outcome.score }
          : { key, score: outcome.score, comment: outcome.comment };
      }
      return { key, score: outcome };
    } catch (error) {
      return { key, score: false, comment: `assertion threw: ${(error as Error).message ?? String(error)}` };
    }
  });
}
