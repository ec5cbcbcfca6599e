import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { ProviderNotConfiguredError } from "../errors/errors.ts";
import type { JsonValue } from "../types.ts";
import { canonicalJson } from "../versioning/canonical-json.ts";
import { loadLangChain } from "./langchain-runtime.ts";
import { MAX_TIMER_MS } from "./max-timer-ms.ts";
import { parseModelId } from "./model-id.ts";
import type { RateLimitTarget } from "./rate-limit-registry.ts";
import { meteredFetch } from "./response-meter.ts";
import { knownSecrets } from "./secret-text.ts";

/** A model as an llm step takes it: a provider-qualified id, or a LangChain chat model instance. */
export type ChatModelInput = string | BaseChatModel;

/** Settings applied to models given by id (instances keep their own). */
export interface ModelSettings {
  temperature?: number;
  maxTokens?: number;
  /** Ask for token log-probabilities (for label confidence). */
  logprobs?: boolean;
  /** API key; default `OPENAI_API_KEY` for OpenAI. */
  apiKey?: string;
  /** Base URL of an OpenAI-compatible server; default `OPENAI_BASE_URL`. */
  baseURL?: string;
}

/** A model ready to call, with what the step needs to know about it. */
export interface ResolvedModel {
  /** `provider:model`, as reported in errors, usage and the cache key. */
  id: string;
  chat: BaseChatModel;
  /** The endpoint whose rate limit the calls count against. */
  endpoint: RateLimitTarget;
  /**
   * How long the model's client waits for an answer on its own (the OpenAI client's `timeout`),
   * when known: tells its timeout from another it reports the same way (see classifyProviderError).
   */
  clientTimeoutMs?: number;
  /**
   * The secrets of the model's calls, hidden wherever a provider's error echoes them: its API key
   * and the secret-looking segments of its base URL (see `knownSecrets`).
   */
  secrets: readonly string[];
}

/** What is known of a model when the chain is defined: its id and its fingerprinted description. */
export interface ModelDescription {
  id: string;
  spec: JsonValue;
}

// Parameters of an instance that change its answers; secrets and client settings stay out of the spec.
const BEHAVIOUR_PARAMS = [
  "model",
  "temperature",
  "max_tokens",
  "max_completion_tokens",
  "top_p",
  "frequency_penalty",
  "presence_penalty",
  "seed",
  "n",
  "stop",
  "logprobs",
  "top_logprobs",
  "reasoning_effort",
  "reasoning",
] as const;

/**
 * Describes a model for the chain's fingerprint without loading LangChain: a string id as given,
 * an instance by its provider, model name and answer-changing parameters.
 *
 * @example
 * describeModel("openai:gpt-4.1-mini-2025-04-14").id // "openai:gpt-4.1-mini-2025-04-14"
 */
export function describeModel(model: ChatModelInput): ModelDescription {
  if (typeof model === "string") {
    const parsed = parseModelId(model);
    const id = parsed ? `${parsed.provider}:${parsed.model}` : model;
    return { id, spec: id };
  }
  const id = instanceId(model);
  let params: Record<string, unknown> = {};
  try {
    params = (model as { invocationParams?: () => Record<string, unknown> }).invocationParams?.() ?? {};
  } catch {
    // Some models need call options to compute their parameters; the id alone then describes them.
  }
  const kept: Record<string, unknown> = {};
  for (const key of BEHAVIOUR_PARAMS) if (params[key] !== undefined) kept[key] = params[key];
  return { id, spec: { id, params: JSON.parse(canonicalJson(kept)) as JsonValue } };
}

const resolved = new Map<string, Promise<BaseChatModel>>();

/**
 * Turns a step's model into a callable LangChain chat model. Ids go through `initChatModel`, with
 * LangChain's own retries off (`maxRetries: 0`: the step retries, so that backoff, `Retry-After`
 * and fallbacks are its own) and the key and base URL from the settings or the environment;
 * OpenAI's client fetches through {@link meteredFetch}, so that every billed answer is counted,
 * and waits past `callTimeoutMs` (its own `timeout` is 10 minutes unless set: a step allowed longer
 * must not be cut by it). An OpenAI instance without a base URL of its own goes where its client
 * does: to `OPENAI_BASE_URL` when that is set.
 * Throws `ProviderNotConfiguredError` naming the variables to set when there is neither.
 */
