// Spelled out rather than taken from run-page-query.ts, which uses this module (no import cycle).
const metadataSql = (alias: string, key: string) => `json_extract(${alias}.extra, '$.metadata.${key}')`;

/**
 * The tiers a run is given when its trace names none: its chain has no cascade (or it is not a
 * Catena run), so the tier is what kind of step answered.
 */
export const DERIVED_TIERS = {
  /** The answer came from an LLM: a model id that is no classifier's hash, tokens, or an `llm` run. */
  llm: "llm",
  /** The answer came from a trained classifier (its model is the artifact's 64-hex content hash). */
  classifier: "classifier",
  /** No model step ran at all: code, rules or an outside client's runs without a model call. */
  none: "none",
} as const;

/**
 * SQL for the tier of root run `alias`, one rule for the runs table (column and filter), Trends and
 * the experiments' summaries:
 * 1. the tier that answered its last cascade, as the tracer put it on the root (`metadata.tier`);
 * 2. else `classifier` when the model it used is a trained classifier's hash;
 * 3. else `llm` when it used a model by name, counted tokens, or its trace has an `llm` run
 *    (a plain LLM chain, or a LangChain app traced with the SDK);
 * 4. else `none`: no model step ran.
 * The `llm` run lookup reads the `runs_trace` index, and only for runs the cheaper rules left open.
 */
export function answeringTierSql(alias: string): string {
  const tier = metadataSql(alias, "tier");
  const model = metadataSql(alias, "model");
  const tokensIn = metadataSql(alias, "tokens_in");
  // A number only: SQLite orders any text above every number, and `"lots" > 0` would hold.
  const tokens = `coalesce(${alias}.total_tokens, CASE WHEN typeof(${tokensIn}) IN ('integer', 'real') THEN ${tokensIn} END, 0)`;
  return `CASE
      WHEN typeof(${tier}) = 'text' AND ${tier} <> '' THEN ${tier}
      WHEN typeof(${model}) = 'text' AND length(${model}) = 64 AND ${model} NOT GLOB '*[^0-9a-fA-F]*'
        THEN '${DERIVED_TIERS.classifier}'
      WHEN typeof(${model}) = 'text' AND ${model} <> '' THEN '${DERIVED_TIERS.llm}'
      WHEN ${tokens} > 0 THEN '${DERIVED_TIERS.llm}'
      WHEN EXISTS (SELECT 1 FROM runs AS tier_llm WHERE tier_llm.trace_id = ${alias}.trace_id
        AND tier_llm.run_type = 'llm') THEN '${DERIVED_TIERS.llm}'
      ELSE '${DERIVED_TIERS.none}'
    END`;
}
