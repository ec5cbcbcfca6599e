import { ProviderRateLimiter, type RateLimits } from "./provider-rate-limiter.ts";

/** Which endpoint a limit applies to: a provider, and its base URL when not the provider's default. */
export interface RateLimitTarget {
  provider: string;
  baseURL?: string;
}

// One limiter per endpoint for the whole process, so that all concurrent runs (a batch, several
// batches, several steps on the same model) draw from the same allowance.
const limiters = new Map<string, ProviderRateLimiter>();

/** The registry key of an endpoint: the provider and its base URL without a trailing slash. */
export function rateLimitKey(target: RateLimitTarget): string {
  return `${target.provider}|${(target.baseURL ?? "default").replace(/\/+$/, "")}`;
}

/**
 * The shared rate limiter of an endpoint (unlimited until configured).
 *
 * @example
 * const limiter = providerRateLimiter({ provider: "openai" });
 */
export function providerRateLimiter(target: RateLimitTarget): ProviderRateLimiter {
  const key = rateLimitKey(target);
  let limiter = limiters.get(key);
  if (!limiter) {
    limiter = new ProviderRateLimiter();
    limiters.set(key, limiter);
  }
  return limiter;
}

/**
 * Sets the requests- and tokens-per-minute limits of an endpoint for every llm step of this process.
 *
 * @example
 * setProviderRateLimit({ provider: "openai" }, { requestsPerMinute: 500, tokensPerMinute: 200_000 });
 * setProviderRateLimit({ provider: "openai", baseURL: "http://127.0.0.1:11434/v1" }, { requestsPerMinute: 60 });
 */
export function setProviderRateLimit(target: RateLimitTarget, limits: RateLimits): void {
  providerRateLimiter(target).configure(limits);
}
