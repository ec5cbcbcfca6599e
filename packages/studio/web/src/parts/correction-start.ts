import type { JsonSchema } from "../types.ts";

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * What the correction editor starts from for a run with these outputs: the outputs themselves,
 * except for a deferred run, whose outputs are the deferral's record (`{status: "deferred",
 * deferred: {best: {tier, result}}}`), no answer of the chain: it starts from the cascade's best
 * guess, as an answer (`{...result, tier}`), kept to the fields the output schema names.
 */
export function correctionStart(outputs: unknown, schema: JsonSchema | undefined): unknown {
  if (!isRecord(outputs) || outputs.status !== "deferred" || !isRecord(outputs.deferred)) return outputs;
  const best = outputs.deferred.best;
  if (!isRecord(best) || !isRecord(best.result)) return outputs;
  const guess: Record<string, unknown> = { ...best.result, tier: best.tier };
  const properties = schema?.properties;
  if (!isRecord(properties)) return guess;
  return Object.fromEntries(Object.entries(guess).filter(([key]) => key in properties));
}
