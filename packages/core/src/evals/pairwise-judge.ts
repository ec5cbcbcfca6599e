import { z } from "zod";
import { run } from "../runtime/runner.ts";
import { fingerprintOf } from "../versioning/fingerprint.ts";
import { judgeChain } from "./judge-chain.ts";
import type { LlmJudgeOptions } from "./llm-judge.ts";
import { textOf } from "./llm-judge.ts";

/** The verdict of a pairwise judge. */
export const pairwiseVerdict = z.object({
  reason: z.string().describe("One or two sentences: why one output is better, or why they are equal."),
  preferred: z.enum(["A", "B", "tie"]).describe("The output that better meets the rubric, or tie."),
});

/** What a pairwise comparison returns for one example. */
export interface PairwiseResult {
  /** `a`/`b` follow the caller's order, whatever order the model saw them in. */
  preferred: "a" | "b" | "tie" | null;
  comment: string;
  usage: { inputTokens: number; outputTokens: number; costUsd: number };
}

/** A judge that compares two versions' outputs for the same input. */
export interface PairwiseJudge {
  readonly name: string;
  readonly fingerprint: string;
  compare(inputs: unknown, a: unknown, b: unknown, reference?: unknown): Promise<PairwiseResult>;
}

const PAIRWISE_PROMPT = `Two AI systems answered the same input. Decide which output better meets the rubric.

Rubric:
{rubric}

Input:
{input}

Reference answer (may be empty):
{reference}

Output A:
{a}

Output B:
{b}

Reason briefly first, then say A, B or tie.`;

/**
 * The pairwise variant of an LLM judge: shown two outputs for one input, it prefers one or calls a
 * tie. The two are shown in an order that depends on the input's hash, so that a model's bias for the
 * first position does not always favour the same version.
 *
 * @example
 * const judge = pairwiseJudge({ name: "better_answer", model: "openai:gpt-4.1-mini", rubric: "Correct and short." });
 * const r = await judge.compare({ text: "..." }, v1Output, v2Output);
 */
export function pairwiseJudge(options: Omit<LlmJudgeOptions, "scale">): PairwiseJudge {
  const prompt = options.prompt ?? PAIRWISE_PROMPT;
  const model = typeof options.model === "string" ? options.model : options.model.getName();
  const chain = judgeChain(
    `pairwise-judge-${options.name}`,
    ["rubric", "input", "reference", "a", "b"],
    pairwiseVerdict,
    prompt,
    options,
  );
  return {
    name: options.name,
    fingerprint: fingerprintOf({ kind: "pairwise_judge", prompt, model, rubric: options.rubric }),
    async compare(inputs, a, b, reference) {
      const swapped = fingerprintOf(inputs).charCodeAt(0) % 2 === 1;
      const [first, second] = swapped ? [b, a] : [a, b];
      const r = await run(chain, {
        rubric: options.rubric,
        input: textOf(inputs),
        reference: reference === undefined ? "" : textOf(reference),
        a: textOf(first),
        b: textOf(second),
      });
      if (r.status !== "done") {
        return {
          preferred: null,
          comment: `judge failed: ${r.status === "error" ? r.error.message : r.status}`,
          usage: r.usage,
        };
      }
      const v = r.output as z.output<typeof pairwiseVerdict>;
      const seen = v.preferred === "tie" ? "tie" : v.preferred === "A" ? "first" : "second";
      const preferred = seen === "tie" ? "tie" : (seen === "first") !== swapped ? "a" : "b";
      return { preferred, comment: v.reason, usage: r.usage };
    },
  };
}
