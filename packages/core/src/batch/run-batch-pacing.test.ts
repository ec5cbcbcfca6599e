/* runBatch's pacing: items in flight (concurrency) and item starts per second or minute (rate). */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runBatch } from "../index.ts";
import { doubler, range } from "./run-batch-fixture.case.ts";

describe("runBatch", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "catena-batch-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("keeps at most `concurrency` items in flight, and uses all of it", async () => {
    const { chain, state } = doubler({ delayMs: 10 });
    const summary = await runBatch(
      chain,
      range(24).map((n) => ({ n })),
      { concurrency: 3 },
    );
    expect(summary.done).toBe(24);
    expect(state.maxInFlight).toBe(3);
  });

  it("defaults to 8 items in flight", async () => {
    const { chain, state } = doubler({ delayMs: 10 });
    await runBatch(
      chain,
      range(30).map((n) => ({ n })),
    );
    expect(state.maxInFlight).toBe(8);
  });

  it("rejects a concurrency below 1", async () => {
    const { chain } = doubler();
    await expect(runBatch(chain, [{ n: 1 }], { concurrency: 0 })).rejects.toMatchObject({
      code: "BATCH_INPUT",
    });
  });

  it("honours a rate limit of items per second", async () => {
    const { chain } = doubler();
    const t0 = performance.now();
    const summary = await runBatch(
      chain,
      range(30).map((n) => ({ n })),
      { rate: { perSecond: 20 }, concurrency: 30 },
    );
    const ms = performance.now() - t0;
    expect(summary.done).toBe(30);
    // 20 start in the first second, the last 10 only after it.
    expect(ms).toBeGreaterThanOrEqual(950);
  });

  it("runs every item once, each with its own input, while workers wait for rate slots", async () => {
    const { chain } = doubler();
    const summary = await runBatch(
      chain,
      range(9).map((n) => ({ n })),
      { rate: { perSecond: 200 }, concurrency: 3 },
    );
    expect(summary.done).toBe(9);
    const byIndex = (summary.results ?? []).map((r) => [r.index, r.status === "done" ? r.output : r.status]);
    expect(byIndex.sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual(
      range(9).map((n) => [n, { doubled: n * 2 }]),
    );
  });

  it("rejects a rate given both per second and per minute", async () => {
    const { chain } = doubler();
    await expect(
      runBatch(chain, [{ n: 1 }], { rate: { perSecond: 100, perMinute: 3 } }),
    ).rejects.toMatchObject({
      code: "BATCH_INPUT",
      message: "Give the rate per second or per minute, not both.",
    });
  });

  it("rejects a rate below one start per window, or not whole, with what to give instead", async () => {
    const { chain } = doubler();
    await expect(runBatch(chain, [{ n: 1 }], { rate: { perSecond: 0.5 } })).rejects.toMatchObject({
      code: "BATCH_INPUT",
      message:
        "rate.perSecond must be a whole number >= 1, got 0.5; for fewer than one a second give perMinute (e.g. { perMinute: 30 }).",
    });
    for (const rate of [{ perSecond: 0 }, { perMinute: -3 }, { perMinute: Number.NaN }]) {
      await expect(runBatch(chain, [{ n: 1 }], { rate })).rejects.toMatchObject({ code: "BATCH_INPUT" });
    }
  });

  it("returns promptly on abort even while the rate limit holds items back", async () => {
    // Items waiting for a rate-limit slot must not hold the batch open after an abort.
    const { chain } = doubler();
    // One item a minute: were the batch to wait for the next slot, the test would time out.
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const summary = await runBatch(
      chain,
      range(5).map((n) => ({ n })),
      { rate: { perMinute: 1 }, signal: controller.signal },
    );
    expect(summary.status).toBe("aborted");
    expect(summary.done).toBe(1);
  });
});
