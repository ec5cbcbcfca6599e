/** Token counts and costs of one run, as far as its outputs or metadata report them. */
export interface RunUsage {
  prompt_tokens: number | null;
  completion_tokens: number | null;
  total_tokens: number | null;
  prompt_cost: number | null;
  completion_cost: number | null;
  total_cost: number | null;
}

/**
 * Reads a run's own token usage from where LangChain and the SDK put it: `outputs.usage_metadata`
 * (LangChain messages, `traceable` LLM wrappers), `extra.metadata.usage_metadata`, LangChain's
 * `outputs.llm_output.token_usage`/`tokenUsage`, or the `generations[0][0].message` of a chat model
 * run. Costs come from `input_cost`/`output_cost`/`total_cost` next to the counts.
 */
export function extractRunUsage(outputs: unknown, extra: unknown): RunUsage {
  const usage =
    pick(outputs, ["usage_metadata"]) ??
    pick(extra, ["metadata", "usage_metadata"]) ??
    pick(outputs, ["llm_output", "token_usage"]) ??
    pick(outputs, ["llm_output", "tokenUsage"]) ??
    pick(outputs, ["generations", 0, 0, "message", "kwargs", "usage_metadata"]) ??
    pick(outputs, ["generations", 0, 0, "message", "usage_metadata"]);
  const prompt = numberAt(usage, ["input_tokens", "prompt_tokens", "promptTokens"]);
  const completion = numberAt(usage, ["output_tokens", "completion_tokens", "completionTokens"]);
  const total =
    numberAt(usage, ["total_tokens", "totalTokens"]) ??
    (prompt !== null || completion !== null ? (prompt ?? 0) + (completion ?? 0) : null);
  const promptCost = numberAt(usage, ["input_cost", "prompt_cost"]);
  const completionCost = numberAt(usage, ["output_cost", "completion_cost"]);
  const totalCost =
    numberAt(usage, ["total_cost"]) ??
    (promptCost !== null || completionCost !== null ? (promptCost ?? 0) + (completionCost ?? 0) : null);
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: total,
    prompt_cost: promptCost,
    completion_cost: completionCost,
    total_cost: totalCost,
  };
}

function pick(value: unknown, path: readonly (string | number)[]): Record<string, unknown> | undefined {
  let current = value;
  for (const key of path) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return typeof current === "object" && current !== null && !Array.isArray(current)
    ? (current as Record<string, unknown>)
    : undefined;
}

function numberAt(record: Record<string, unknown> | undefined, keys: readonly string[]): number | null {
  if (record === undefined) return null;
  for (const key of keys) {
    const value = record[key];
    if (typeof value === "number" && Number.isFinite(value)) return value;
  }
  return null;
}
