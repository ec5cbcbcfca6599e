import type { Literal } from "./filter-parser.ts";
import type { RunFilterContext } from "./run-filter-context.ts";
import { toStudioTimestamp } from "./studio-timestamp.ts";

/**
 * `first_token_time` compared as LangSmith's run table shows it: a number or a duration text
 * ("500ms", "1.5s", "2m") is the time from the run's start to its first token, in seconds; an ISO
 * timestamp is the moment itself. `eq`/`neq` with null find the runs without (with) a first token.
 * A run that streamed no token has none, so no comparison with a value matches it.
 */
export function compileFirstTokenTime(
  ctx: RunFilterContext,
  call: string,
  op: string,
  value: Literal,
): string {
  const column = `${ctx.alias}.first_token_time`;
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

function durationSeconds(value: Literal): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value !== "string") return undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(value);
  if (match === null) return undefined;
  const unit = { ms: 0.001, s: 1, m: 60, h: 3600 }[match[2] ?? "s"] ?? 1;
  return Number(match[1]) * unit;
}
