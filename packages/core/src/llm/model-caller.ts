import type { Callbacks } from "@langchain/core/callbacks/manager";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { AIMessage, BaseMessage } from "@langchain/core/messages";
import type { Runnable } from "@langchain/core/runnables";
import { abortReason, settle, sleep } from "../async/settle.ts";
import { ProviderNotConfiguredError } from "../errors/errors.ts";
import { type FailedCall, ModelRefusalError, ProviderError } from "../errors/llm-errors.ts";
import type { StepContext } from "../types.ts";
import { cachedResponseMessage, toCachedResponse } from "./cached-response-message.ts";
import {
  type ChatModelInput,
  type ModelSettings,
  type ResolvedModel,
  resolveChatModel,
} from "./chat-model-resolver.ts";
import { CONTENT_FILTERED, declinedAnswer, emptyAnswer, NO_CHOICES } from "./declined-answer.ts";
import { messageUsage } from "./message-usage.ts";
import {
  type ModelCallRecord,
  modelCallAnnotation,
  nextCallNumber,
  traceOtherCall,
} from "./model-call-trace.ts";
import { costOf, modelPrice } from "./price-table.ts";
import { shownBaseURL } from "./provider-credential.ts";
import { classifyProviderError, type ProviderFailure } from "./provider-failure.ts";
import type { RateLimits } from "./provider-rate-limiter.ts";
import { providerRateLimiter } from "./rate-limit-registry.ts";
import type { ResponseCache } from "./response-cache.ts";
import { responseCacheKey } from "./response-cache-key.ts";
import { type MeteredResponse, metered, ResponseMeter } from "./response-meter.ts";
import { type RetryPolicy, retryDelay } from "./retry-policy.ts";
import { redactErrorSecrets } from "./secret-text.ts";
import { contentText } from "./structured-answer.ts";
import type { StructuredRequest } from "./structured-request.ts";
import { estimateTokens } from "./token-estimate.ts";
import { structuredCutOff, tokenLimitReason, wholeCutAnswer } from "./token-limit.ts";
import { tokenSink, withTokenHandler } from "./token-stream-handler.ts";
import { UnreadableAnswer, unreadableReason } from "./unreadable-answer.ts";

/** Everything a {@link ModelCaller} needs to know, fixed when the step is defined. */
export interface ModelCallerOptions {
  step: string;
  /** The model, then its fallbacks in order. */
  models: readonly ChatModelInput[];
  settings: ModelSettings;
  seed?: number;
  retry: RetryPolicy;
  callTimeoutMs: number;
  rateLimit?: RateLimits;
  structured?: StructuredRequest;
  /** Whether a plain answer with no text is used (default true; see {@link emptyAnswer}). */
  allowEmpty?: boolean;
  /** The cache to use for a call; undefined to call the model. */
  cache: () => ResponseCache | undefined;
}

/** A model's answer: the message, which model gave it, whether it came from the cache, and the call. */
export interface ModelAnswer {
  message: AIMessage;
  model: string;
  cached: boolean;
  /** The call that answered, for the step's trace (`model-call-trace.ts`). */
  call: ModelCallRecord;
}

/**
 * Calls a step's model the careful way: through the cache, the provider's shared rate limiter and
 * a per-call timeout; retrying 429s, 5xx, connection errors and timeouts with exponential backoff
 * and jitter or the provider's `Retry-After`; then trying the fallback models in order. An answer
 * with no choices is retried; a plain answer with no text is used as it came, unless the token
 * limit cut it off before any text (not retried) or the provider billed tokens for text it did not
 * send (retried) (see {@link emptyAnswer}); a refusal or a content-filter stop moves on to the next
 * model and ends in `MODEL_REFUSED`. The tokens and cost of every billed call go to
 * `ctx.recordUsage` and the call's trace, whether its answer was used, unreadable or retried
 * (see {@link ResponseMeter}); an answer from the cache costs nothing but records what it would have
 * cost uncached (`cachedUsd`); LangChain's runs nest under the step's trace. Two calls count no
 * tokens: a stream cut off before its usage chunk (the provider never said; no estimate is made
 * up), and, for a model given as an instance (whose client Catena does not create, so has no
 * meter), an answer its client rejected before returning a message.
 */
export class ModelCaller {
  private readonly options: ModelCallerOptions;
  private readonly runnables = new WeakMap<BaseChatModel, Runnable<BaseMessage[], unknown>>();

