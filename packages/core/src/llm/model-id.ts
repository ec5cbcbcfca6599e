/** A model id split into its provider and the provider's model name. */
export interface ModelId {
  provider: string;
  model: string;
}

/**
 * Splits `"provider:model"`; without a prefix, infers the provider from well-known model names the
 * way LangChain's `initChatModel` does (gpt-*, o1/o3/o4 → openai; claude → anthropic; ...), and
 * returns undefined when it cannot.
 *
 * @example
 * parseModelId("openai:gpt-4.1-mini-2025-04-14") // { provider: "openai", model: "gpt-4.1-mini-2025-04-14" }
 */
export function parseModelId(id: string): ModelId | undefined {
  const colon = id.indexOf(":");
  if (colon > 0 && /^[a-z][a-z0-9_-]*$/.test(id.slice(0, colon))) {
    return { provider: id.slice(0, colon), model: id.slice(colon + 1) };
  }
  const provider = inferProvider(id);
  return provider === undefined ? undefined : { provider, model: id };
}

function inferProvider(model: string): string | undefined {
  if (/^(gpt-|o[134](-|$)|chatgpt-|text-embedding-)/.test(model)) return "openai";
  if (model.startsWith("claude")) return "anthropic";
  if (model.startsWith("gemini")) return "google-genai";
  if (model.startsWith("mistral")) return "mistralai";
  if (model.startsWith("command")) return "cohere";
  return undefined;
}

// Suffixes that pin a snapshot: a date (2024-08-06, 20241022), a month or day code (0613, 2407), a
// revision (-001), a version tag (-v2, @3), or a digest.
const PINNED =
  /(-\d{4}-\d{2}-\d{2}|-\d{8}|-\d{4}|-\d{3}|-v\d+(\.\d+)*|@\d+(\.\d+)*|@sha256:[0-9a-f]+|@[0-9a-f]{12,})$/i;

/**
 * True when a model id is a floating alias that the provider can repoint at a new snapshot
 * (`gpt-4o`, `o3-mini`, `claude-3-5-sonnet-latest`), false when it names a dated or versioned one.
 *
 * @example
 * isFloatingModel("openai:gpt-4o") // true
 * isFloatingModel("openai:gpt-4o-2024-08-06") // false
 */
export function isFloatingModel(id: string): boolean {
  const model = parseModelId(id)?.model ?? id;
  if (/(^|[-:@])latest$/i.test(model)) return true;
  return !PINNED.test(model);
}
