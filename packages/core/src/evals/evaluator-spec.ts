import type { z } from "zod";
import { embeddingSimilarity } from "./embedding-similarity.ts";
import { EvalsError } from "./evals-error.ts";
import type { Evaluator } from "./evaluator.ts";
import { exactMatch } from "./exact-match.ts";
import { fieldMatch } from "./field-match.ts";
import { type JudgeScale, llmJudge } from "./llm-judge.ts";
import { numericTolerance } from "./numeric-tolerance.ts";
import { regexMatch } from "./regex-match.ts";
import { schemaValidity } from "./schema-validity.ts";

/**
 * An evaluator written as data, as in `catena.evals.json`: every built-in but the code assertion
 * (code lives in a module: export evaluators from it instead). `key` renames the feedback key.
 */
export type EvaluatorSpec =
  | { type: "exact_match"; key?: string }
  | { type: "field_match"; fields?: string[]; key?: string }
  | { type: "schema_valid"; key?: string }
  | { type: "regex"; pattern: string; flags?: string; field?: string; negate?: boolean; key?: string }
  | { type: "numeric_tolerance"; field: string; tolerance: number; relative?: boolean; key?: string }
  | {
      type: "embedding_similarity";
      field?: string;
      embedder?: "local" | `openai:${string}`;
      threshold?: number;
      key?: string;
    }
  | JudgeSpec;

/** An LLM judge written as data. */
export interface JudgeSpec {
  type: "llm_judge";
  name: string;
  model: string;
  rubric: string;
  scale?: JudgeScale;
  prompt?: string;
}

/** What a spec may need of the chain it evaluates. */
export interface SpecContext {
  /** The chain's output schema: `field_match` without fields, and `schema_valid`, use it. */
  outputSchema?: z.ZodType;
}

/**
 * Builds the evaluator a spec describes; an unknown type or a missing setting is an
 * `EVALUATOR_INVALID` error naming the entry and what it needs.
 *
 * @example
 * evaluatorFromSpec({ type: "regex", field: "answer", pattern: "\\d" })
 */
export function evaluatorFromSpec(
  spec: EvaluatorSpec,
  context: SpecContext = {},
  where = "evaluator",
): Evaluator {
  const key = "key" in spec && spec.key !== undefined ? { key: spec.key } : {};
  switch (spec.type) {
    case "exact_match":
      return exactMatch(key);
    case "field_match":
      return fieldMatch({
        ...key,
        ...(spec.fields === undefined ? {} : { fields: spec.fields }),
        ...(context.outputSchema === undefined ? {} : { outputSchema: context.outputSchema }),
      });
    case "schema_valid":
      if (context.outputSchema === undefined)
        throw invalid(where, spec, "the chain's output schema (none is known here)");
      return schemaValidity(context.outputSchema, key);
    case "regex":
      if (typeof spec.pattern !== "string") throw invalid(where, spec, `"pattern"`);
      return regexMatch({ ...spec, ...key });
    case "numeric_tolerance":
      if (typeof spec.field !== "string" || typeof spec.tolerance !== "number")
        throw invalid(where, spec, `"field" and a number "tolerance"`);
      return numericTolerance({ ...spec, ...key });
    case "embedding_similarity":
      return embeddingSimilarity({ ...spec, ...key });
    case "llm_judge":
      if (typeof spec.name !== "string" || typeof spec.model !== "string" || typeof spec.rubric !== "string")
        throw invalid(where, spec, `"name", "model" and "rubric"`);
      return llmJudge(spec);
    default:
      throw new EvalsError(
        "EVALUATOR_INVALID",
        `${where}: unknown evaluator type ${JSON.stringify((spec as { type?: unknown }).type)}; use one of exact_match, field_match, schema_valid, regex, numeric_tolerance, embedding_similarity, llm_judge.`,
        { details: { spec } },
      );
  }
}

function invalid(where: string, spec: EvaluatorSpec, needs: string): EvalsError {
  return new EvalsError("EVALUATOR_INVALID", `${where} (${spec.type}) needs ${needs}.`, {
    details: { spec },
  });
}
