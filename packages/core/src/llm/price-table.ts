import { parseModelId } from "./model-id.ts";

/** What a model costs, in US dollars per million tokens. */
export interface ModelPrice {
  inputPerMillion: number;
  outputPerMillion: number;
}

/**
 * List prices of common OpenAI models (USD per million tokens, standard tier, as published in
 * mid-2025). Snapshots inherit the price of their alias; override with {@link setModelPrice}.
 */
export const DEFAULT_MODEL_PRICES: Readonly<Record<string, ModelPrice>> = {
  "gpt-5": { inputPerMillion: 1.25, outputPerMillion: 10 },
  "gpt-5-mini": { inputPerMillion: 0.25, outputPerMillion: 2 },
  "gpt-5-nano": { inputPerMillion: 0.05, outputPerMillion: 0.4 },
  "gpt-4.1": { inputPerMillion: 2, outputPerMillion: 8 },
  "gpt-4.1-mini": { inputPerMillion: 0.4, outputPerMillion: 1.6 },
  "gpt-4.1-nano": { inputPerMillion: 0.1, outputPerMillion: 0.4 },
  "gpt-4o": { inputPerMillion: 2.5, outputPerMillion: 10 },
  "gpt-4o-2024-05-13": { inputPerMillion: 5, outputPerMillion: 15 },
  "gpt-4o-mini": { inputPerMillion: 0.15, outputPerMillion: 0.6 },
  "gpt-4-turbo": { inputPerMillion: 10, outputPerMillion: 30 },
  "gpt-4": { inputPerMillion: 30, outputPerMillion: 60 },
  "gpt-3.5-turbo": { inputPerMillion: 0.5, outputPerMillion: 1.5 },
  o1: { inputPerMillion: 15, outputPerMillion: 60 },
  "o1-mini": { inputPerMillion: 1.1, outputPerMillion: 4.4 },
  o3: { inputPerMillion: 2, outputPerMillion: 8 },
  "o3-mini": { inputPerMillion: 1.1, outputPerMillion: 4.4 },
  "o4-mini": { inputPerMillion: 1.1, outputPerMillion: 4.4 },
  "text-embedding-3-small": { inputPerMillion: 0.02, outputPerMillion: 0 },
  "text-embedding-3-large": { inputPerMillion: 0.13, outputPerMillion: 0 },
  "text-embedding-ada-002": { inputPerMillion: 0.1, outputPerMillion: 0 },
};

const overrides = new Map<string, ModelPrice>();

/**
 * Sets (or, with `undefined`, removes) the price of a model for this process: an exact id
 * (`"openai:gpt-4.1-mini-2025-04-14"`), a model name, or an alias that its snapshots inherit.
 *
 * @example
 * setModelPrice("ollama:llama3.1:8b", { inputPerMillion: 0, outputPerMillion: 0 });
 */
export function setModelPrice(model: string, price: ModelPrice | undefined): void {
  if (price === undefined) overrides.delete(model);
  else overrides.set(model, price);
}

/**
 * The price of a model: an override for the exact id, then for the model name, then the default
 * table; each first as given, then with its snapshot suffix (date, revision) removed.
 *
 * @example
 * modelPrice("openai:gpt-4.1-mini-2025-04-14") // { inputPerMillion: 0.4, outputPerMillion: 1.6 }
 */
export function modelPrice(id: string): ModelPrice | undefined {
  const name = parseModelId(id)?.model ?? id;
  const candidates = [id, name, withoutSnapshot(name)];
  for (const key of candidates) {
    const price = overrides.get(key);
    if (price) return price;
  }
  for (const key of candidates) {
    const price = DEFAULT_MODEL_PRICES[key];
    if (price) return price;
  }
  return undefined;
}

/** Cost in US dollars of a call's tokens at a price; 0 when the price is unknown. */
export function costOf(price: ModelPrice | undefined, inputTokens: number, outputTokens: number): number {
  if (price === undefined) return 0;
  return (inputTokens * price.inputPerMillion + outputTokens * price.outputPerMillion) / 1_000_000;
}

function withoutSnapshot(model: string): string {
  return model.replace(/-(\d{4}-\d{2}-\d{2}|\d{8}|\d{4}|\d{3})$/, "");
}