  constructor(options: ModelCallerOptions) {
    this.options = options;
  }

  /** One answer to `messages`; `sample` tells apart deliberate repeats of the same request (in the cache). */
  async call(messages: BaseMessage[], ctx: StepContext, sample = 0): Promise<ModelAnswer> {
    const { step, models, settings, retry } = this.options;
    const failures: FailedCall[] = [];
    let notConfigured: ProviderNotConfiguredError | undefined;
    let lastError: unknown;
    // A failed call is traced as an attempt of its own once another call follows it, ending when
    // it failed: the wait before the retry is not the call's time.
    let failedCall:
      | { call: ModelCallRecord; error: unknown; answer?: AIMessage; endTime: number }
      | undefined;
    const traceFailedCall = (): void => {
      if (failedCall === undefined) return;
      const { call, ...outcome } = failedCall;
      traceOtherCall(ctx.trace, `${step} (attempt ${call.attempt})`, call, outcome);
      failedCall = undefined;
    };
    // Fetched once a model is ready to call: an item that never reaches a model needs no LangChain tracer.
    let callbacks: Promise<Callbacks | undefined> | undefined;
    for (const [index, input] of models.entries()) {
      let model: ResolvedModel;
      try {
        model = await resolveChatModel(input, settings, step, this.options.callTimeoutMs);
      } catch (error) {
        if (!(error instanceof ProviderNotConfiguredError)) throw error;
        notConfigured ??= error;
        continue;
      }
      const cache = this.options.cache();
      const key = cache
        ? responseCacheKey({
            model: model.id,
            settings,
            seed: this.options.seed,
            structured: this.options.structured,
            messages,
            sample,
          })
        : undefined;
      if (cache && key) {
        const hit = await cache.get(key);
        const cached = hit ? await cachedResponseMessage(hit) : undefined;
        if (hit && cached && !this.refusesCached(cached)) {
          const message = cached;
          // A cached answer has no pieces to stream: it comes whole, so listeners still see the text.
          const sink = tokenSink(ctx);
          if (sink) {
            const text = contentText(message.content);
            if (text !== "") sink(text);
          }
          traceFailedCall();
          const call = this.record(ctx, hit.model, messages);
          // Nothing is spent, but what the answer would cost uncached is said apart, so that a
          // comparison of versions is not skewed by which one found its answers in the cache.
          if (hit.usage !== undefined) {
            ctx.recordUsage({
              cachedUsd: costOf(modelPrice(hit.model), hit.usage.inputTokens, hit.usage.outputTokens),
            });
          }
          return { message, model: hit.model, cached: true, call };
        }
      }
      const limiter = providerRateLimiter(model.endpoint);
      const baseURL = shownBaseURL(model.endpoint.baseURL);
      if (this.options.rateLimit) limiter.configure(this.options.rateLimit);
      const estimate = estimateTokens(messages, settings.maxTokens);
      // Tracing never makes a step fail: callbacks that cannot be had are left out.
      callbacks ??= Promise.resolve(ctx.trace.langchainCallbacks?.({ internals: true })).then(
        (c) => c as Callbacks | undefined,
        () => undefined,
      );
      for (let attempt = 1; attempt <= retry.attempts; attempt++) {
        const permit = await limiter.acquire(estimate, ctx.signal);
        traceFailedCall();
        const call = this.record(ctx, model.id, messages);
        const timeout = new AbortController();
        const timer = setTimeout(() => timeout.abort(), this.options.callTimeoutMs);
        const meter = new ResponseMeter();
        const resolvedCallbacks = await callbacks;
        let message: AIMessage | undefined;
        let thrown: unknown;
        const signal = AbortSignal.any([ctx.signal, timeout.signal]);
        const began = performance.now();
        try {
          // Raced against the signal: a client that ignores it (a custom fetch, LangChain's token
          // estimate fetching its tables) must not hold the step past its timeout.
          message = await metered(meter, async () =>
            settle(
              this.invoke(model, messages, signal, resolvedCallbacks, tokenSink(ctx)),
              `llm step "${step}"`,
              signal,
              undefined,
            ),
          );
        } catch (error) {
          thrown = error;
        } finally {
          clearTimeout(timer);
        }
        // The OpenAI client refuses a json-schema answer the token limit stopped before LangChain
        // sees it; one whose JSON was complete all the same is whole (see completeJsonAnswer), and
        // is read from the body Catena metered, as the same answer asked for in json mode is.
        if (message === undefined && this.options.structured !== undefined && !timeout.signal.aborted) {
          message = await wholeCutAnswer(meter.last, thrown);
        }
        // Every billed answer counts, read or not: the provider's figures from the HTTP body,
        // else (providers whose client Catena does not create) LangChain's from the message.
        const billed = await meter.settled();
        const tokens = message !== undefined && !billed.reported ? messageUsage(message) : billed;
        const spent = tokens.inputTokens + tokens.outputTokens;
        permit.settle(spent || (message === undefined ? 0 : estimate));
        if (spent > 0) {
          call.usage = { inputTokens: tokens.inputTokens, outputTokens: tokens.outputTokens };
          ctx.recordUsage({
            inputTokens: tokens.inputTokens,
            outputTokens: tokens.outputTokens,
            costUsd: costOf(modelPrice(model.id), tokens.inputTokens, tokens.outputTokens),
          });
        }
        let failure: ProviderFailure;
        if (message !== undefined) {
          const declined =
            declinedAnswer(meter.last, message) ??
            (this.options.structured === undefined
              ? emptyAnswer(meter.last, message, this.options.allowEmpty)
              : structuredCutOff(meter.last, message.response_metadata, undefined, message));
          if (declined === undefined) {
            this.warnIfCut(ctx, model.id, meter.last, message);
            if (cache && key) {
              await cache.set(key, toCachedResponse(message, model.id)).catch((error: unknown) => {
                ctx.logger.warn(`llm step "${step}": could not write the response cache`, {
                  error: String(error),
                });
              });
            }
            return { message, model: model.id, cached: false, call };
          }
          failure = declined;
          lastError = new Error(declined.message);
          failedCall = { call, error: lastError, answer: message, endTime: Date.now() };
        } else {
          if (ctx.signal.aborted) throw abortReason(ctx.signal, `llm step "${step}"`);
          // The error is the step's failure's cause, which a results file, a log and the trace
          // show: the provider's text in it may echo the key or a secret part of the URL.
          redactErrorSecrets(thrown, model.secrets);
          const answer = meter.last;
          const filtered = answer?.finishReason === "content_filter" ? CONTENT_FILTERED : undefined;
          // A structured answer the token limit cut fails however it was read (the client may
          // reject it itself, or LangChain's parser after it): its JSON is incomplete.
          const cut =
            filtered === undefined && this.options.structured !== undefined && !timeout.signal.aborted
              ? structuredCutOff(answer, undefined, thrown)
              : undefined;
          const unreadable =
            filtered === undefined && cut === undefined ? unreadableReason(thrown) : undefined;
          if (unreadable !== undefined) {
            throw new UnreadableAnswer(model.id, unreadable, thrown, call, answer?.content ?? "");
          }
          lastError = thrown;
          failedCall = { call, error: thrown, endTime: Date.now() };
          failure =
            filtered ??
            cut ??
            (timeout.signal.aborted
              ? {
                  kind: "timeout",
                  retryable: true,
                  message: `no answer within ${this.options.callTimeoutMs} ms (the step's \`callTimeoutMs\`)`,
                  namesTimeout: true,
                }
              : answer?.choices === 0
                ? NO_CHOICES
                : classifyProviderError(thrown, {
                    elapsedMs: performance.now() - began,
                    ...(model.clientTimeoutMs === undefined
                      ? {}
                      : { clientTimeoutMs: model.clientTimeoutMs }),
                    fromId: typeof input === "string",
                    secrets: model.secrets,
                  }));
        }
        failures.push({
          model: model.id,
          attempt,
          kind: failure.kind,
          retryable: failure.retryable,
          message: failure.message,
          ...(failure.status === undefined ? {} : { status: failure.status }),
          ...(failure.namesTimeout === true ? { namesTimeout: true } : {}),
          ...(failure.shouldRetry === undefined ? {} : { shouldRetry: failure.shouldRetry }),
          ...(baseURL === undefined ? {} : { baseURL }),
        });
        if (!failure.retryable || attempt === retry.attempts) break;
        const delay = retryDelay(retry, attempt, failure.retryAfterMs);
        if (delay === undefined) {
          const last = failures.at(-1);
          if (last !== undefined && failure.retryAfterMs !== undefined) {
            last.refusedWaitMs = failure.retryAfterMs;
            last.maxWaitMs = retry.maxRetryAfterMs;
          }
          break;
        }
        ctx.logger.debug(
          `llm step "${step}": ${model.id} failed (${failure.kind}); retrying in ${Math.round(delay)} ms`,
          {
            attempt,
            status: failure.status,
          },
        );
        await sleep(delay, ctx.signal);
      }
      const next = models[index + 1];
      if (next !== undefined) {
        ctx.logger.warn(`llm step "${step}": ${model.id} keeps failing; trying the next fallback model`, {
          failures: failures.length,
        });
      }
    }
    // The last call's error is the step's: its run shows that call's messages and model.
    if (failedCall !== undefined)
      ctx.trace.annotate?.(modelCallAnnotation(failedCall.call, failedCall.answer));
    if (failures.length === 0 && notConfigured) throw notConfigured;
    const last = failures.at(-1);
    if (last !== undefined && (last.kind === "refusal" || last.kind === "content-filter")) {
      throw new ModelRefusalError(step, failures, { cause: lastError });
    }
    throw new ProviderError(step, failures, {
      cause: lastError,
      ...(notConfigured ? { details: { notConfigured: notConfigured.message } } : {}),
    });
  }

