import { describe, expect, it } from "vitest";
import { ProviderRateLimiter } from "./provider-rate-limiter.ts";

describe("ProviderRateLimiter", () => {
  it("lets half a second's requests through at once, then paces the rest evenly", async () => {
    const limiter = new ProviderRateLimiter({ requestsPerMinute: 600 });
    const t0 = performance.now();
    const times: number[] = [];
    const all = Promise.all(
      Array.from({ length: 15 }, () => limiter.acquire(0).then(() => times.push(performance.now() - t0))),
    );
    // The first five go at once: granted before any timer can run; the rest still wait.
    await Promise.resolve();
    expect(times).toHaveLength(5);
    await all;
    // 10 more at 10 per second: a lower bound the limiter's timers guarantee.
    expect(Math.max(...times)).toBeGreaterThanOrEqual(990);
  });

  it("admits callers in arrival order", async () => {
    const limiter = new ProviderRateLimiter({ requestsPerMinute: 6000, burstSeconds: 0.01 });
    const order: number[] = [];
    await Promise.all(Array.from({ length: 8 }, (_, i) => limiter.acquire(0).then(() => order.push(i))));
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it("holds tokens per minute, lets an oversized call run into debt, and credits unused tokens back", async () => {
    const limiter = new ProviderRateLimiter({ tokensPerMinute: 60_000, burstSeconds: 1 });
    // The bucket holds 1,000 tokens and refills 1,000 per second.
    const big = await limiter.acquire(3000);
    const t0 = performance.now();
    await limiter.acquire(500);
    // 3,000 taken from 1,000: 2,000 in debt, then 500 more needed: 2.5 s.
    expect(performance.now() - t0).toBeGreaterThanOrEqual(2400);
    big.settle(0);
    const t1 = performance.now();
    await limiter.acquire(900);
    expect(performance.now() - t1).toBeLessThan(200);
  }, 10_000);

  it("drops a waiting caller whose signal aborts, and serves the next", async () => {
    const limiter = new ProviderRateLimiter({ requestsPerMinute: 60, burstSeconds: 1 });
    await limiter.acquire(0);
    const controller = new AbortController();
    const waiting = limiter.acquire(0, controller.signal);
    controller.abort();
    await expect(waiting).rejects.toThrow(/aborted/);
    expect(limiter.waiting).toBe(0);
  });

  it("is unlimited until configured, and keeps its buckets when configured with the same limits", async () => {
    const limiter = new ProviderRateLimiter();
    await Promise.all(Array.from({ length: 100 }, () => limiter.acquire(10_000)));
    limiter.configure({ requestsPerMinute: 60, burstSeconds: 1 });
    await limiter.acquire(0);
    limiter.configure({ requestsPerMinute: 60, burstSeconds: 1 });
    const t0 = performance.now();
    await limiter.acquire(0);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(900);
  });
});
