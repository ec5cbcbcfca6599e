/*
 * The ready-made evals of the built-in chains, as data (the shape of `catena.evals.json`): what
 * `catena eval <chain>` scores with when neither `--evaluators` nor the project's config says
 * otherwise, and the LLM judges they use. Importing it loads no chain.
 */
import { fileURLToPath } from "node:url";
import type { EvalsConfig } from "@catena/core/evals";

/** The model the built-in judges use unless `catena.evals.json` says otherwise: a dated snapshot. */
export const DEFAULT_JUDGE_MODEL = "openai:gpt-4.1-mini-2025-04-14";

/**
 * Evals of the built-in chains: banking-intents by exact match of its label; support-triage by
 * field match on its queue plus a regex check that the deciding tier is one it declares; sql-qa by
 * an LLM judge of the answer against the reference answer (and schema validity).
 */
export const builtinEvals: EvalsConfig = {
  minKappa: 0.6,
  chains: {
    "banking-intents": [{ type: "field_match", fields: ["label"], key: "exact_match" }],
    "support-triage": [
      { type: "field_match", fields: ["queue"] },
      {
        type: "regex",
        field: "tier",
        pattern: "^(queue-rules|keyword-scores|fallback-other)$",
        key: "tier_known",
      },
    ],
    "sql-qa": [{ judge: "sql_answer_correct" }, { type: "schema_valid" }],
  },
  judges: {
    sql_answer_correct: {
      model: DEFAULT_JUDGE_MODEL,
      scale: "pass_fail",
      rubric:
        "The output's answer gives the same figures or names as the reference answer (wording, rounding to the cent and order may differ). A refusal passes only when the reference is a refusal too.",
    },
  },
};

/** The eval data shipped with the built-in chains: a labelled file per chain. */
export const BUILTIN_EVAL_DATA: Readonly<Record<string, string>> = {
  "banking-intents": fileURLToPath(new URL("../data/banking77/sample.jsonl", import.meta.url)),
  "support-triage": fileURLToPath(new URL("../data/support-triage/holdout.jsonl", import.meta.url)),
  "sql-qa": fileURLToPath(new URL("../data/sql-qa/eval.jsonl", import.meta.url)),
};

/** Human verdicts on sql-qa answers, for `catena judge align sql_answer_correct --labels <this>`. */
export const SQL_QA_JUDGE_LABELS = fileURLToPath(
  new URL("../data/sql-qa/judge-labels.jsonl", import.meta.url),
);