  /** An empty answer cached by a step that allows it is no answer for one that does not. */
  private refusesCached(message: AIMessage): boolean {
    const { structured, allowEmpty } = this.options;
    return (
      structured === undefined && allowEmpty === false && emptyAnswer(undefined, message, false) !== undefined
    );
  }

  /**
   * A plain answer stopped by the token limit is kept, but said: it is probably missing its end. A
   * structured answer stopped by it is used only when its JSON was complete (see
   * `completeJsonAnswer`): said too, as the limit left no room to spare.
   */
  private warnIfCut(
    ctx: StepContext,
    model: string,
    answer: MeteredResponse | undefined,
    message: AIMessage,
  ): void {
    const cut = tokenLimitReason(answer, message.response_metadata);
    if (cut === undefined) return;
    const said =
      this.options.structured === undefined
        ? "was cut off by the token limit"
        : "reached the token limit just as its JSON was complete; it is used";
    ctx.logger.warn(
      `llm step "${this.options.step}": the answer of ${model} ${said} (${cut}); raise \`maxTokens\` or ask for a shorter answer.`,
      { maxTokens: this.options.settings.maxTokens },
    );
  }

  private record(ctx: StepContext, model: string, messages: BaseMessage[]): ModelCallRecord {
    return {
      startTime: Date.now(),
      messages,
      model,
      settings: this.options.settings,
      attempt: nextCallNumber(ctx),
    };
  }

