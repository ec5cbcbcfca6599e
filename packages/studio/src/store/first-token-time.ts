import { toStudioTimestamp } from "./studio-timestamp.ts";

/**
 * When a streamed run produced its first token, read from its events as LangSmith does when the
 * client sends no `first_token_time`: the earliest `time` of a `new_token` event (what `traceable`
 * adds for each chunk of a streaming LLM run). `null` without such an event.
 */
export function firstTokenTimeOf(events: unknown): string | null {
  if (!Array.isArray(events)) return null;
  let first: string | null = null;
  for (const event of events) {
    if (typeof event !== "object" || event === null) continue;
    const { name, time } = event as { name?: unknown; time?: unknown };
    if (name !== "new_token" || (typeof time !== "string" && typeof time !== "number")) continue;
    let at: string | null;
    try {
      at = toStudioTimestamp(time);
    } catch {
      continue; // an event with a time that is not one says nothing about the first token
    }
    if (at !== null && (first === null || at < first)) first = at;
  }
  return first;
}
