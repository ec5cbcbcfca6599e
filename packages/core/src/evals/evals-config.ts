import { readFile } from "node:fs/promises";
import { EvalsError } from "./evals-error.ts";
import type { EvaluatorSpec, JudgeSpec } from "./evaluator-spec.ts";

/**
 * `catena.evals.json`: evaluators per chain name, LLM judges by name (usable in any chain's list as
 * `{ "judge": "<name>" }` or by name in `--evaluators`), and the minimum kappa a judge needs before
 * a gate may use it.
 *
 * @example
 * { "minKappa": 0.6,
 *   "chains": { "support-triage": [{ "type": "field_match", "fields": ["queue"] }] },
 *   "judges": { "answer_ok": { "model": "openai:gpt-4.1-mini", "rubric": "..." } } }
 */
export interface EvalsConfig {
  minKappa?: number;
  chains?: Record<string, Array<EvaluatorSpec | { judge: string }>>;
  judges?: Record<string, Omit<JudgeSpec, "type" | "name">>;
}

/** The file name the CLI looks for in the project folder. */
export const EVALS_CONFIG_FILE = "catena.evals.json";

/** The minimum kappa a judge needs for a gate when the config names none. */
export const DEFAULT_MIN_KAPPA = 0.6;

/** Reads an evals config; undefined when the file does not exist, an `EVALUATOR_INVALID` error when it is not valid. */
export async function readEvalsConfig(path: string): Promise<EvalsConfig | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    return undefined;
  }
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (error) {
    throw new EvalsError("EVALUATOR_INVALID", `${path} is not valid JSON: ${(error as Error).message}`, {
      cause: error,
      details: { path },
    });
  }
  if (typeof config !== "object" || config === null || Array.isArray(config)) {
    throw new EvalsError(
      "EVALUATOR_INVALID",
      `${path} must hold an object with "chains", "judges" and "minKappa".`,
      {
        details: { path },
      },
    );
  }
  return config as EvalsConfig;
}

/** The judge spec of a named judge in a config, or undefined. */
export function judgeSpecOf(config: EvalsConfig | undefined, name: string): JudgeSpec | undefined {
  const judge = config?.judges?.[name];
  return judge === undefined ? undefined : { type: "llm_judge", name, ...judge };
}
