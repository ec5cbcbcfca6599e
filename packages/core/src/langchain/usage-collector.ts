import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import type { Callbacks } from "@langchain/core/callbacks/manager";
import type { LLMResult } from "@langchain/core/outputs";
import { costOf, modelPrice } from "../llm/price-table.ts";
import type { Usage } from "../types.ts";

/** Token counts as LangChain's `usage_metadata` has them. */
interface UsageMetadata {
  input_tokens?: number;
  output_tokens?: number;
}

/**
 * A LangChain callback handler that adds the tokens and cost of every model call under it to a
 * step's usage: the calls of a runnable that a step wraps, and those of a Catena chain run inside
 * it (its steps hand the callbacks down). Tokens come from LangChain's `usage_metadata` on the
 * answer (`llmOutput.tokenUsage` for models without it), the price from the model the call names.
 * A call that ends in `handleLLMError` counts nothing: LangChain gives no usage with the error, even
 * when the provider billed an answer its client then rejected.
 */
export class UsageCollector extends BaseCallbackHandler {
  name = "catena_usage";
  // Awaited, so that the usage is recorded before the step's result is: LangChain may otherwise run
  // handlers in the background after `invoke` resolves.
  override awaitHandlers = true;
  readonly #record: (usage: Usage) => void;
  readonly #models = new Map<string, string>();

  constructor(record: (usage: Usage) => void) {
    super();
    this.#record = record;
  }

  override handleChatModelStart(
    _llm: unknown,
    _messages: unknown,
    runId: string,
    _parentRunId?: string,
    extraParams?: Record<string, unknown>,
    _tags?: string[],
    metadata?: Record<string, unknown>,
  ): void {
    this.#remember(runId, extraParams, metadata);
  }

  override handleLLMStart(
    _llm: unknown,
    _prompts: string[],
    runId: string,
    _parentRunId?: string,
    extraParams?: Record<string, unknown>,
    _tags?: string[],
    metadata?: Record<string, unknown>,
  ): void {
    this.#remember(runId, extraParams, metadata);
  }

  override handleLLMEnd(output: LLMResult, runId: string): void {
    const model = this.#models.get(runId);
    this.#models.delete(runId);
    const { inputTokens, outputTokens } = tokensOf(output);
    if (inputTokens === 0 && outputTokens === 0) return;
    const costUsd = model === undefined ? 0 : costOf(modelPrice(model), inputTokens, outputTokens);
    this.#record({ inputTokens, outputTokens, costUsd });
  }

  override handleLLMError(_error: unknown, runId: string): void {
    this.#models.delete(runId);
  }

  /** The model id (`provider:model`) a call names, for its price. */
  #remember(runId: string, extraParams?: Record<string, unknown>, metadata?: Record<string, unknown>): void {
    const invocation = extraParams?.invocation_params as
      | { model?: unknown; model_name?: unknown }
      | undefined;
    const name = metadata?.ls_model_name ?? invocation?.model ?? invocation?.model_name;
    if (typeof name !== "string") return;
    const provider = metadata?.ls_provider;
    this.#models.set(runId, typeof provider === "string" ? `${provider}:${name}` : name);
  }
}

/** The callbacks a runnable gets: the trace's (a manager or a list, or none) plus the collector. */
export function withCollector(callbacks: unknown, collector: UsageCollector): Callbacks {
  if (Array.isArray(callbacks)) return [...callbacks, collector];
  const manager = callbacks as { copy?: (handlers: BaseCallbackHandler[]) => Callbacks } | undefined;
  if (typeof manager?.copy === "function") return manager.copy([collector]);
  return [collector];
}

/** Tokens of one model call, summed over its prompts (the first answer per prompt carries the usage). */
function tokensOf(output: LLMResult): { inputTokens: number; outputTokens: number } {
  let inputTokens = 0;
  let outputTokens = 0;
  let found = false;
  for (const candidates of output.generations) {
    for (const generation of candidates) {
      const usage = (generation as { message?: { usage_metadata?: UsageMetadata } }).message?.usage_metadata;
      if (usage === undefined) continue;
      inputTokens += usage.input_tokens ?? 0;
      outputTokens += usage.output_tokens ?? 0;
      found = true;
      break;
    }
  }
  if (found) return { inputTokens, outputTokens };
  const tokenUsage = output.llmOutput?.tokenUsage as
    | { promptTokens?: number; completionTokens?: number }
    | undefined;
  return { inputTokens: tokenUsage?.promptTokens ?? 0, outputTokens: tokenUsage?.completionTokens ?? 0 };
}
