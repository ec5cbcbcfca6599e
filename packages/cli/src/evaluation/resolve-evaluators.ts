import { join } from "node:path";
import { builtinEvals } from "@catena/chains/evals";
import type { AnyChain } from "@catena/core";
import {
  DEFAULT_MIN_KAPPA,
  EVALS_CONFIG_FILE,
  type EvalsConfig,
  type Evaluator,
  type EvaluatorSpec,
  evaluatorFromSpec,
  exactMatch,
  fieldMatch,
  judgeSpecOf,
  type LlmJudge,
  readEvalsConfig,
  schemaValidity,
} from "@catena/core/evals";
import { CliError } from "../cli-error.ts";

/** The evaluators an eval uses, the LLM judges among them, and the kappa a gated judge needs. */
export interface ResolvedEvaluators {
  evaluators: Evaluator[];
  judges: LlmJudge[];
  minKappa: number;
}

/**
 * The project's `catena.evals.json` (in `cwd`) over the built-in chains' evals: the project's
 * chains and judges win by name.
 */
export async function evalsConfigIn(cwd: string): Promise<EvalsConfig> {
  const own = await readEvalsConfig(join(cwd, EVALS_CONFIG_FILE));
  return {
    minKappa: own?.minKappa ?? builtinEvals.minKappa ?? DEFAULT_MIN_KAPPA,
    chains: { ...builtinEvals.chains, ...own?.chains },
    judges: { ...builtinEvals.judges, ...own?.judges },
  };
}

/**
 * Picks the evaluators of `catena eval`: the names given with `--evaluators` (an evaluator of the
 * chain's config by key or type, a judge by name, or a generic `exact_match`, `field_match`,
 * `schema_valid`), else the chain's configured evaluators, else field match on the label field of a
 * labelling chain, else exact match and schema validity.
 */
export function resolveEvaluators(
  chain: AnyChain,
  config: EvalsConfig,
  names: readonly string[] | undefined,
  labelField: string | undefined,
): ResolvedEvaluators {
  const context = { outputSchema: chain.output };
  const build = (spec: EvaluatorSpec | { judge: string }): Evaluator => {
    if ("judge" in spec) {
      const judge = judgeSpecOf(config, spec.judge);
      if (judge === undefined)
        throw new CliError(
          `${EVALS_CONFIG_FILE}: ${chain.name} uses judge ${spec.judge}, which is not defined under "judges".`,
        );
      return evaluatorFromSpec(judge, context, `judge ${spec.judge}`);
    }
    return evaluatorFromSpec(spec, context, `${chain.name} evaluator ${spec.type}`);
  };
  const configured = (config.chains?.[chain.name] ?? []).map(build);
  let evaluators: Evaluator[];
  if (names === undefined || names.length === 0) {
    evaluators =
      configured.length > 0
        ? configured
        : labelField !== undefined
          ? [fieldMatch({ fields: [labelField] })]
          : [exactMatch(), schemaValidity(chain.output)];
  } else {
    evaluators = names.map((name) => {
      const found = configured.find((e) => e.key === name || e.kind === name);
      if (found) return found;
      const judge = judgeSpecOf(config, name);
      if (judge) return evaluatorFromSpec(judge, context, `judge ${name}`);
      if (name === "exact_match") return exactMatch();
      if (name === "field_match")
        return fieldMatch(labelField === undefined ? context : { fields: [labelField] });
      if (name === "schema_valid") return schemaValidity(chain.output);
      const known = [
        ...new Set([
          ...configured.map((e) => e.key),
          ...Object.keys(config.judges ?? {}),
          "exact_match",
          "field_match",
          "schema_valid",
        ]),
      ];
      throw new CliError(
        `--evaluators: no evaluator ${name} for ${chain.name} (known: ${known.join(", ")}); define it in ${EVALS_CONFIG_FILE}.`,
      );
    });
  }
  const judges = evaluators.filter((e): e is LlmJudge => e.kind === "llm_judge");
  return { evaluators, judges, minKappa: config.minKappa ?? DEFAULT_MIN_KAPPA };
}