export async function resolveChatModel(
  model: ChatModelInput,
  settings: ModelSettings,
  step: string,
  callTimeoutMs?: number,
): Promise<ResolvedModel> {
  if (typeof model !== "string") {
    const provider = instanceId(model).split(":")[0] as string;
    const openAi = OPENAI_CLIENTS.has(provider);
    const own = (model as { clientConfig?: { baseURL?: unknown } }).clientConfig?.baseURL;
    // The OpenAI client reads OPENAI_BASE_URL itself when given no base URL.
    const baseURL =
      typeof own === "string" ? own : openAi ? process.env.OPENAI_BASE_URL || undefined : undefined;
    const timeout = (model as { timeout?: unknown }).timeout;
    const clientTimeoutMs =
      typeof timeout === "number" ? timeout : openAi ? OPENAI_CLIENT_TIMEOUT_MS : undefined;
    // ChatOpenAI keeps its key as `apiKey` (and `openAIApiKey`), AzureChatOpenAI as
    // `azureOpenAIApiKey`, other clients as `apiKey` too: every one is hidden where echoed.
    const key = [
      (model as { apiKey?: unknown }).apiKey,
      (model as { openAIApiKey?: unknown }).openAIApiKey,
      (model as { azureOpenAIApiKey?: unknown }).azureOpenAIApiKey,
    ].filter((k): k is string => typeof k === "string");
    return {
      id: instanceId(model),
      chat: model,
      endpoint: baseURL === undefined ? { provider } : { provider, baseURL },
      ...(clientTimeoutMs === undefined ? {} : { clientTimeoutMs }),
      secrets: knownSecrets(key, baseURL),
    };
  }
  const parsed = parseModelId(model);
  if (parsed === undefined) {
    throw new ProviderNotConfiguredError(
      `llm step "${step}": cannot tell the provider of model "${model}"; write it as "provider:model", e.g. "openai:${model}".`,
      { details: { step, model } },
    );
  }
  const id = `${parsed.provider}:${parsed.model}`;
  const params: Record<string, unknown> = { modelProvider: parsed.provider, maxRetries: 0 };
  if (settings.temperature !== undefined) params.temperature = settings.temperature;
  if (settings.maxTokens !== undefined) params.maxTokens = settings.maxTokens;
  if (settings.logprobs === true) params.logprobs = true;
  let endpoint: RateLimitTarget = { provider: parsed.provider };
  let clientTimeoutMs: number | undefined;
  if (parsed.provider === "openai") {
    clientTimeoutMs = clientTimeoutPast(callTimeoutMs);
    params.timeout = clientTimeoutMs;
    const apiKey = settings.apiKey || process.env.OPENAI_API_KEY || undefined;
    const baseURL = settings.baseURL || process.env.OPENAI_BASE_URL || undefined;
    if (apiKey === undefined && baseURL === undefined) {
      throw new ProviderNotConfiguredError(
        `llm step "${step}": no provider configured for model "${id}". Set OPENAI_API_KEY to use OpenAI, or OPENAI_BASE_URL to use an OpenAI-compatible server (Ollama, vLLM, llama.cpp), or pass a LangChain chat model instance as \`model\`.`,
        { details: { step, model: id, variables: ["OPENAI_API_KEY", "OPENAI_BASE_URL"] } },
      );
    }
    // Local OpenAI-compatible servers need no key, but the OpenAI client refuses to start without one.
    params.apiKey = apiKey ?? NO_KEY;
    // Every answer's usage is read from the HTTP body, including answers the client then rejects.
    params.configuration = baseURL === undefined ? { fetch: meteredFetch } : { baseURL, fetch: meteredFetch };
    if (baseURL !== undefined) endpoint = { provider: parsed.provider, baseURL };
  } else {
    if (settings.apiKey !== undefined) params.apiKey = settings.apiKey;
    if (settings.baseURL !== undefined) {
      params.baseUrl = settings.baseURL;
      endpoint = { provider: parsed.provider, baseURL: settings.baseURL };
    }
  }
  const key = JSON.stringify([id, params]);
  let chat = resolved.get(key);
  if (chat === undefined) {
    chat = initModel(parsed.model, params, id, step);
    resolved.set(key, chat);
    chat.catch(() => resolved.delete(key));
  }
  return {
    id,
    chat: await chat,
    endpoint,
    ...(clientTimeoutMs === undefined ? {} : { clientTimeoutMs }),
    secrets: knownSecrets(
      typeof params.apiKey === "string" && params.apiKey !== NO_KEY ? params.apiKey : undefined,
      endpoint.baseURL,
    ),
  };
}

/** The key given to the OpenAI client of a server that takes none (it refuses to start without one). */
const NO_KEY = "not-needed";

/** Providers (by `_llmType()`) whose instances are the OpenAI client's: ChatOpenAI, AzureChatOpenAI. */
const OPENAI_CLIENTS: ReadonlySet<string> = new Set(["openai", "azure_openai"]);

/** The OpenAI client's own `timeout` when none is given: 10 minutes. */
const OPENAI_CLIENT_TIMEOUT_MS = 600_000;

/**
 * The `timeout` of a client Catena builds: the client's default of 10 minutes, or a second past the
 * step's `callTimeoutMs` when that is longer, so that the step's own timeout ends a slow call (and
 * says so) before the client does.
 */
function clientTimeoutPast(callTimeoutMs: number | undefined): number {
  if (callTimeoutMs === undefined || !(callTimeoutMs > 0)) return OPENAI_CLIENT_TIMEOUT_MS;
  return Math.min(Math.max(callTimeoutMs + 1000, OPENAI_CLIENT_TIMEOUT_MS), MAX_TIMER_MS);
}

async function initModel(
  model: string,
  params: Record<string, unknown>,
  id: string,
  step: string,
): Promise<BaseChatModel> {
  const { initChatModel } = await loadLangChain();
  try {
    return (await initChatModel(model, params)) as unknown as BaseChatModel;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/Cannot find (package|module)|Unable to import|api.?key/i.test(message)) {
      throw new ProviderNotConfiguredError(
        `llm step "${step}": the provider of "${id}" is not set up (${message}). Install its LangChain package (e.g. \`pnpm add @langchain/${id.split(":")[0]}\`) and set its API key variable, or pass a chat model instance as \`model\`.`,
        { cause: error, details: { step, model: id } },
      );
    }
    throw error;
  }
}

/**
 * How many times a chat model instance retries on its own (LangChain's default is 6); 0 for ids,
 * which the step creates with `maxRetries: 0`.
 */
export function ownRetries(model: ChatModelInput): number {
  if (typeof model === "string") return 0;
  const retries = (model as unknown as { caller?: { maxRetries?: unknown } }).caller?.maxRetries;
  return typeof retries === "number" ? retries : 0;
}

function instanceId(model: BaseChatModel): string {
  const m = model as unknown as { model?: unknown; modelName?: unknown; _llmType?: () => string };
  const name =
    typeof m.model === "string" ? m.model : typeof m.modelName === "string" ? m.modelName : "unknown";
  const provider = typeof m._llmType === "function" ? m._llmType() : "unknown";
  return `${provider}:${name}`;
}
