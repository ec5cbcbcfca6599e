import { z } from "zod";
import type { AnyChain } from "../compile/chain.ts";
import type { ChatModelInput } from "../llm/chat-model-resolver.ts";
import { run } from "../runtime/runner.ts";
import { fingerprintOf } from "../versioning/fingerprint.ts";
import type { EvaluationCase, Evaluator, EvaluatorResult } from "./evaluator.ts";
import { judgeChain } from "./judge-chain.ts";

/** How a judge answers: pass/fail with a reason, or a score from 1 to 5 with a reason. */
export type JudgeScale = "pass_fail" | "score_1_5";

/** Options of {@link llmJudge}. */
export interface LlmJudgeOptions {
  /** The judge's name: its feedback key and the name of its record (`.catena/judges/<name>.json`). */
  name: string;
  /** What a good answer is, in plain words: the criteria the model applies. */
  rubric: string;
  /** `"provider:model"` (pin a dated snapshot) or a LangChain chat model instance. */
  model: ChatModelInput;
  scale?: JudgeScale;
  /**
   * The user prompt; `{rubric}`, `{input}`, `{output}` and `{reference}` are filled in. The default
   * asks for a verdict on the output against the rubric, with the reference when there is one.
   */
  prompt?: string;
  /** API key / base URL for models given by id (default `OPENAI_API_KEY` / `OPENAI_BASE_URL`). */
  apiKey?: string;
  baseURL?: string;
}

/** The verdict schema of a pass/fail judge. */
export const passFailVerdict = z.object({
  reason: z.string().describe("One or two sentences: why the output passes or fails the rubric."),
  pass: z.boolean().describe("true when the output meets the rubric."),
});

/** The verdict schema of a 1–5 judge. */
export const scoreVerdict = z.object({
  reason: z.string().describe("One or two sentences: why this score."),
  score: z.number().int().min(1).max(5).describe("1 (fails the rubric) to 5 (fully meets it)."),
});

/** The default judge prompt. */
export const DEFAULT_JUDGE_PROMPT = `You grade the output of an AI system against a rubric.

Rubric:
{rubric}

Input:
{input}

Reference answer (may be empty):
{reference}

Output to grade:
{output}

Reason briefly first, then give your verdict.`;

/** An LLM judge: an evaluator whose fingerprint is its prompt, model, rubric and scale. */
export interface LlmJudge extends Evaluator {
  readonly kind: "llm_judge";
  readonly name: string;
  readonly scale: JudgeScale;
  /** The model id (for records and messages). */
  readonly model: string;
  /** The chain that asks the model: one `llm` step with structured output (cached, retried, costed). */
  readonly chain: AnyChain;
}

/**
 * An LLM judge: a rubric prompt whose verdict is structured output (pass/fail plus a reason, or a
 * 1–5 score plus a reason). It runs as a one-step chain, so it shares the llm step's cache, retries,
 * rate limits and cost accounting; its tokens and cost come back in the result's `usage`, which the
 * experiment charges to the judge, apart from the chain's own cost. A judge is not trusted by a
 * gate until `catena judge align` has measured it against human labels (see `judge-record.ts`).
 *
 * @example
 * const judge = llmJudge({ name: "sql_answer_correct", model: "openai:gpt-4.1-mini-2025-04-14",
 *   rubric: "The answer states the figure the reference states." });
 */
export function llmJudge(options: LlmJudgeOptions): LlmJudge {
  const scale = options.scale ?? "pass_fail";
  const prompt = options.prompt ?? DEFAULT_JUDGE_PROMPT;
  const model = typeof options.model === "string" ? options.model : modelName(options.model);
  const verdict = scale === "pass_fail" ? passFailVerdict : scoreVerdict;
  const chain = judgeChain(
    `judge-${options.name}`,
    ["rubric", "input", "output", "reference"],
    verdict,
    prompt,
    options,
  );
  const key = options.name;
  return {
    kind: "llm_judge",
    key,
    name: options.name,
    scale,
    model,
    chain,
    fingerprint: fingerprintOf({ kind: "llm_judge", prompt, model, rubric: options.rubric, scale }),
    async evaluate(c: EvaluationCase): Promise<EvaluatorResult> {
      if (c.output === undefined)
        return { key, score: null, comment: `no output to judge (run ${c.status})` };
      const r = await run(chain, {
        rubric: options.rubric,
        input: textOf(c.inputs),
        output: textOf(c.output),
        reference: c.reference === undefined ? "" : textOf(c.reference),
      });
      const usage = r.usage;
      if (r.status !== "done") {
        const why = r.status === "error" ? r.error.message : r.status;
        return { key, score: null, comment: `judge failed: ${why}`, usage };
      }
      const v = r.output as { reason: string; pass?: boolean; score?: number };
      const score = scale === "pass_fail" ? (v.pass ?? null) : (v.score ?? null);
      return { key, score, comment: v.reason, usage };
    },
  };
}

/** Text a prompt shows of a value: strings as they are, the rest as indented JSON. */
export function textOf(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value, null, 2);
}

function modelName(model: Exclude<ChatModelInput, string>): string {
  const named = model as unknown as { model?: unknown; modelName?: unknown };
  const name = typeof named.model === "string" ? named.model : named.modelName;
  return `${model.getName()}:${typeof name === "string" ? name : "unknown"}`;
}
