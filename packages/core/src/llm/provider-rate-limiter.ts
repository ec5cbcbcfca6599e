import { abortReason } from "../async/settle.ts";

/** Limits of one provider endpoint; either may be left out. */
export interface RateLimits {
  requestsPerMinute?: number;
  tokensPerMinute?: number;
  /**
   * How much of a minute's allowance may go out at once from an idle start, in seconds (default
   * 0.5). Small values pace requests evenly, which is what providers that enforce their per-minute
   * limits in slices of a second or so expect; staying under a one-second slice leaves the
   * provider's bucket a cushion, so that network jitter never pushes a paced request over it.
   */
  burstSeconds?: number;
}

/** A granted request: tell it how many tokens the call really used, so the token budget is corrected. */
export interface RatePermit {
  settle(actualTokens: number): void;
}

interface Waiter {
  tokens: number;
  resolve: (permit: RatePermit) => void;
  reject: (error: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

/**
 * A rate limiter for one provider endpoint: two token buckets (requests per minute, tokens per
 * minute) refilled continuously, and a first-in first-out queue of callers, so that every concurrent
 * run of a batch shares the same allowance and the batch runs close to the limit without 429s.
 * A call that needs more tokens than the bucket holds runs when the bucket is full and leaves it
 * in debt, which later calls wait out.
 */
export class ProviderRateLimiter {
  private limits: RateLimits = {};
  private requests = 0;
  private tokens = 0;
  private last = performance.now();
  private readonly queue: Waiter[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(limits: RateLimits = {}) {
    this.configure(limits);
  }

  /** Replaces the limits; buckets start full at the new capacity. The same limits again change nothing. */
  configure(limits: RateLimits): void {
    const same = (["requestsPerMinute", "tokensPerMinute", "burstSeconds"] as const).every(
      (key) => limits[key] === this.limits[key],
    );
    if (same) return;
    for (const key of ["requestsPerMinute", "tokensPerMinute", "burstSeconds"] as const) {
      const value = limits[key];
      // Finite, as a step's `rateLimit` must be: leave a limit out for none.
      if (value !== undefined && !(Number.isFinite(value) && value > 0)) {
        throw new RangeError(
          `rate limit ${key} must be a finite number > 0 (leave it out for no limit), got ${value}`,
        );
      }
    }
    this.limits = { ...limits };
    this.requests = this.capacity(limits.requestsPerMinute, 1);
    this.tokens = this.capacity(limits.tokensPerMinute, 0);
    this.last = performance.now();
    this.pump();
  }

  /** The limits in force. */
  get current(): Readonly<RateLimits> {
    return this.limits;
  }

  /** Callers waiting for their turn. */
  get waiting(): number {
    return this.queue.length;
  }

  /**
   * Waits until one more request and `tokens` tokens fit in the limits, in arrival order; rejects
   * when the signal aborts first.
   */
  acquire(tokens: number, signal?: AbortSignal): Promise<RatePermit> {
    if (this.limits.requestsPerMinute === undefined && this.limits.tokensPerMinute === undefined) {
      return Promise.resolve(NO_OP_PERMIT);
    }
    return new Promise<RatePermit>((resolve, reject) => {
      if (signal?.aborted) return reject(abortReason(signal, "waiting for the rate limit"));
      const waiter: Waiter = {
        tokens: Math.max(0, tokens),
        resolve,
        reject,
        signal,
        onAbort: () => {
          const at = this.queue.indexOf(waiter);
          if (at >= 0) this.queue.splice(at, 1);
          reject(abortReason(signal as AbortSignal, "waiting for the rate limit"));
          this.pump();
        },
      };
      signal?.addEventListener("abort", waiter.onAbort, { once: true });
      this.queue.push(waiter);
      this.pump();
    });
  }

  private pump(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.refill();
    while (this.queue.length > 0) {
      const head = this.queue[0] as Waiter;
      const waitMs = this.waitFor(head.tokens);
      if (waitMs > 0) {
        this.timer = setTimeout(() => this.pump(), Math.ceil(waitMs));
        return;
      }
      this.queue.shift();
      head.signal?.removeEventListener("abort", head.onAbort);
      const rpm = this.limits.requestsPerMinute;
      if (rpm !== undefined) this.requests -= 1;
      if (this.limits.tokensPerMinute !== undefined) this.tokens -= head.tokens;
      head.resolve(this.permit(head.tokens));
    }
  }

  private permit(estimated: number): RatePermit {
    let settled = false;
    return {
      settle: (actual) => {
        if (settled || this.limits.tokensPerMinute === undefined) return;
        settled = true;
        this.refill();
        const cap = this.capacity(this.limits.tokensPerMinute, 0);
        this.tokens = Math.min(cap, this.tokens + estimated - Math.max(0, actual));
        this.pump();
      },
    };
  }

  /** Milliseconds until a call needing `tokens` fits; 0 when it fits now. */
  private waitFor(tokens: number): number {
    let wait = 0;
    const rpm = this.limits.requestsPerMinute;
    if (rpm !== undefined && this.requests < 1) wait = ((1 - this.requests) * 60_000) / rpm;
    const tpm = this.limits.tokensPerMinute;
    if (tpm !== undefined) {
      const need = Math.min(tokens, this.capacity(tpm, 0));
      if (this.tokens < need) wait = Math.max(wait, ((need - this.tokens) * 60_000) / tpm);
    }
    return wait;
  }

  private refill(): void {
    const now = performance.now();
    const elapsed = now - this.last;
    this.last = now;
    const { requestsPerMinute: rpm, tokensPerMinute: tpm } = this.limits;
    if (rpm !== undefined) {
      this.requests = Math.min(this.capacity(rpm, 1), this.requests + (elapsed * rpm) / 60_000);
    }
    if (tpm !== undefined) {
      this.tokens = Math.min(this.capacity(tpm, 0), this.tokens + (elapsed * tpm) / 60_000);
    }
  }

  private capacity(perMinute: number | undefined, floor: number): number {
    if (perMinute === undefined) return 0;
    return Math.max(floor, (perMinute * (this.limits.burstSeconds ?? DEFAULT_BURST_SECONDS)) / 60);
  }
}

const DEFAULT_BURST_SECONDS = 0.5;
const NO_OP_PERMIT: RatePermit = { settle: () => undefined };
