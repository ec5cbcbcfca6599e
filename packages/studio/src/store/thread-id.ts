/** The metadata keys LangSmith reads a run's thread from, first present wins. */
export const THREAD_METADATA_KEYS = ["session_id", "thread_id", "conversation_id"] as const;

/**
 * A run's thread id as LangSmith derives it: the first of `metadata.session_id`,
 * `metadata.thread_id` and `metadata.conversation_id` that is a non-empty string (a number is
 * taken as its decimal text), or `null` for a run outside any thread.
 */
export function threadIdOf(extra: Record<string, unknown> | null): string | null {
  const metadata = extra?.metadata;
  if (typeof metadata !== "object" || metadata === null) return null;
  const record = metadata as Record<string, unknown>;
  for (const key of THREAD_METADATA_KEYS) {
    const value = record[key];
    if (typeof value === "string" && value !== "") return value;
    if (typeof value === "number" && Number.isFinite(value)) return String(value);
  }
  return null;
}
