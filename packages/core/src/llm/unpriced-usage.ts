import { plural } from "../format/plural.ts";
import type { Usage } from "../types.ts";

/**
 * The tokens of a usage that has no cost: spent on models the price table does not know (a
 * fine-tune, a local OpenAI-compatible server). A cost budget cannot be kept over those.
 */
export function unpricedTokens(usage: Usage): number {
  return usage.costUsd > 0 ? 0 : usage.inputTokens + usage.outputTokens;
}

/** Why a cost budget stopped a batch or an experiment that spent tokens at no known price. */
export function unpricedBudgetReason(budgetUsd: number, tokens: number): string {
  return `a budget of ${budgetUsd} USD cannot be kept: ${plural(tokens, "model token was", "model tokens were")} spent at no known price (a model missing from the price table); give it one with setModelPrice("<provider:model>", { inputPerMillion, outputPerMillion }) in the chain's module, or run without the budget`;
}
