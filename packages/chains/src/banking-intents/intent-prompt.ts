/*
 * The LLM tier's prompt: every intent with its one-line description, so the model chooses among
 * the same 77 labels as the cheap tiers (the step's `labels` option constrains its structured answer).
 */
import { INTENT_DESCRIPTIONS, INTENTS } from "./intents.ts";

/** System and user templates of the LLM tier; the user template's one variable is `{text}`. */
export const INTENT_PROMPT: { system: string; user: string } = {
  system: `You classify customer queries to an online bank into exactly one of 77 intents.
Answer with the intent's label exactly as written below. When several seem to fit, pick the one
whose description matches the customer's main problem (e.g. "pending" vs "declined" vs "reverted").

Intents:
${INTENTS.map((label) => `- ${label}: ${INTENT_DESCRIPTIONS[label]}`)
  .join("\n")
  .replace(/[{}]/g, (brace) => brace + brace)}`,
  user: "Customer query: {text}",
};
