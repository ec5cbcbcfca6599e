import { CatenaError } from "../errors/catena-error.ts";

/**
 * Refuses a `maxCostUsd` that is not a number of US dollars > 0, with `BATCH_INPUT` naming the
 * value: a negative budget would stop after the first item, `NaN` would never stop, and a string
 * (from untyped JavaScript or a config file) would compare as text. Undefined is no budget.
 * Callers check it with their other options, before anything is run, opened or written.
 *
 * @example
 * assertCostBudget(-1) // throws BATCH_INPUT: maxCostUsd must be a number of US dollars > 0, got -1; ...
 */
export function assertCostBudget(budget: unknown): void {
  if (budget === undefined || (typeof budget === "number" && budget > 0)) return;
  throw new CatenaError(
    "BATCH_INPUT",
    `maxCostUsd must be a number of US dollars > 0, got ${typeof budget === "string" ? JSON.stringify(budget) : String(budget)}; leave it out for no budget.`,
    { details: { maxCostUsd: budget } },
  );
}