  private async invoke(
    model: ResolvedModel,
    messages: BaseMessage[],
    signal: AbortSignal,
    callbacks: Callbacks | undefined,
    onToken: ((text: string) => void) | undefined,
  ): Promise<AIMessage> {
    const config: Record<string, unknown> = { signal };
    if (callbacks !== undefined) config.callbacks = callbacks;
    if (this.options.seed !== undefined) config.seed = this.options.seed;
    const streamed = onToken === undefined ? undefined : await withTokenHandler(callbacks, onToken);
    if (streamed !== undefined) config.callbacks = streamed.callbacks;
    const structured = this.options.structured !== undefined;
    const result = await this.runnableFor(model.chat).invoke(messages, config);
    const message = (structured ? (result as { raw: unknown }).raw : result) as AIMessage;
    // Streamed log-probabilities arrive per chunk, beside the message: put them where invoke puts them.
    if (streamed !== undefined && streamed.logprobs.length > 0 && !message.response_metadata?.logprobs) {
      message.response_metadata = { ...message.response_metadata, logprobs: { content: streamed.logprobs } };
    }
    return message;
  }

  private runnableFor(chat: BaseChatModel): Runnable<BaseMessage[], unknown> {
    let runnable = this.runnables.get(chat);
    if (runnable === undefined) {
      const structured = this.options.structured;
      runnable = structured
        ? (chat.withStructuredOutput(structured.schema, {
            includeRaw: true,
            name: structured.name,
            ...(structured.method === undefined ? {} : { method: structured.method }),
          }) as Runnable<BaseMessage[], unknown>)
        : (chat as unknown as Runnable<BaseMessage[], unknown>);
      this.runnables.set(chat, runnable);
    }
    return runnable;
  }
}
