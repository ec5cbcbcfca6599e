import { createHash } from "node:crypto";
import type { BaseMessage } from "@langchain/core/messages";
import { canonicalJson } from "../versioning/canonical-json.ts";
import type { ModelSettings } from "./chat-model-resolver.ts";
import type { StructuredRequest } from "./structured-request.ts";

/** Everything that makes a model call's answer what it is, for {@link responseCacheKey}. */
export interface CachedRequest {
  model: string;
  settings: ModelSettings;
  seed: number | undefined;
  structured: StructuredRequest | undefined;
  messages: readonly BaseMessage[];
  /** Tells apart deliberate repeats of the same request. */
  sample: number;
}

/**
 * The response cache's key of a request: a hash of the model, the settings that change its answer
 * (not the key or the base URL), the seed, the structured-output request, the messages and the
 * sample number.
 *
 * @example
 * responseCacheKey({ model: "openai:gpt-4.1-mini", settings: {}, seed: undefined, structured: undefined, messages, sample: 0 })
 */
export function responseCacheKey(request: CachedRequest): string {
  const { model, settings, seed, structured, messages, sample } = request;
  const hashed = {
    model,
    temperature: settings.temperature ?? null,
    maxTokens: settings.maxTokens ?? null,
    logprobs: settings.logprobs ?? false,
    seed: seed ?? null,
    structured: structured ?? null,
    messages: messages.map((m) => ({ type: m.getType(), content: m.content })),
    sample,
  };
  return createHash("sha256").update(canonicalJson(hashed)).digest("hex");
}
