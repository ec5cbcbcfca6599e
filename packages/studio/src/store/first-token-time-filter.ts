import { durationSeconds } from "./duration-seconds.ts";
import type { Literal } from "./filter-parser.ts";
import type { RunFilterContext } from "./run-filter-context.ts";
import { toStudioTimestamp } from "./studio-timestamp.ts";
import { subtreeAggregate } from "./subtree-aggregate.ts";

/**
 * `first_token_time` compared as LangSmith's run table shows it: a number or a duration text
 * ("500ms", "1.5s", "2m") is the time from the run's start to its first token, in seconds; an ISO
 * timestamp is the moment itself. `eq`/`neq` with null find the runs without (with) a first token.
 * As the run shows it, a run's first token is the earliest in its subtree (run-view.ts): a chain
 * whose LLM call streamed has one. A run with none in its subtree matches no comparison with a value.
 */
export function compileFirstTokenTime(
  ctx: RunFilterContext,
  call: string,
  op: string,
  value: Literal,
): string {
  const column = subtreeAggregate(ctx.alias, "MIN", "first_token_time");
  if (value === null) {
    if (op === "=") return `${column} IS NULL`;
    if (op === "!=") return `${column} IS NOT NULL`;
    return ctx.fail(`${call}(first_token_time, null) compares with null: use eq or neq`);
  }
  const seconds = durationSeconds(value);
  if (seconds !== undefined) {
    ctx.params.push(seconds);
    return `(${column} IS NOT NULL AND (julianday(${column}) - julianday(${ctx.alias}.start_time)) * 86400.0 ${op} ?)`;
  }
  if (typeof value === "string") {
    let at: string | null;
    try {
      at = toStudioTimestamp(value);
    } catch {
      at = null;
    }
    if (at !== null) {
      ctx.params.push(at);
      return `${column} ${op} ?`;
    }
  }
  return ctx.fail(
    `first_token_time takes seconds after the run's start (1.5 or "500ms", "2s", "1m") or an ISO time (got ${JSON.stringify(value)})`,
  );
}
