import { fingerprintOf } from "../versioning/fingerprint.ts";

/** A score: a number (usually in [0, 1]), a pass/fail, or `null` when the evaluator had nothing to judge. */
export type EvaluatorScore = number | boolean | null;

/** What every evaluator returns: LangSmith's feedback shape (`key`, `score`, `comment`). */
export interface EvaluatorResult {
  key: string;
  score: EvaluatorScore;
  comment?: string;
  /** Tokens and cost the evaluator spent (LLM judges), charged to the experiment, not to the chain. */
  usage?: { inputTokens: number; outputTokens: number; costUsd: number; cachedUsd?: number };
}

/** What an evaluator sees of one run: the example's inputs and reference output, and the chain's output. */
export interface EvaluationCase {
  readonly inputs: Readonly<Record<string, unknown>>;
  /** The chain's output; undefined when the run did not finish (deferred, failed). */
  readonly output: unknown;
  /** The example's reference output, when the dataset has one. */
  readonly reference?: Readonly<Record<string, unknown>> | undefined;
  /** The run's status, so that an evaluator can tell "no output" from "wrong output". */
  readonly status: "done" | "deferred" | "waiting" | "error";
}

/**
 * The one evaluator contract: a key (the feedback key), a fingerprint computed like a step's (a
 * change to what it checks makes a new fingerprint, so stored results and alignment records can tell
 * they were made by another evaluator) and `evaluate`.
 */
export interface Evaluator {
  readonly key: string;
  /** What kind it is (`exact_match`, `llm_judge`, ...), for reports and config files. */
  readonly kind: string;
  /** sha256 over the kind, the key and everything that decides the score. */
  readonly fingerprint: string;
  evaluate(c: EvaluationCase): EvaluatorResult | Promise<EvaluatorResult>;
}

/**
 * Makes an evaluator from its kind, key, the settings that decide its scores (fingerprinted) and an
 * evaluate function. Every built-in is made with it, and so can your own.
 *
 * @example
 * const nonEmpty = defineEvaluator("non_empty", "non_empty", {}, (c) => ({ key: "non_empty", score: c.output != null }));
 */
export function defineEvaluator(
  kind: string,
  key: string,
  settings: unknown,
  evaluate: Evaluator["evaluate"],
): Evaluator {
  return { kind, key, fingerprint: fingerprintOf({ kind, key, settings }), evaluate };
}

/** A score as a number for means: true → 1, false → 0, null stays null. */
export function numericScore(score: EvaluatorScore): number | null {
  if (score === null) return null;
  if (typeof score === "boolean") return score ? 1 : 0;
  return Number.isFinite(score) ? score : null;
}
