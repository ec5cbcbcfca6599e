import { StudioHttpError } from "./studio-http-error.ts";

/**
 * How deep a JSON value the studio stores may nest: 100 levels, counted from the value itself
 * (`{"a": 1}` is 1 level, `{"a": {"b": []}}` is 3). It applies to each of a run's `inputs`,
 * `outputs`, `extra` (so `metadata` gets 99), `events`, `serialized` and `error`, and to the whole
 * body of the other JSON requests (feedback, sessions, datasets: 101 with the body object itself).
 *
 * Why a limit at all: SQLite's JSON functions stop at 1,000 levels (then every metadata filter of
 * the project fails), and serialising a few thousand levels overflows the stack. Real traces nest
 * a few dozen levels at most; 100 leaves room.
 */
export const MAX_JSON_DEPTH = 100;

/**
 * The nesting depth of a parsed JSON value (0 for a scalar), counted without recursion so that no
 * input can overflow the stack; it stops counting at `stopAbove + 1`.
 */
export function jsonDepth(value: unknown, stopAbove = Number.POSITIVE_INFINITY): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (typeof item !== "object" || item === null) continue;
    const here = depth + 1;
    if (here > deepest) {
      deepest = here;
      if (deepest > stopAbove) return deepest;
    }
    for (const child of Array.isArray(item) ? item : Object.values(item)) {
      if (typeof child === "object" && child !== null) stack.push([child, here]);
    }
  }
  return deepest;
}

/** A value nested deeper than {@link MAX_JSON_DEPTH}: a 422 that names where and the limit. */
export class JsonTooDeepError extends StudioHttpError {
  /** The run the value belongs to, when it is part of a run. */
  readonly runId: string | undefined;

  constructor(where: string, limit: number, runId?: string) {
    super(
      422,
      `${where} nests deeper than ${limit} levels, the studio's limit (MAX_JSON_DEPTH): flatten it, or send it as a string or an attachment.`,
      runId === undefined ? { code: "json-too-deep" } : { code: "json-too-deep", run_id: runId },
    );
    this.name = "JsonTooDeepError";
    this.runId = runId;
  }
}

/** Throws {@link JsonTooDeepError} when `value` nests deeper than `limit` levels. */
export function assertJsonDepth(value: unknown, where: string, limit = MAX_JSON_DEPTH, runId?: string): void {
  if (nestsDeeper(value, limit)) throw new JsonTooDeepError(where, limit, runId);
}

/**
 * Whether `value` nests more than `levels` levels: the check every ingested run's fields go
 * through, so it allocates nothing. It recurses at most `levels + 1` deep (the limit is 100 or so),
 * never as deep as the value.
 */
function nestsDeeper(value: unknown, levels: number): boolean {
  if (typeof value !== "object" || value === null) return false;
  if (levels <= 0) return true;
  if (Array.isArray(value)) {
    for (const item of value) {
      if (typeof item === "object" && item !== null && nestsDeeper(item, levels - 1)) return true;
    }
    return false;
  }
  for (const key in value) {
    const item = (value as Record<string, unknown>)[key];
    if (typeof item === "object" && item !== null && nestsDeeper(item, levels - 1)) return true;
  }
  return false;
}
