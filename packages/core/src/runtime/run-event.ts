import type { RunResult } from "./run-types.ts";
import type { TokenEvent } from "./token-event.ts";

/** The last event of {@link stream}: the run's result, exactly as `run` returns it. */
export interface ResultEvent<TOutput> {
  type: "result";
  result: RunResult<TOutput>;
}

/** What {@link stream} yields: tokens as they come, then the result. */
export type RunEvent<TOutput> = TokenEvent | ResultEvent<TOutput>;
