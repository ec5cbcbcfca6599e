import type { AnyChain } from "../compile/chain.ts";
import type { Dataset, DatasetExample } from "../datasets/dataset.ts";
import { failureCode } from "../errors/failure-code.ts";
import { plural } from "../format/plural.ts";
import { assertCostBudget } from "../llm/cost-budget.ts";
import { unpricedBudgetReason, unpricedTokens } from "../llm/unpriced-usage.ts";
import type { RunOptions, RunResult } from "../runtime/run-types.ts";
import { run } from "../runtime/runner.ts";
import type { Tracer, Usage } from "../types.ts";
import type { EvaluationCase, Evaluator, EvaluatorResult } from "./evaluator.ts";

/** One run of one example in an experiment, with its evaluators' results. */
export interface ExperimentRow {
  exampleId: string;
  /** The example's inputs (the same object as the dataset's), for reports. */
  inputs: Readonly<Record<string, unknown>>;
  /** 0 for the first pass over the dataset, 1 for the first repeat, ... */
  repeat: number;
  runId: string;
  status: RunResult["status"];
  output: unknown;
  /** The cascade tier that answered (`output.tier`), or `deferred`/`failed`. */
  tier?: string;
  ms: number;
  usage: Usage;
  /** Whether the run reached a model (an `llm` step ran; a cached answer counts, as the chain asked). */
  usedLlm: boolean;
  /**
   * Error code of a failed run: the code of what the failing step met (`PROVIDER_FAILED`,
   * `MODEL_REFUSED`, `MODEL_OUTPUT_INVALID`, ...) rather than the `STEP_FAILED` around it.
   */
  error?: string;
  /** The step that failed, when a step did. */
  failedStep?: string;
  results: EvaluatorResult[];
  /** What the evaluators (LLM judges) spent on this run. */
  judgeUsage: Usage;
}

/** Options of {@link runExperiment}. */
export interface RunExperimentOptions {
  evaluators: readonly Evaluator[];
  /** Passes over the dataset (default 1); more expose non-determinism. */
  repeats?: number;
  /**
   * Stop before an item whose expected cost (the mean so far, chain and judges) would pass this, in
   * USD; a number > 0 (anything else is refused with `BATCH_INPUT` before any item runs).
   */
  maxCostUsd?: number;
  tracer?: Tracer;
  /** The trace project (the experiment's session) runs go to. */
  project?: string;
  /** The remote example id of each local example id, to link runs to examples (`reference_example_id`). */
  remoteExampleIds?: ReadonlyMap<string, string>;
  /** Extra tags and metadata on every root run. */
  tags?: string[];
  metadata?: Record<string, unknown>;
  /** Runs in flight at once (default 1). */
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  /** Called with each run's full result (e.g. for a labelling chain's confusion tally). */
  onResult?: (result: RunResult, example: DatasetExample, repeat: number) => void;
}

/** What running an experiment produced. */
export interface ExperimentRun {
  /** `stopped` when `maxCostUsd` stopped it before the end (the rows are those that ran). */
  status: "completed" | "stopped";
  stoppedReason?: string;
  rows: ExperimentRow[];
  /** Items planned (examples × repeats). */
  planned: number;
}

const ZERO: Usage = { inputTokens: 0, outputTokens: 0, costUsd: 0 };

/**
 * Runs a chain over a dataset (`repeats` times) and scores every run with every evaluator. Runs are
 * traced to `project`, linked to their examples when remote ids are given, so that a traced
 * experiment is a LangSmith experiment; evaluator results come back per row for the caller to
 * summarise and to record as feedback. `maxCostUsd` stops it before it overspends.
 *
 * @example
 * const e = await runExperiment(supportTriage, dataset, { evaluators: [fieldMatch({ fields: ["queue"] })] });
 */
