/*
 * A Catena chain as a LangChain Runnable. This module imports LangChain at load time, so it is only
 * ever loaded through `toRunnable` (a dynamic import): programs that never bridge to LangChain do
 * not pay the few hundred milliseconds that importing it costs.
 */
import type { CallbackManagerForChainRun } from "@langchain/core/callbacks/manager";
import {
  ensureConfig,
  getCallbackManagerForConfig,
  Runnable,
  type RunnableBatchOptions,
  type RunnableConfig,
} from "@langchain/core/runnables";
import { IterableReadableStream } from "@langchain/core/utils/stream";
import PQueue from "p-queue";
import type { Chain } from "../compile/chain.ts";
import { RunDeferredError, RunWaitingError } from "../errors/run-outcome-errors.ts";
import type { RunOptions } from "../runtime/run-types.ts";
import { run } from "../runtime/runner.ts";
import type { Usage } from "../types.ts";
import { type StepFinishedEvent, stepEventTracer } from "./step-event-tracer.ts";

/** Options of {@link toRunnable}: run options applied to every call, and the default batch concurrency. */
export interface ToRunnableOptions extends Omit<RunOptions, "signal" | "runId"> {
  /** Inputs run at once by `batch` when the call gives no `maxConcurrency` (default 8). */
  concurrency?: number;
}

/** The last event of a chain's stream: the run's output, with its run id and usage. */
export interface ChainOutputEvent<TOutput> {
  type: "output";
  output: TOutput;
  runId: string;
  usage: Usage;
}

/** What `streamSteps` yields: one event per finished step, then the output. */
export type ChainStreamEvent<TOutput> = StepFinishedEvent | ChainOutputEvent<TOutput>;

/**
 * A Catena chain as a LangChain `Runnable`: `invoke` returns the output (a failed run throws its
 * CatenaError, a deferred or waiting run a `RunDeferredError` / `RunWaitingError`), `batch` runs
 * the inputs through Catena's runner `maxConcurrency` at a time, and `stream` yields the output, as
 * the Runnable contract has it, so that the chain fits `.pipe()` and LCEL sequences as it is.
 * `streamSteps` yields a step-finished event per step, then the output. Each finished step is also
 * sent to LangChain's callbacks as a custom event `catena_step`, which `streamEvents` reports as
 * `on_custom_event`.
 */
export class ChainRunnable<TInput, TOutput> extends Runnable<TInput, TOutput> {
  lc_namespace = ["catena", "chains"];
  readonly chain: Chain<TInput, TOutput>;
  readonly options: ToRunnableOptions;

  constructor(chain: Chain<TInput, TOutput>, options: ToRunnableOptions = {}) {
    super();
    this.chain = chain;
    this.options = options;
    this.name = chain.name;
  }

  static override lc_name(): string {
    return "CatenaChain";
  }

  override invoke(input: TInput, options?: Partial<RunnableConfig>): Promise<TOutput> {
    return this._callWithConfig(
      (value: TInput, config?: Partial<RunnableConfig>, runManager?: CallbackManagerForChainRun) =>
        this.runChain(value, config ?? {}, runManager),
      input,
      options,
    );
  }

  override batch(
    inputs: TInput[],
    options?: Partial<RunnableConfig> | Partial<RunnableConfig>[],
    batchOptions?: RunnableBatchOptions & { returnExceptions?: false },
  ): Promise<TOutput[]>;
  override batch(
    inputs: TInput[],
    options?: Partial<RunnableConfig> | Partial<RunnableConfig>[],
    batchOptions?: RunnableBatchOptions & { returnExceptions: true },
  ): Promise<(TOutput | Error)[]>;
  override batch(
    inputs: TInput[],
    options?: Partial<RunnableConfig> | Partial<RunnableConfig>[],
    batchOptions?: RunnableBatchOptions,
  ): Promise<(TOutput | Error)[]>;
  /**
   * Runs every input (none is abandoned when another fails), `maxConcurrency` at a time; then
   * returns the outputs in input order, or throws the first failure in input order unless
   * `returnExceptions` is set.
   */
  override async batch(
    inputs: TInput[],
    options?: Partial<RunnableConfig> | Partial<RunnableConfig>[],
    batchOptions?: RunnableBatchOptions,
  ): Promise<(TOutput | Error)[]> {
    const configs = this._getOptionsList(options ?? {}, inputs.length);
    const concurrency =
      configs[0]?.maxConcurrency ?? batchOptions?.maxConcurrency ?? this.options.concurrency ?? 8;
    const queue = new PQueue({ concurrency });
    const settled = await Promise.all(
      inputs.map((input, i) =>
        queue.add(() =>
          this.invoke(input, configs[i]).then(
            (output) => ({ ok: true as const, output }),
            (error: unknown) => ({ ok: false as const, error: asError(error) }),
          ),
        ),
      ),
    );
    if (batchOptions?.returnExceptions !== true) {
      const failed = settled.find((s) => !s.ok);
      if (failed !== undefined && !failed.ok) throw failed.error;
    }
    return settled.map((s) => (s.ok ? s.output : s.error));
  }

