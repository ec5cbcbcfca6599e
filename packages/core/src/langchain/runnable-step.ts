import type { RunnableConfig, RunnableInterface } from "@langchain/core/runnables";
import type { JsonValue, Step, StepContext } from "../types.ts";
import { UsageCollector, withCollector } from "./usage-collector.ts";

/** What a runnable step needs of a LangChain runnable: `invoke`, and its name for the fingerprint. */
export type InvokableRunnable<TInput, TOutput> = Pick<
  RunnableInterface<TInput, TOutput>,
  "invoke" | "getName"
> & {
  /** LangChain's identifier of the runnable's class (namespace and class name). */
  readonly lc_id?: readonly string[];
};

/** Options of {@link runnableStep}. */
export interface RunnableStepOptions {
  /**
   * What the runnable's class does not show and that changes its behaviour (its prompt, model id,
   * parameters): it goes into the chain's fingerprint. Without it, changing the runnable's insides
   * does not change the fingerprint.
   */
  spec?: JsonValue;
  /** Default acceptance threshold when the step is a cascade tier (the runnable returns `{ label, confidence }`). */
  threshold?: number;
  timeoutMs?: number;
  /** LangChain config given to every call (tags, metadata, configurable); signal and callbacks come from the run. */
  config?: Omit<RunnableConfig, "signal" | "callbacks" | "runName">;
}

/**
 * Wraps any LangChain `Runnable` (an LCEL sequence, a retriever, a LangGraph graph) as a Catena
 * step of kind `runnable`. Each call gets the step's abort signal (timeouts and cancelled runs stop
 * it) and the step's LangChain callbacks, so that the runnable's own runs nest under the step in
 * the trace. The tokens and cost of the model calls it makes (read from LangChain's usage metadata)
 * count in the step's and the run's usage, also for an answer a later parser rejects. An answer the
 * model's own client rejects (structured output that is not JSON, a length or content-filter stop:
 * the OpenAI client throws before LangChain's `handleLLMEnd`, and `handleLLMError` carries no
 * usage) and a stream cut off before its usage chunk count no tokens: the billed figures never
 * reach LangChain. Give the step's model to an `llm` step by id to have those counted from the HTTP
 * response. The fingerprint records the runnable's class and name plus the `spec` you give.
 *
 * @example
 * const summarise = prompt.pipe(new ChatOpenAI({ model: "gpt-4.1-mini-2025-04-14" })).pipe(new StringOutputParser());
 * runnableStep("summarise", summarise, { spec: { prompt: "v3", model: "gpt-4.1-mini-2025-04-14" } })
 */
export function runnableStep<TInput, TOutput>(
  name: string,
  runnable: InvokableRunnable<TInput, TOutput>,
  options: RunnableStepOptions = {},
): Step<TInput, TOutput> {
  if (typeof runnable?.invoke !== "function") {
    throw new TypeError(`runnable step "${name}": expected a LangChain Runnable (an object with invoke()).`);
  }
  const spec: { [key: string]: JsonValue } = {
    runnable: runnable.lc_id === undefined ? null : [...runnable.lc_id],
    name: typeof runnable.getName === "function" ? runnable.getName() : null,
    spec: options.spec ?? null,
  };
  const base = options.config ?? {};
  const run = async (input: TInput, ctx: StepContext): Promise<TOutput> => {
    // Tracing never makes a step fail: callbacks that cannot be had are left out.
    const callbacks = await Promise.resolve(ctx.trace.langchainCallbacks?.()).catch(() => undefined);
    const config: Partial<RunnableConfig> = {
      ...base,
      signal: ctx.signal,
      runName: name,
      metadata: { ...base.metadata, catena_step: name, catena_run_id: ctx.runId },
    };
    // The model calls inside the runnable (an LCEL sequence, a chain made a runnable) count in the run's usage.
    config.callbacks = withCollector(callbacks, new UsageCollector((usage) => ctx.recordUsage(usage)));
    return runnable.invoke(input, config);
  };
  return {
    type: "step",
    name,
    kind: "runnable",
    spec,
    ...(options.threshold === undefined ? {} : { threshold: options.threshold }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    run,
  };
}