export async function runExperiment(
  chain: AnyChain,
  dataset: Dataset,
  options: RunExperimentOptions,
): Promise<ExperimentRun> {
  // Before any item runs: a negative budget would stop after the first, NaN never.
  assertCostBudget(options.maxCostUsd);
  const repeats = Math.max(1, Math.floor(options.repeats ?? 1));
  const work: Array<{ example: DatasetExample; repeat: number }> = [];
  for (let repeat = 0; repeat < repeats; repeat++)
    for (const example of dataset.examples) work.push({ example, repeat });
  const rows: Array<ExperimentRow | undefined> = new Array(work.length);
  let next = 0;
  let done = 0;
  let inFlight = 0;
  let spent = 0;
  let stoppedReason: string | undefined;
  // Tokens spent at no known price: a budget cannot be kept over them, so the experiment stops.
  let unpriced = 0;
  // With a budget, items in flight are counted at the mean cost so far: they will spend too.
  const overBudget = (): boolean => {
    if (options.maxCostUsd === undefined || done === 0) return false;
    const perItem = spent / done;
    if (spent + perItem * (inFlight + 1) <= options.maxCostUsd) return false;
    stoppedReason ??= `a budget of ${options.maxCostUsd} USD: ${done} of ${plural(work.length, "item")} cost ${spent.toFixed(4)} USD; the next would pass the budget`;
    return true;
  };
  /** Runs the next item, unless there is none, the run was stopped or the budget would be passed. */
  const runNext = async (): Promise<boolean> => {
    if (next >= work.length || stoppedReason !== undefined || options.signal?.aborted === true) return false;
    if (overBudget()) return false;
    const index = next++;
    const item = work[index] as { example: DatasetExample; repeat: number };
    inFlight++;
    const row = await runOne(chain, item.example, item.repeat, options);
    inFlight--;
    rows[index] = row;
    spent += row.usage.costUsd + row.judgeUsage.costUsd;
    if (options.maxCostUsd !== undefined) {
      unpriced += unpricedTokens(row.usage) + unpricedTokens(row.judgeUsage);
      if (unpriced > 0) stoppedReason ??= unpricedBudgetReason(options.maxCostUsd, unpriced);
    }
    done++;
    options.onProgress?.(done, work.length);
    return true;
  };
  const worker = async (): Promise<void> => {
    while (await runNext()) {}
  };
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 1));
  // The budget needs one item's cost to estimate the next ones: the first item runs alone.
  if (options.maxCostUsd !== undefined && concurrency > 1) await runNext();
  await Promise.all(Array.from({ length: Math.min(concurrency, work.length) }, worker));
  const finished = rows.filter((r): r is ExperimentRow => r !== undefined);
  return stoppedReason === undefined
    ? { status: "completed", rows: finished, planned: work.length }
    : { status: "stopped", stoppedReason, rows: finished, planned: work.length };
}

async function runOne(
  chain: AnyChain,
  example: DatasetExample,
  repeat: number,
  options: RunExperimentOptions,
): Promise<ExperimentRow> {
  const remoteId = options.remoteExampleIds?.get(example.id);
  const trace: NonNullable<RunOptions["trace"]> = {};
  if (options.project !== undefined) trace.project = options.project;
  if (remoteId !== undefined) trace.referenceExampleId = remoteId;
  if (options.tags !== undefined) trace.tags = options.tags;
  const runOptions: RunOptions = {
    trace,
    metadata: { ...options.metadata, example_id: example.id, ...(repeat > 0 ? { repeat } : {}) },
  };
  if (options.tracer !== undefined) runOptions.tracer = options.tracer;
  if (options.signal !== undefined) runOptions.signal = options.signal;
  const result = await run(chain, example.inputs, runOptions);
  options.onResult?.(result, example, repeat);
  const c: EvaluationCase = {
    inputs: example.inputs,
    output: result.output,
    reference: example.outputs,
    status: result.status,
  };
  const results: EvaluatorResult[] = [];
  const judgeUsage = { ...ZERO };
  for (const evaluator of options.evaluators) {
    let r: EvaluatorResult;
    try {
      r = await evaluator.evaluate(c);
    } catch (error) {
      // One broken evaluator must not lose the run's other scores.
      r = {
        key: evaluator.key,
        score: null,
        comment: `evaluator failed: ${(error as Error).message ?? String(error)}`,
      };
    }
    results.push(r);
    if (r.usage) {
      judgeUsage.inputTokens += r.usage.inputTokens;
      judgeUsage.outputTokens += r.usage.outputTokens;
      judgeUsage.costUsd += r.usage.costUsd;
      if (r.usage.cachedUsd !== undefined)
        judgeUsage.cachedUsd = (judgeUsage.cachedUsd ?? 0) + r.usage.cachedUsd;
    }
  }
  const row: ExperimentRow = {
    exampleId: example.id,
    inputs: example.inputs,
    repeat,
    runId: result.runId,
    status: result.status,
    output: result.output,
    ms: result.ms,
    usage: result.usage,
    usedLlm: result.steps.some((s) => s.kind === "llm"),
    results,
    judgeUsage,
  };
  const tier = tierOf(result);
  if (tier !== undefined) row.tier = tier;
  if (result.status === "error") {
    const failure = failureCode(result.error);
    row.error = failure.code;
    if (failure.step !== undefined) row.failedStep = failure.step;
  }
  return row;
}

function tierOf(result: RunResult): string | undefined {
  if (result.status === "deferred") return "deferred";
  if (result.status === "error") return "failed";
  const tier = (result.output as { tier?: unknown } | undefined)?.tier;
  return typeof tier === "string" ? tier : undefined;
}