  /**
   * Yields a {@link StepFinishedEvent} as each step finishes, then a {@link ChainOutputEvent}; a
   * failed, deferred or waiting run ends the stream with its error. Cancelling the stream aborts the
   * run. (`stream` keeps LangChain's meaning, the output in chunks, so that the runnable composes.)
   */
  async streamSteps(
    input: TInput,
    options?: Partial<RunnableConfig>,
  ): Promise<IterableReadableStream<ChainStreamEvent<TOutput>>> {
    const config = ensureConfig(options);
    const runManager = await (await getCallbackManagerForConfig(config))?.handleChainStart(
      this.toJSON(),
      // As LangChain's own runnables report inputs: an object as it is, anything else under `input`.
      typeof input === "object" && input !== null && !Array.isArray(input) ? input : { input },
      config.runId,
      undefined,
      undefined,
      undefined,
      config.runName ?? this.getName(),
    );
    const cancel = new AbortController();
    const signal = config.signal ? AbortSignal.any([config.signal, cancel.signal]) : cancel.signal;
    let open = true;
    const readable = new ReadableStream<ChainStreamEvent<TOutput>>({
      start: (controller) => {
        const emit = (event: ChainStreamEvent<TOutput>): void => {
          if (open) controller.enqueue(event);
        };
        // Not awaited: events are read while the run goes on.
        void this.runChain(input, { ...config, signal }, runManager, emit).then(
          async (output) => {
            await runManager?.handleChainEnd({ output });
            if (open) controller.close();
          },
          async (error: unknown) => {
            await runManager?.handleChainError(error);
            if (open) controller.error(error);
          },
        );
      },
      cancel: () => {
        open = false;
        cancel.abort();
      },
    });
    return IterableReadableStream.fromReadableStream(readable);
  }

  /** Inside a streamed LCEL sequence: the output only, so that the next runnable gets what `invoke` gives. */
  override async *transform(
    generator: AsyncGenerator<TInput>,
    options?: Partial<RunnableConfig>,
  ): AsyncGenerator<TOutput> {
    let input: TInput | undefined;
    for await (const chunk of generator) {
      input = input === undefined ? chunk : this._concatOutputChunks<TInput>(input, chunk);
    }
    yield await this.invoke(input as TInput, options);
  }

  private async runChain(
    input: TInput,
    config: Partial<RunnableConfig>,
    runManager: CallbackManagerForChainRun | undefined,
    emit?: (event: ChainStreamEvent<TOutput>) => void,
  ): Promise<TOutput> {
    const { concurrency: _concurrency, ...runOptions } = this.options;
    const options: RunOptions = { ...runOptions };
    if (config.signal !== undefined) options.signal = config.signal;
    if (config.metadata !== undefined) options.metadata = { ...this.options.metadata, ...config.metadata };
    if (emit !== undefined || runManager !== undefined) {
      options.tracer = stepEventTracer(
        (event) => {
          emit?.(event);
          // Custom events reach `streamEvents` as on_custom_event; a failing handler is LangChain's to report.
          runManager?.handleCustomEvent?.("catena_step", event).catch(() => undefined);
        },
        {
          ...(this.options.tracer === undefined ? {} : { inner: this.options.tracer }),
          ...(runManager === undefined
            ? {}
            : { langchainCallbacks: async (step: string) => runManager.getChild(`catena:${step}`) }),
        },
      );
    }
    const result = await run(this.chain, input, options);
    if (result.status === "done") {
      emit?.({ type: "output", output: result.output, runId: result.runId, usage: result.usage });
      return result.output;
    }
    if (result.status === "error") throw result.error;
    if (result.status === "deferred") throw new RunDeferredError(this.chain.id, result);
    throw new RunWaitingError(this.chain.id, result);
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
