import type { ServerRateLimit } from "./server-script.ts";

/**
 * The server side of a requests-per-minute limit: a token bucket refilled continuously. `take`
 * either admits a request or says how long until one would be admitted.
 */
export class RequestBucket {
  private readonly perMs: number;
  private readonly capacity: number;
  private tokens: number;
  private last = performance.now();

  constructor(limit: ServerRateLimit) {
    if (!(limit.requestsPerMinute > 0)) throw new RangeError("requestsPerMinute must be > 0");
    this.perMs = limit.requestsPerMinute / 60_000;
    this.capacity = limit.burst ?? Math.max(1, limit.requestsPerMinute / 60);
    this.tokens = this.capacity;
  }

  /** Admits a request (0) or returns the milliseconds until the next one would be admitted. */
  take(): number {
    const now = performance.now();
    this.tokens = Math.min(this.capacity, this.tokens + (now - this.last) * this.perMs);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - this.tokens) / this.perMs);
  }
}
