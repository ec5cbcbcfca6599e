import type { z } from "zod";
import type { LabelResult } from "../types.ts";
import type { ChatModelInput } from "./chat-model-resolver.ts";
import type { FewShotExample, LlmPromptInput } from "./llm-prompt.ts";
import type { RateLimits } from "./provider-rate-limiter.ts";
import type { ResponseCache } from "./response-cache.ts";
import type { RetryPolicy } from "./retry-policy.ts";

/** Options of an `llm` step. Model, prompt, schema, labels, examples and sampling settings are fingerprinted. */
export interface LlmStepOptions {
  /**
   * `"provider:model"` resolved through LangChain's `initChatModel` (pin a dated snapshot, e.g.
   * `"openai:gpt-4.1-mini-2025-04-14"`), or any LangChain chat model instance.
   */
  model: ChatModelInput;
  /** A user message template, `{ system, user }` templates, or a LangChain `ChatPromptTemplate`. */
  prompt: LlmPromptInput;
  /** A zod schema of the answer: the step asks for structured output and validates against it. */
  schema?: z.ZodType;
  /** Makes a labelling step: the answer's `label` is one of these, with a confidence. */
  labels?: readonly string[];
  /**
   * The step's input schema: the prompt's variables are checked against its keys when the step is
   * defined, and each input is validated with it. Without it, `defineChain` checks the variables
   * against the chain's input when the step reads the chain's input.
   */
  input?: z.ZodType;
  /** Worked examples (e.g. from a dataset), shown as user/assistant turns before the input. */
  examples?: readonly FewShotExample[];
  temperature?: number;
  maxTokens?: number;
  seed?: number;
  /** Models tried in order when the model keeps failing (retries used up, or a non-retryable error). */
  fallbacks?: readonly ChatModelInput[];
  /** How each model is retried on 429, 5xx, connection errors and timeouts. */
  retry?: Partial<RetryPolicy>;
  /**
   * Timeout of each model call, in milliseconds (default 60 s); a call that times out is retried.
   * The client Catena builds for an OpenAI model id waits past it (its own `timeout` is set a second
   * longer when this is over its 10 minutes); a chat model instance keeps its own `timeout`.
   * A whole number from 1 to 2147483647: anything else (0, negative, NaN, 1.5) is refused when the
   * step is defined, as are impossible values of the other numeric options (see `checkLlmStepNumbers`).
   */
  callTimeoutMs?: number;
  /** Timeout of the whole step (every call, retry and fallback), as for every step kind. */
  timeoutMs?: number;
  /**
   * Whether a plain answer (no `schema`, no `labels`) with no text is the step's output, `""`
   * (default true: "reply with nothing if there is no PII" is answered so). With `false` an empty
   * answer is a failure, retried as a provider's. Either way an answer cut off by the token limit
   * before any text fails (raise `maxTokens`), and one the provider billed tokens for but sent no
   * text is retried.
   */
  allowEmpty?: boolean;
  /** Times an answer that fails the schema is sent back to the model with the errors (default 1). */
  repairs?: number;
  /**
   * For labelling steps whose provider gives no log-probabilities: the number of answers drawn, the
   * confidence being the share that agree (default 1: the confidence is then reported as 1).
   */
  samples?: number;
  /** Ask for token log-probabilities (default: true for labelling steps). */
  logprobs?: boolean;
  /** Acceptance threshold when the step is a cascade tier. */
  threshold?: number;
  /** Limits of the model's endpoint, shared by every step and run of the process that uses it. */
  rateLimit?: RateLimits;
  /** A response cache, a cache directory, or `false`; default: the process-wide default (off unless set). */
  cache?: ResponseCache | string | false;
  /** How structured output is asked for (default: LangChain's choice for the model, json_schema for OpenAI). */
  method?: "jsonSchema" | "functionCalling" | "jsonMode";
  /** API key for models given by id (default `OPENAI_API_KEY`). */
  apiKey?: string;
  /** Base URL of an OpenAI-compatible server for models given by id (default `OPENAI_BASE_URL`). */
  baseURL?: string;
}

/** Where a labelling step's confidence comes from. */
export type ConfidenceSource = "logprobs" | "samples" | "none";

/** What a labelling llm step returns: the label, its confidence and the model that answered. */
export interface LlmLabelResult<TLabel extends string = string> extends LabelResult<TLabel> {
  label: TLabel;
  confidence: number;
  confidenceFrom: ConfidenceSource;
  model: string;
}
