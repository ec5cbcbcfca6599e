import { CatenaError } from "../errors/catena-error.ts";
import { BatchInputError } from "../errors/errors.ts";
import { assertCostBudget } from "../llm/cost-budget.ts";
import type { BatchOptions } from "./batch-types.ts";

/** Items failing in a row with the same systemic provider failure before a batch stops. */
const DEFAULT_STOP_AFTER_FAILURES = 5;

/**
 * Checks runBatch's arguments before anything is opened, refusing with `BATCH_INPUT` what would
 * otherwise fail deep in the run or never stop: a chain or inputs that are not one (from untyped
 * JavaScript), a rate both per second and per minute or below 1, a concurrency or
 * `stopAfterFailures` that is not a whole number >= 1, a `maxCostUsd` that is not a number > 0.
 * Returns the concurrency and the failure streak's limit (false: never stop) in force.
 */
export function checkBatchArguments(
  chain: unknown,
  inputs: unknown,
  options: BatchOptions,
): { concurrency: number; streakLimit: number | false } {
  assertBatchArguments(chain, inputs);
  const concurrency = options.concurrency ?? 8;
  if (options.rate?.perSecond !== undefined && options.rate.perMinute !== undefined) {
    throw new CatenaError("BATCH_INPUT", "Give the rate per second or per minute, not both.", {
      details: { rate: options.rate },
    });
  }
  for (const unit of ["perSecond", "perMinute"] as const) {
    const cap = options.rate?.[unit];
    // The limiter takes whole starts per window; below 1 it would throw a bare TypeError.
    if (cap !== undefined && !(Number.isInteger(cap) && cap >= 1)) {
      throw new CatenaError(
        "BATCH_INPUT",
        `rate.${unit} must be a whole number >= 1, got ${cap}${unit === "perSecond" ? "; for fewer than one a second give perMinute (e.g. { perMinute: 30 })" : ""}.`,
        { details: { rate: options.rate } },
      );
    }
  }
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new CatenaError("BATCH_INPUT", `concurrency must be a whole number >= 1, got ${concurrency}.`);
  }
  const streakLimit = options.stopAfterFailures ?? DEFAULT_STOP_AFTER_FAILURES;
  if (streakLimit !== false && !(Number.isInteger(streakLimit) && streakLimit >= 1)) {
    throw new CatenaError(
      "BATCH_INPUT",
      `stopAfterFailures must be a whole number >= 1, or false to never stop, got ${String(streakLimit)}.`,
      { details: { stopAfterFailures: streakLimit } },
    );
  }
  assertCostBudget(options.maxCostUsd);
  return { concurrency, streakLimit };
}

/**
 * Refuses, from untyped JavaScript, a chain that is not one or inputs that are not a list: either
 * would otherwise end the batch in a bare TypeError deep in the runner.
 */
function assertBatchArguments(chain: unknown, inputs: unknown): void {
  const compiled = (chain as { compiled?: unknown } | null | undefined)?.compiled;
  if (typeof chain !== "object" || chain === null || typeof compiled !== "object" || compiled === null) {
    throw new BatchInputError(
      `runBatch: the first argument must be a chain made with defineChain, got ${typeName(chain)}; call runBatch(chain, inputs, options).`,
      { details: { argument: "chain" } },
    );
  }
  const list = inputs as { [Symbol.iterator]?: unknown; [Symbol.asyncIterator]?: unknown } | null | undefined;
  if (
    typeof inputs === "string" ||
    (typeof list?.[Symbol.iterator] !== "function" && typeof list?.[Symbol.asyncIterator] !== "function")
  ) {
    throw new BatchInputError(
      `runBatch: inputs (the second argument) must be an array or (async) iterable of the chain's inputs, got ${typeName(inputs)}; e.g. runBatch(chain, [{ text: "hi" }]).`,
      { details: { argument: "inputs" } },
    );
  }
}

function typeName(value: unknown): string {
  return value === null ? "null" : Array.isArray(value) ? "an array" : typeof value;
}
