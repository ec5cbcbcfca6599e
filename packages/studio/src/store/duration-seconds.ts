import type { Literal } from "./filter-parser.ts";

/**
 * A filter's duration in seconds, as LangSmith takes latency and first_token_time: a number of
 * seconds, or a text such as "5s", "500ms", "1.5m", "2h" (a bare number text is seconds);
 * `undefined` for anything else.
 *
 * @example
 * durationSeconds("500ms") // 0.5
 */
export function durationSeconds(value: Literal): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value !== "string") return undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(value);
  if (match === null) return undefined;
  const unit = { ms: 0.001, s: 1, m: 60, h: 3600 }[match[2] ?? "s"] ?? 1;
  return Number(match[1]) * unit;
}
