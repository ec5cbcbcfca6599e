import { MAX_TIMER_MS } from "./max-timer-ms.ts";

/** How an llm step retries a failing model before moving on to its fallbacks. */
export interface RetryPolicy {
  /** Calls per model in all, the first included (default 5). */
  attempts: number;
  /** Delay before the first retry, in milliseconds (default 500). */
  initialMs: number;
  /** Growth of the delay from one retry to the next (default 2). */
  factor: number;
  /** Longest computed delay, in milliseconds (default 20 s); Infinity for no bound. */
  maxMs: number;
  /** Draw each delay uniformly from [delay / 2, delay], so that concurrent callers spread out (default true). */
  jitter: boolean;
  /**
   * Longest `Retry-After` the step waits for, in milliseconds (default 60 s); a provider asking for
   * longer counts as a persistent failure and the next fallback model is tried.
   */
  maxRetryAfterMs: number;
}

/** The policy llm steps use unless told otherwise. */
export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = {
  attempts: 5,
  initialMs: 500,
  factor: 2,
  maxMs: 20_000,
  jitter: true,
  maxRetryAfterMs: 60_000,
};

/**
 * The wait before retry number `retry` (1 for the first): exponential backoff with jitter, or the
 * provider's `Retry-After` when it gave one (plus up to 10%, at most 250 ms, so that callers told
 * the same instant do not all come back together). Undefined when the provider asks for longer
 * than `maxRetryAfterMs`.
 *
 * @example
 * retryDelay(DEFAULT_RETRY_POLICY, 1, 2000) // between 2000 and 2200
 */
export function retryDelay(
  policy: RetryPolicy,
  retry: number,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number | undefined {
  // A timer fires a delay past 2^31 - 1 ms at once: with no bound (Infinity), the wait is capped there.
  if (retryAfterMs !== undefined) {
    if (retryAfterMs > policy.maxRetryAfterMs) return undefined;
    return Math.min(retryAfterMs + random() * Math.min(retryAfterMs * 0.1, 250), MAX_TIMER_MS);
  }
  const delay = Math.min(
    policy.maxMs,
    policy.initialMs * policy.factor ** Math.max(0, retry - 1),
    MAX_TIMER_MS,
  );
  return policy.jitter ? delay / 2 + random() * (delay / 2) : delay;
}
